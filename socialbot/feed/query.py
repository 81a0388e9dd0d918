"""The feed query: newest first, pinned first, hidden and banned posts out, one item per shared link.

Pages are keyset-paginated on (published_at, id), never OFFSET, so page 50 costs what page 1 does.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, exists, func, not_, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from socialbot.networks import NETWORKS
from socialbot.store import Group, Moderation, Post

MAX_LIMIT = 50
TAG = re.compile(r"^[\w]{1,100}$")


class FeedError(ValueError):
    """A bad filter or cursor; the message starts with the parameter's name, and valid lists the
    values it may take where there are few enough to say."""

    def __init__(self, message: str, valid: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.parameter = message.split(":", 1)[0]
        self.valid = list(valid)


@dataclass(frozen=True)
class FeedFilter:
    """What a reader asked for: a group, a network, a hashtag, a time window."""

    group: str | None = None
    network: str | None = None
    hashtag: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters, for links to the next page."""
        params = {
            "group": self.group,
            "network": self.network,
            "hashtag": self.hashtag,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {k: v for k, v in params.items() if v}


@dataclass
class Sharer:
    """A group that posted (or reposted) an item."""

    slug: str
    name: str
    permalink: str
    network: str


@dataclass
class FeedItem:
    """One entry of the feed, with everything every renderer needs."""

    id: int
    network: str
    external_id: str
    group_slug: str
    group_name: str
    author: str
    text: str
    permalink: str
    link_url: str | None
    media: list[dict[str, Any]]
    published_at: datetime
    pinned: bool = False
    shared_by: list[Sharer] = field(default_factory=list)
    # The author's content warning: renderers fold the post behind it.
    content_warning: str | None = None
    # The source's own topics (a website's categories) as hashtag words.
    tags: list[str] = field(default_factory=list)


@dataclass
class FeedPage:
    """A page of items and the cursor of the next page (None on the last)."""

    items: list[FeedItem]
    next_cursor: str | None


def encode_cursor(published_at: datetime, post_id: int) -> str:
    """An opaque cursor for "older than this post"."""
    raw = f"{published_at.astimezone(UTC).isoformat()}|{post_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor stands for; FeedError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, post_id = raw.split("|")
        return datetime.fromisoformat(when), int(post_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"cursor: {cursor[:40]!r} is not a cursor this feed gave out") from exc


def parse_filter(params: dict[str, str]) -> FeedFilter:
    """A FeedFilter from query parameters; FeedError names the bad one."""
    hashtag = params.get("hashtag", "").lstrip("#") or None
    if hashtag and not TAG.match(hashtag):
        raise FeedError(f"hashtag: {hashtag!r} is not a hashtag")
    times = {}
    for name in ("since", "until"):
        value = params.get(name)
        if value:
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise FeedError(f"{name}: {value!r} is not an ISO 8601 date or time") from exc
            times[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    network = params.get("network") or None
    if network and network not in NETWORKS:
        names = sorted(NETWORKS)
        raise FeedError(f"network: {network!r} is not a network; use one of: {', '.join(names)}", names)
    return FeedFilter(
        group=params.get("group") or None,
        network=network,
        hashtag=hashtag,
        since=times.get("since"),
        until=times.get("until"),
    )


# Made once: SQLAlchemy memoises how an alias adapts each column, and a new alias per call spent
# more time adapting columns than SQLite spent answering (bench/feed.py).
NEWER = aliased(Post, name="newer")
ORIGINAL = aliased(Post, name="original")


def _shown(post: Any, flt: FeedFilter, banned: list[str]) -> list[ColumnElement[bool]]:
    """Conditions for a post (of this alias) to be shown at all under the filter."""
    conditions: list[ColumnElement[bool]] = [post.moderation != Moderation.HIDDEN]
    if flt.network:
        conditions.append(post.network == flt.network)
    if flt.hashtag:
        tag = flt.hashtag.lower()
        conditions.append(
            or_(
                func.lower(post.text).contains(f"#{tag}", autoescape=True),
                post.tags.contains(f" {tag} ", autoescape=True),
            )
        )
    if flt.since:
        conditions.append(post.published_at >= flt.since)
    if flt.until:
        conditions.append(post.published_at < flt.until)
    for word in banned:
        conditions.append(not_(func.lower(post.text).contains(word.lower(), autoescape=True)))
    return conditions


# What a feed item is made of: columns, not ORM objects (no identity map, no raw JSON loaded).
ITEM_COLUMNS = (
    Post.id,
    Post.network,
    Post.external_id,
    Group.slug,
    Group.name,
    Post.author,
    Post.text,
    Post.permalink,
    Post.link_url,
    Post.media,
    Post.published_at,
    Post.content_warning,
    Post.tags,
)


@dataclass(frozen=True)
class Statements:
    """The feed's statements for one filter, built once and run with bound parameters."""

    pinned: Any
    first: Any
    after: Any
    by_link: Any
    by_repost: Any


def feed_page(
    session: Session, flt: FeedFilter, limit: int, cursor: str | None = None, banned: list[str] | None = None
) -> FeedPage:
    """One page of the feed: pinned posts first on the first page, then newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise FeedError(f"limit: must be between 1 and {MAX_LIMIT}")
    statements = _statements(flt, tuple(banned or ()))
    pinned: list[Any] = []
    if cursor is None:
        pinned = list(session.execute(statements.pinned, {"limit": limit}).all())
        rows = list(session.execute(statements.first, {"limit": limit - len(pinned) + 1}).all())
    else:
        when, post_id = decode_cursor(cursor)
        params = {"limit": limit + 1, "when": when, "post_id": post_id}
        rows = list(session.execute(statements.after, params).all())
    more = len(rows) > limit - len(pinned)
    rows = rows[: limit - len(pinned)]
    items = [_item(row, pinned=True) for row in pinned] + [_item(row) for row in rows]
    _add_sharers(session, items, statements)
    next_cursor = encode_cursor(rows[-1].published_at, rows[-1].id) if more and rows else None
    return FeedPage(items, next_cursor)


@functools.lru_cache(maxsize=256)
def _statements(flt: FeedFilter, banned: tuple[str, ...]) -> Statements:
    """The statements for a filter: building them costs several times what SQLite takes to answer
    them (bench/feed.py), and readers ask for the same few filters again and again."""
    words = list(banned)
    shown = _shown(Post, flt, words)
    query = select(*ITEM_COLUMNS).join(Group, Post.group_id == Group.id).where(Group.enabled, *shown)
    if flt.group:
        query = query.where(Group.slug == flt.group)
    # One item per shared link: the newest post that carries it stands for the others.
    query = query.where(
        not_(
            exists().where(
                NEWER.link_url == Post.link_url,
                Post.link_url.is_not(None),
                tuple_(NEWER.published_at, NEWER.id) > tuple_(Post.published_at, Post.id),
                *_shown(NEWER, flt, words),
            )
        )
    )
    # A repost of a post we show is not shown again.
    query = query.where(
        or_(
            Post.repost_of.is_(None),
            not_(
                exists().where(
                    ORIGINAL.network == Post.network,
                    ORIGINAL.external_id == Post.repost_of,
                    *_shown(ORIGINAL, flt, words),
                )
            ),
        )
    )
    newest = (Post.published_at.desc(), Post.id.desc())
    limit = bindparam("limit", type_=Integer)
    rest = query.where(Post.moderation != Moderation.PINNED)
    older = tuple_(Post.published_at, Post.id) < tuple_(
        bindparam("when", type_=Post.published_at.type), bindparam("post_id", type_=Integer)
    )
    # Every group that shared a link or reposted a post: one row per (link or original, group),
    # aggregated in SQL, each lookup on its own index.
    columns = (
        Group.slug,
        Group.name,
        func.min(Post.published_at).label("first"),
        func.min(Post.permalink),
        func.min(Post.network),
    )
    sharers = select(*columns).join(Group, Post.group_id == Group.id).where(Group.enabled, *shown)
    return Statements(
        pinned=query.where(Post.moderation == Moderation.PINNED).order_by(*newest).limit(limit),
        first=rest.order_by(*newest).limit(limit),
        after=rest.where(older).order_by(*newest).limit(limit),
        by_link=sharers.add_columns(Post.link_url)
        .where(Post.link_url.in_(bindparam("keys", expanding=True)))
        .group_by(Post.link_url, Group.id),
        by_repost=sharers.add_columns(Post.repost_of)
        .where(Post.repost_of.is_not(None), Post.repost_of.in_(bindparam("keys", expanding=True)))
        .group_by(Post.repost_of, Group.id),
    )


def _item(row: Any, pinned: bool = False) -> FeedItem:
    return FeedItem(
        id=row.id,
        network=row.network,
        external_id=row.external_id,
        group_slug=row.slug,
        group_name=row.name,
        author=row.author,
        text=row.text,
        permalink=row.permalink,
        link_url=row.link_url,
        media=list(row.media or []),
        published_at=row.published_at,
        content_warning=row.content_warning,
        tags=(row.tags or "").split(),
        pinned=pinned,
        shared_by=[Sharer(row.slug, row.name, row.permalink, row.network)],
    )


def _add_sharers(session: Session, items: list[FeedItem], statements: Statements) -> None:
    """Every group that shared an item's link or reposted it, in the order they did, each once."""
    links = sorted({item.link_url for item in items if item.link_url})
    originals = sorted({item.external_id for item in items})
    rows: list[tuple[Any, ...]] = []
    if links:
        rows += [("link", row[-1], *row[:-1]) for row in session.execute(statements.by_link, {"keys": links})]
    if originals:
        rows += [
            ("repost", row[-1], *row[:-1])
            for row in session.execute(statements.by_repost, {"keys": originals})
        ]
    found: dict[tuple[str, str], list[tuple[Any, Sharer]]] = {}
    for kind, key, slug, name, first, permalink, network in rows:
        found.setdefault((kind, key), []).append((first, Sharer(slug, name, permalink, network)))
    for item in items:
        candidates = found.get(("link", item.link_url or ""), []) + found.get(
            ("repost", item.external_id), []
        )
        seen: dict[str, Sharer] = {s.slug: s for s in item.shared_by}
        for _, sharer in sorted(candidates, key=lambda pair: str(pair[0])):
            seen.setdefault(sharer.slug, sharer)
        item.shared_by = list(seen.values())
