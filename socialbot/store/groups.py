"""Group (an affiliated organisation) and Source (one of its accounts or feeds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialbot.store.base import Base
from socialbot.store.types import UTCDateTime, utcnow


class Group(Base):
    """An affiliated organisation: a union branch, a CLP left group, a campaign."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sources: Mapped[list[Source]] = relationship(back_populates="group", order_by="Source.id")


class Source(Base):
    """One account or feed of a group, with its collection state."""

    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("group_id", "network", "locator"),
        # The collector asks "which enabled sources are due?" every round.
        Index(None, "enabled", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(32))
    # The handle, page name/id or feed URL, as written in feeds.toml.
    locator: Mapped[str] = mapped_column(String(500))
    # The platform's own id once resolved (an X user id, a Bluesky DID), so it is looked up once.
    platform_id: Mapped[str | None] = mapped_column(String(200))
    placeholder: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cursor: Mapped[str | None] = mapped_column(String(500))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # A digest of the feed body last parsed: an unchanged body from a server that ignores
    # conditional GET (or changes its ETag every time) is not parsed again.
    content_digest: Mapped[str | None] = mapped_column(String(64))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    poll_interval: Mapped[int | None] = mapped_column()
    consecutive_errors: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when credentials failed: the source waits until they change instead of retrying.
    parked_reason: Mapped[str | None] = mapped_column(Text)
    # A fingerprint of the credentials that failed, so a changed secret un-parks the source.
    parked_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # The last attempt's outcome: ok, not_modified, error, rate_limited, parked, skipped.
    last_status: Mapped[str | None] = mapped_column(String(32))
    last_new: Mapped[int] = mapped_column(default=0, server_default="0")
    last_updated: Mapped[int] = mapped_column(default=0, server_default="0")
    last_duration_ms: Mapped[int | None] = mapped_column()
    # Something worth knowing that did not stop collection (e.g. a feed that is not well-formed).
    last_warning: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship(back_populates="sources")
