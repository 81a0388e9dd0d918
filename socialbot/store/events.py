"""Event: a rally, a fringe meeting or a livestream from a campaign file, shown publicly on /events and
in every subscriber's calendar (/events.ics); its reminders are ordinary ScheduledPosts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from socialbot.store.base import Base
from socialbot.store.types import UTCDateTime, utcnow


class Event(Base):
    """One event; `sequence` goes up with every change people's calendars must pick up (RFC 5545)."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("campaign", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The zone it was written in: the page and the calendar show it in that zone.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    location: Mapped[str] = mapped_column(Text, default="")
    online_url: Mapped[str] = mapped_column(String(1000), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # The organising group's slug from feeds.toml (for ?group=), if any.
    group_slug: Mapped[str | None] = mapped_column(String(100), index=True)
    # "confirmed" or "cancelled" (a cancelled event stays, so calendars learn of it).
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    sequence: Mapped[int] = mapped_column(default=0)
    source_file: Mapped[str | None] = mapped_column(String(500))
    example: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When what subscribers see last changed (the calendar's DTSTAMP and LAST-MODIFIED).
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
