"""Idempotent writes of collected posts: a post seen twice is stored once; an edited post is updated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from socialbot.networks.base import Post as FetchedPost
from socialbot.networks.links import http_url
from socialbot.store.posts import Post

# Columns whose change means the author edited the post.
CONTENT = ("text", "html", "link_url", "permalink", "media", "author", "content_warning", "tags")
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
    unique = {(p.network, p.external_id): normalised(p) for p in posts}
    for network in {n for n, _ in unique}:
        ids = [e for n, e in unique if n == network]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            stored = _stored(session, network, chunk)
            fresh = [unique[(network, e)] for e in chunk if e not in stored]
            _insert(session, group_id, source_id, fresh, now)
            count.new += len(fresh)
            for external_id, (post_id, content) in stored.items():
                if _apply_edit(session, post_id, content, unique[(network, external_id)], now):
                    count.updated += 1
                else:
                    count.unchanged += 1
    return count


def _stored(session: Session, network: str, chunk: list[str]) -> dict[str, tuple[int, dict[str, Any]]]:
    """The posts of chunk already stored: each one's id and content columns, by external id."""
    if session.get_bind().dialect.name == "sqlite":
        # Through the DB-API, as the inserts: SQLAlchemy's processing of each of the 500 values of the
        # IN list cost more than SQLite's answer. JSON is decoded here, as the JSON type would.
        marks = ", ".join("?" for _ in chunk)
        rows = session.connection().exec_driver_sql(
            f"SELECT id, external_id, {', '.join(CONTENT)} FROM posts "
            f"WHERE network = ? AND external_id IN ({marks})",
            (network, *chunk),
        )
        found = {}
        for row in rows:
            content = dict(zip(CONTENT, row[2:], strict=True))
            content["media"] = orjson.loads(content["media"]) if content["media"] else []
            found[row[1]] = (row[0], content)
        return found
    query = select(Post.id, Post.external_id, *(getattr(Post, name) for name in CONTENT)).where(
        Post.network == network, Post.external_id.in_(chunk)
    )
    return {row[1]: (row[0], dict(zip(CONTENT, row[2:], strict=True))) for row in session.execute(query)}


def normalised(post: FetchedPost) -> FetchedPost:
    """The post as it is stored: every URL it carries kept only if http(s) (a feed can say
    javascript: anywhere), and the columns of limited length cut to fit, so that comparing a post
    fetched again with the stored one sees edits, not the cuts."""
    post.author = post.author[:200]
    post.permalink = (http_url(post.permalink) or "")[:1000]
    link = http_url(post.link_url)
    post.link_url = link[:1000] if link else None
    if post.media:
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
    values = _values(post, group_id, source_id, post.published_at, now, post.media, post.raw)
    return dict(zip(COLUMNS, values, strict=True))


def _values(
    post: FetchedPost, group_id: int, source_id: int | None, published: Any, now: Any, media: Any, raw: Any
) -> tuple[Any, ...]:
    """A new post's column values, in COLUMNS order; times and JSON values as given (Python or text)."""
    return (
        post.network,
        post.external_id,
        group_id,
        source_id,
        post.author,
        post.text,
        post.html,
        post.permalink,
        post.link_url,
        post.repost_of,
        post.content_warning,
        tag_text(post.tags),
        media,
        published,
        now,
        now,
        raw,
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
    "content_warning",
    "tags",
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
    rows = [
        _values(
            post,
            group_id,
            source_id,
            _sqlite_time(post.published_at),
            stamp,
            to_json(post.media) if post.media else "[]",
            to_json(post.raw) if post.raw else "{}",
        )
        for post in posts
    ]
    session.connection().exec_driver_sql(SQLITE_INSERT, rows)


def tag_text(tags: list[str]) -> str | None:
    """Tags as the tags column keeps them: " a b " (so a whole tag is matched), or None."""
    return f" {' '.join(tags)} " if tags else None


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


def _apply_edit(
    session: Session, post_id: int, stored: dict[str, Any], post: FetchedPost, now: datetime
) -> bool:
    """Update the stored post's content columns that differ from the post fetched now."""
    fetched = {name: getattr(post, name) for name in CONTENT} | {"tags": tag_text(post.tags)}
    changes = {name: value for name, value in fetched.items() if stored[name] != value}
    if changes:
        session.execute(update(Post).where(Post.id == post_id).values(**changes, updated_at=now))
    return bool(changes)
