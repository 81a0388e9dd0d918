"""The feed query on SQLite and PostgreSQL: order, keyset pages, pins, hiding, banned words, dedup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from socialbot.feed.moderation import ModerationError, moderate
from socialbot.feed.query import FeedError, FeedFilter, decode_cursor, feed_page, parse_filter
from socialbot.store import Group, Post
from socialbot.store.counters import read
from tests.conftest import ADMIN

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def seed(db: sessionmaker[Session], count: int = 30) -> dict[str, int]:
    """Three groups; post i is i minutes older than T0; some share links, one is a repost."""
    with db.begin() as session:
        groups = [
            Group(slug=s, name=n)
            for s, n in (("lla", "Labour Left Alliance"), ("lrc", "LRC"), ("red-flag", "Red Flag"))
        ]
        session.add_all(groups)
        session.flush()
        for i in range(count):
            group = groups[i % 3]
            session.add(
                Post(
                    network="twitter" if i % 2 else "facebook",
                    external_id=f"p{i}",
                    group_id=group.id,
                    text=f"Post {i} #GV6" if i % 5 == 0 else f"Post {i}",
                    permalink=f"https://x.com/p{i}",
                    published_at=T0 - timedelta(minutes=i),
                )
            )
        # The same article shared by all three groups, at three times.
        for n, group in enumerate(groups):
            session.add(
                Post(
                    network="facebook",
                    external_id=f"share{n}",
                    group_id=group.id,
                    text=f"Read this ({group.name})",
                    link_url="https://labourleft.org/appeal/",
                    permalink=f"https://facebook.com/share{n}",
                    published_at=T0 - timedelta(seconds=30 + n),
                )
            )
        session.add(
            Post(
                network="twitter",
                external_id="rt1",
                group_id=groups[1].id,
                text="RT Post 1",
                repost_of="p1",
                permalink="https://x.com/rt1",
                published_at=T0 + timedelta(minutes=1),
            )
        )
        return {g.slug: g.id for g in groups}


def ids(page: object) -> list[str]:
    return [item.external_id for item in page.items]  # type: ignore[attr-defined]


def test_newest_first_and_pages_never_repeat(db: sessionmaker[Session]) -> None:
    seed(db)
    seen: list[str] = []
    cursor = None
    with db() as session:
        while True:
            page = feed_page(session, FeedFilter(), 7, cursor)
            seen += ids(page)
            cursor = page.next_cursor
            if cursor is None:
                break
    times = [int(e[1:]) for e in seen if e.startswith("p")]
    assert times == sorted(times), "newest first"
    assert len(seen) == len(set(seen)) == 30 + 1, "every post once; the shared link once; the repost folded"


def test_a_shared_link_is_one_item_shared_by_every_group(db: sessionmaker[Session]) -> None:
    seed(db)
    with db() as session:
        page = feed_page(session, FeedFilter(), 10)
    shared = [item for item in page.items if item.link_url]
    assert len(shared) == 1 and shared[0].external_id == "share0", "the newest share stands for the others"
    # The item's own group first, then the others in the order they shared it.
    assert [s.name for s in shared[0].shared_by] == ["Labour Left Alliance", "Red Flag", "LRC"]


def test_a_repost_folds_into_its_original(db: sessionmaker[Session]) -> None:
    seed(db)
    with db() as session:
        page = feed_page(session, FeedFilter(), 10)
    assert "rt1" not in ids(page)
    original = next(item for item in page.items if item.external_id == "p1")
    assert {s.slug for s in original.shared_by} == {"lrc"}


def test_pinned_first_hidden_out_and_the_feed_version_moves(db: sessionmaker[Session]) -> None:
    seed(db)
    with db.begin() as session:
        moderate(session, "twitter:p29", "pin", ADMIN)
        moderate(session, "facebook:p0", "hide", ADMIN)
    with db() as session:
        first = feed_page(session, FeedFilter(), 5)
        assert ids(first)[0] == "p29" and first.items[0].pinned
        assert "p0" not in ids(first)
        everything = []
        cursor = first.next_cursor
        while cursor:
            page = feed_page(session, FeedFilter(), 10, cursor)
            everything += ids(page)
            cursor = page.next_cursor
        assert "p29" not in everything, "a pinned post is not repeated further down"
        assert read(session)[0] == 2
    with db.begin() as session:
        moderate(session, "facebook:p0", "unhide", ADMIN)
    with db() as session:
        assert "p0" in ids(feed_page(session, FeedFilter(), 10))


def test_banned_words_and_filters(db: sessionmaker[Session]) -> None:
    seed(db)
    with db() as session:
        banned = feed_page(session, FeedFilter(), 50, banned=["POST 2"])
        assert not any(i.text.startswith("Post 2") for i in banned.items)
        by_group = feed_page(session, FeedFilter(group="red-flag"), 50)
        assert {i.group_slug for i in by_group.items} == {"red-flag"}
        tagged = feed_page(session, FeedFilter(hashtag="gv6"), 50)
        assert ids(tagged) == ["p0", "p5", "p10", "p15", "p20", "p25"]
        window = feed_page(session, FeedFilter(since=T0 - timedelta(minutes=3), network="twitter"), 50)
        assert set(ids(window)) == {"p1", "p3"}


def test_bad_parameters_name_themselves() -> None:
    with pytest.raises(FeedError, match="hashtag"):
        parse_filter({"hashtag": "not a tag!"})
    with pytest.raises(FeedError, match="since"):
        parse_filter({"since": "yesterday"})
    with pytest.raises(FeedError, match="cursor"):
        decode_cursor("garbage")
    assert parse_filter({"since": "2026-11-20"}).since == datetime(2026, 11, 20, tzinfo=UTC)


def test_moderating_an_unknown_post_says_how_to_find_one(db: sessionmaker[Session]) -> None:
    with db() as session, pytest.raises(ModerationError, match="socialbot feed list"):
        moderate(session, "42", "hide", ADMIN)
