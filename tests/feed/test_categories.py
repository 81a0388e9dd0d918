"""A feed's own topics (WordPress categories) reach the hashtag filter (issue #15): kept as whole
words on the post, matched by ?hashtag= as a #hashtag in the text is, and stored once (a second round
with the same categories changes nothing). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from socialbot.feed.query import FeedFilter, feed_page
from socialbot.networks.base import Post as Fetched
from socialbot.networks.rss.collect import parse_feed
from socialbot.store.upsert import upsert_posts
from tests.conftest import ROOT
from tests.store.test_upsert import group_id

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_a_wordpress_feeds_categories_become_hashtag_words() -> None:
    posts, _ = parse_feed(
        (ROOT / "tests/recordings/rss/wordpress-rss2.xml").read_bytes(), {}, "http://x/feed/"
    )
    assert posts[0].tags == ["newzealand", "personal", "programming", "study"]
    assert posts[1].tags == ["newzealand", "personal"]


def test_the_hashtag_filter_finds_categories_and_a_second_round_changes_nothing(
    db: sessionmaker[Session],
) -> None:
    gid = group_id(db)
    posts = [
        Fetched(
            "rss", "a", "Our week at the depot", NOW, permalink="https://x/a", tags=["newzealand", "gv6"]
        ),
        Fetched("rss", "b", "Vote #GV6 today", NOW, permalink="https://x/b"),
        Fetched("rss", "c", "New members' night", NOW, permalink="https://x/c", tags=["newmembers"]),
    ]
    with db.begin() as session:
        first = upsert_posts(session, gid, None, posts, NOW)
    with db.begin() as session:
        again = upsert_posts(session, gid, None, posts, NOW)
    assert (first.new, again.updated, again.unchanged) == (3, 0, 3)
    with db() as session:
        for tag, expected in (
            ("GV6", {"a", "b"}),
            ("newzealand", {"a"}),
            ("new", set()),
            ("newmembers", {"c"}),
        ):
            page = feed_page(session, FeedFilter(hashtag=tag), 10)
            assert {item.external_id for item in page.items} == expected, tag


def test_the_json_feed_lists_the_categories_among_its_tags(db: sessionmaker[Session]) -> None:
    from socialbot.feed.formats import render_json_feed
    from socialbot.feed.view import item_view

    gid = group_id(db)
    post = Fetched("rss", "a", "Vote #GV6 today", NOW, permalink="https://x/a", tags=["newzealand", "gv6"])
    with db.begin() as session:
        upsert_posts(session, gid, None, [post], NOW)
    with db() as session:
        page = feed_page(session, FeedFilter(), 10)
    meta = {
        "title": "Feed",
        "home_page_url": "https://feed.example/",
        "feed_url": "https://feed.example/feed.json",
    }
    body = render_json_feed([item_view(i, "https://feed.example", False) for i in page.items], page, meta)
    assert json.loads(body)["items"][0]["tags"] == ["GV6", "newzealand"], "each once, whatever its case"
