"""Idempotent writes of collected posts: a post seen twice is stored once; an edited post is updated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from socialbot.networks.base import Post as FetchedPost
from socialbot.store.posts import Post

# Columns whose change means the author edited the post.
CONTENT = ("text", "html", "link_url", "permalink", "media", "author")
CHUNK = 500


@dataclass
class UpsertCount:
    """How many posts were new, changed, or already stored as they are."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_posts(
    session: Session, group_id: int, source_id: int | None, posts: list[FetchedPost], now: datetime
) -> UpsertCount:
    """Store posts for a source: insert new ones, update edited ones, count the rest."""
    count = UpsertCount()
    unique = {(p.network, p.external_id): p for p in posts}
    for network in {n for n, _ in unique}:
        ids = [e for n, e in unique if n == network]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            stored = {
                row.external_id: row
                for row in session.scalars(
                    select(Post).where(Post.network == network, Post.external_id.in_(chunk))
                )
            }
            fresh = [unique[(network, e)] for e in chunk if e not in stored]
            _insert(session, group_id, source_id, fresh, now)
            count.new += len(fresh)
            for external_id, row in stored.items():
                if _apply_edit(row, unique[(network, external_id)], now):
                    count.updated += 1
                else:
                    count.unchanged += 1
    return count


def _insert(
    session: Session, group_id: int, source_id: int | None, posts: list[FetchedPost], now: datetime
) -> None:
    if not posts:
        return
    rows = [_row(p, group_id, source_id, now) for p in posts]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Another process may have stored the same post a moment ago: that is not an error.
    statement = insert(Post).on_conflict_do_nothing(index_elements=["network", "external_id"])
    session.execute(statement, rows)


def _row(post: FetchedPost, group_id: int, source_id: int | None, now: datetime) -> dict[str, Any]:
    return {
        "network": post.network,
        "external_id": post.external_id,
        "group_id": group_id,
        "source_id": source_id,
        "author": post.author[:200],
        "text": post.text,
        "html": post.html,
        "permalink": post.permalink[:1000],
        "link_url": post.link_url[:1000] if post.link_url else None,
        "repost_of": post.repost_of,
        "media": post.media,
        "published_at": post.published_at,
        "fetched_at": now,
        "updated_at": now,
        "raw": post.raw,
        "moderation": "visible",
    }


def _apply_edit(row: Post, post: FetchedPost, now: datetime) -> bool:
    changed = False
    for name in CONTENT:
        value = getattr(post, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = now
    return changed
