"""ScheduledPost (a campaign message) and Delivery (it, to one account), with sent parts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialbot.store.accounts import Account
from socialbot.store.base import Base
from socialbot.store.types import UTCDateTime, str_enum, utcnow


class DeliveryState(enum.Enum):
    """The states of DESIGN.md's delivery state machine."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    SCHEDULED = "scheduled"
    # Due, but its account must not reach the real platform (a placeholder, a sandbox credential, an
    # example campaign): kept with the reason until an officer retries it.
    HELD = "held"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class ScheduledPost(Base):
    """A message an officer queued, from a campaign file, the CLI or the web page."""

    __tablename__ = "scheduled_posts"
    __table_args__ = (UniqueConstraint("campaign", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    # Per-network text, e.g. {"facebook": "...whole text...", "twitter": "...shorter..."}.
    variants: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Explicit thread parts; empty means one part (or split automatically when thread_auto).
    thread: Mapped[list[str]] = mapped_column(JSON, default=list)
    thread_auto: Mapped[bool] = mapped_column(default=False)
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The zone the time was written in, kept so officers see it as they wrote it.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # Recurring posts: a cron expression and bounds, in local time; each occurrence is a delivery.
    cron: Mapped[str | None] = mapped_column(String(100))
    recur_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recur_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After this a missed post is expired rather than sent late.
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    source_file: Mapped[str | None] = mapped_column(String(500))
    # From an example campaign (`example = true`): sent only to a sandbox, never to a real platform.
    example: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by: Mapped[str] = mapped_column(String(100), default="")
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="scheduled_post")


class Delivery(Base):
    """One ScheduledPost to one publishing Account at one time; moves through DeliveryState."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("scheduled_post_id", "account_id", "occurrence"),
        # The dispatcher's question every tick: which scheduled deliveries are due?
        Index(None, "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheduled_post_id: Mapped[int] = mapped_column(ForeignKey("scheduled_posts.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    # "" for a one-off post; the occurrence's local ISO time for a recurring one.
    occurrence: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState), default=DeliveryState.DRAFT)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    # The part whose request is about to leave (written, on its own, just before it is sent; cleared
    # when the part is recorded): after a crash only a delivery with one is in doubt.
    sending_part: Mapped[int | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    permalink: Mapped[str | None] = mapped_column(String(1000))
    # Sent with every attempt where the platform honours it (Mastodon), so a retry cannot double-post.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    scheduled_post: Mapped[ScheduledPost] = relationship(back_populates="deliveries")
    account: Mapped[Account] = relationship()
    parts: Mapped[list[DeliveryPart]] = relationship(order_by="DeliveryPart.position")


class DeliveryPart(Base):
    """One published part of a delivery, written before the next part is sent."""

    __tablename__ = "delivery_parts"
    __table_args__ = (UniqueConstraint("delivery_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    external_id: Mapped[str] = mapped_column(String(200))
    permalink: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
