"""Idempotent writes of collected posts: a post seen twice is stored once; an edited post is updated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from socialbot.networks.base import Post as FetchedPost
from socialbot.networks.links import http_url
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
    unique = {(p.network, p.external_id): only_web_links(p) for p in posts}
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


def only_web_links(post: FetchedPost) -> FetchedPost:
    """The post with every URL it carries kept only if http(s): a feed can say javascript: anywhere."""
    post.permalink = http_url(post.permalink) or ""
    post.link_url = http_url(post.link_url)
    post.media = [m for m in post.media if isinstance(m, dict) and http_url(m.get("url"))]
    return post


def _insert(
    session: Session, group_id: int, source_id: int | None, posts: list[FetchedPost], now: datetime
) -> None:
    if not posts:
        return
    # Another process may have stored the same post a moment ago: that is not an error.
    if session.get_bind().dialect.name == "sqlite":
        _insert_sqlite(session, group_id, source_id, posts, now)
        return
    rows = [_row(p, group_id, source_id, now) for p in posts]
    statement = postgresql.insert(Post).on_conflict_do_nothing(index_elements=["network", "external_id"])
    session.execute(statement, rows)


def _row(post: FetchedPost, group_id: int, source_id: int | None, now: datetime) -> dict[str, Any]:
    return dict(zip(COLUMNS, _values(post, group_id, source_id, post.published_at, now, now), strict=True))


def _values(
    post: FetchedPost, group_id: int, source_id: int | None, published: Any, fetched: Any, updated: Any
) -> tuple[Any, ...]:
    """A new post's column values, in COLUMNS order; the times as given."""
    return (
        post.network,
        post.external_id,
        group_id,
        source_id,
        post.author[:200],
        post.text,
        post.html,
        post.permalink[:1000],
        post.link_url[:1000] if post.link_url else None,
        post.repost_of,
        post.media,
        published,
        fetched,
        updated,
        post.raw,
        "visible",
    )


COLUMNS = (
    "network",
    "external_id",
    "group_id",
    "source_id",
    "author",
    "text",
    "html",
    "permalink",
    "link_url",
    "repost_of",
    "media",
    "published_at",
    "fetched_at",
    "updated_at",
    "raw",
    "moderation",
)
SQLITE_INSERT = (
    f"INSERT INTO posts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
    "ON CONFLICT (network, external_id) DO NOTHING"
)


def _insert_sqlite(
    session: Session, group_id: int, source_id: int | None, posts: list[FetchedPost], now: datetime
) -> None:
    """New rows through the DB-API's executemany, values stored exactly as UTCDateTime and JSON store them.

    SQLAlchemy's per-value type processing costs several times the insert itself on SQLite; a round
    that brings thousands of posts should not pay it (bench/collect.py measures the difference).
    """
    stamp = _sqlite_time(now)
    rows = []
    for post in posts:
        values = list(_values(post, group_id, source_id, _sqlite_time(post.published_at), stamp, stamp))
        values[10] = to_json(post.media) if post.media else "[]"
        values[14] = to_json(post.raw) if post.raw else "{}"
        rows.append(tuple(values))
    session.connection().exec_driver_sql(SQLITE_INSERT, rows)


def to_json(value: Any) -> str:
    """JSON text as the JSON column stores it, by orjson (a tenth of json.dumps's time, and a post's
    raw answer and media are written for every new post); json.dumps for what orjson declines
    (integers beyond 64 bits, for one)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _sqlite_time(value: datetime) -> str:
    # UTCDateTime keeps naive UTC on SQLite, in SQLAlchemy's DATETIME text format (with microseconds).
    naive = value.replace(tzinfo=None) if value.tzinfo is UTC else value.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(" ", "microseconds")


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
