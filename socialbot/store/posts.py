"""Post: one collected post of an affiliated group."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialbot.store.base import Base
from socialbot.store.groups import Group, Source
from socialbot.store.types import UTCDateTime, str_enum, utcnow


class Moderation(enum.Enum):
    """Whether the feed shows a post, hides it, or pins it to the top."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    PINNED = "pinned"


class Post(Base):
    """A post collected from a group's source; inserts are idempotent upserts."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("network", "external_id"),
        # Keyset pagination of the feed: ORDER BY published_at DESC, id DESC.
        Index(None, "published_at", "id"),
        Index(None, "group_id", "published_at", "id"),
        # Adaptive polling counts each source's posts of the last week after every fetch.
        Index(None, "source_id", "published_at"),
        # Dedup: the same canonical link shared by several groups, and reposts of a post we show.
        Index(None, "link_url"),
        # Partial: nearly every post has no repost_of, and an index full of NULLs looks useless to planners.
        Index(
            "ix_posts_repost_of_not_null",
            "repost_of",
            sqlite_where=text("repost_of IS NOT NULL"),
            postgresql_where=text("repost_of IS NOT NULL"),
        ),
        # The first page asks for pinned posts; without this it would scan every post.
        Index(None, "moderation", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(500))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    # Sanitised HTML, for sources (RSS) whose content is HTML; text is always the plain version.
    html: Mapped[str | None] = mapped_column(Text)
    permalink: Mapped[str] = mapped_column(String(1000), default="")
    link_url: Mapped[str | None] = mapped_column(String(1000))
    # A content warning the author put on the post (Mastodon's spoiler_text): shown folded behind it.
    content_warning: Mapped[str | None] = mapped_column(Text)
    # The source's own topics (WordPress categories) as " tag tag ", so ?hashtag= matches a whole one.
    tags: Mapped[str | None] = mapped_column(Text)
    repost_of: Mapped[str | None] = mapped_column(String(500))
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    moderation: Mapped[Moderation] = mapped_column(str_enum(Moderation), default=Moderation.VISIBLE)

    group: Mapped[Group] = relationship()
    source: Mapped[Source | None] = relationship()
