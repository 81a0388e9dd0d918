"""Counters: small named numbers, such as the feed's version, that change when the store does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from socialbot.store.base import Base
from socialbot.store.types import UTCDateTime, utcnow

FEED_VERSION = "feed_version"
# Bumped whenever an event is created, changed or cancelled: /events and its calendar are rebuilt.
EVENTS_VERSION = "events_version"
# Bumped by every dispatch round: when it goes stale, nothing is sending the queue.
DISPATCH_HEARTBEAT = "dispatch_heartbeat"


class Counter(Base):
    """A named counter and when it last changed."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def bump(session: Session, name: str = FEED_VERSION) -> None:
    """Add one to a counter (creating it), in the caller's transaction."""
    changed = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1, changed_at=utcnow())
    )
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        session.add(Counter(name=name, value=1, changed_at=utcnow()))


def read(session: Session, name: str = FEED_VERSION) -> tuple[int, datetime | None]:
    """A counter's value and when it changed; (0, None) if it never has."""
    row = session.execute(select(Counter.value, Counter.changed_at).where(Counter.name == name)).first()
    return (row[0], row[1]) if row else (0, None)
