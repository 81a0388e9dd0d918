"""upsert_posts on both databases: new, edited and unchanged posts, and values that read back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.networks.base import Post as Fetched
from socialbot.store import Group, Moderation, Post
from socialbot.store.upsert import upsert_posts

NOW = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)


def fetched(n: int, **fields: object) -> Fetched:
    values: dict[str, object] = {
        "network": "mastodon",
        "external_id": f"1000{n}",
        "text": f"Rally at 7:30pm #{n}",
        "published_at": datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=1))),
        "author": "redflag",
        "permalink": f"https://mastodon.social/@redflag/1000{n}",
        "link_url": "https://labourleft.org/appeal/",
        "html": "<p>Rally</p>",
        "media": [{"type": "image", "url": "https://x.org/a.png", "alt": "Crowd ✊"}],
        "raw": {"id": n},
    }
    values.update(fields)
    return Fetched(**values)  # type: ignore[arg-type]


def group_id(db: sessionmaker[Session]) -> int:
    with db.begin() as session:
        group = Group(slug="red-flag", name="Red Flag")
        session.add(group)
        session.flush()
        return group.id


def test_new_then_unchanged_then_edited(db: sessionmaker[Session]) -> None:
    gid = group_id(db)
    with db.begin() as session:
        first = upsert_posts(session, gid, None, [fetched(1), fetched(2), fetched(2)], NOW)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    with db.begin() as session:
        again = upsert_posts(session, gid, None, [fetched(1), fetched(2, text="Rally moved to 8pm")], NOW)
    assert (again.new, again.updated, again.unchanged) == (0, 1, 1)
    with db() as session:
        posts = {p.external_id: p for p in session.scalars(select(Post))}
    assert posts["10002"].text == "Rally moved to 8pm"


def test_values_read_back_exactly(db: sessionmaker[Session]) -> None:
    gid = group_id(db)
    with db.begin() as session:
        upsert_posts(session, gid, None, [fetched(3)], NOW)
    with db() as session:
        post = session.scalars(select(Post)).one()
    assert post.published_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert post.fetched_at == NOW and post.fetched_at.tzinfo is not None
    assert post.media == [{"type": "image", "url": "https://x.org/a.png", "alt": "Crowd ✊"}]
    assert post.raw == {"id": 3}
    assert post.moderation is Moderation.VISIBLE
    assert post.group_id == gid


def test_raw_answers_orjson_declines_are_still_stored(db: sessionmaker[Session]) -> None:
    gid = group_id(db)
    raw = {"id": 2**70, 7: "a numeric key", "nested": [{"ok": True, "none": None}]}
    with db.begin() as session:
        upsert_posts(session, gid, None, [fetched(4, raw=raw)], NOW)
    with db() as session:
        post = session.scalars(select(Post)).one()
        assert post.raw == {"id": 2**70, "7": "a numeric key", "nested": [{"ok": True, "none": None}]}


def test_cut_columns_and_media_compare_as_stored(db: sessionmaker[Session]) -> None:
    gid = group_id(db)
    long_author = "Labour Left Alliance " * 20  # over the 200 characters the column keeps
    with db.begin() as session:
        upsert_posts(session, gid, None, [fetched(5, author=long_author)], NOW)
    with db.begin() as session:
        again = upsert_posts(session, gid, None, [fetched(5, author=long_author)], NOW)
    assert (again.updated, again.unchanged) == (0, 1), "the cut author is not an edit"
    photo = [{"type": "image", "url": "https://x.org/b.png", "alt": "Banner"}]
    with db.begin() as session:
        edited = upsert_posts(session, gid, None, [fetched(5, author=long_author, media=photo)], NOW)
    assert edited.updated == 1
    with db() as session:
        post = session.scalars(select(Post)).one()
        assert post.media == photo and len(post.author) == 200


def test_an_undated_feed_entry_keeps_the_time_it_was_first_seen(db: sessionmaker[Session]) -> None:
    # A feed entry without pubDate gets "now" each time it is parsed; the store keeps the first.
    import feedparser

    from socialbot.networks.rss.collect import PARSE_OPTIONS, entry_to_post

    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Branch</title><link>https://b.example/</link>'
        b"<item><title>Picket at 7am</title><link>https://b.example/picket/</link><guid>p1</guid></item>"
        b"</channel></rss>"
    )
    gid = group_id(db)
    seen = []
    for _ in range(2):
        (entry,) = feedparser.parse(body, **PARSE_OPTIONS).entries
        post = entry_to_post(entry, "https://b.example/feed/", "Branch")
        assert post is not None
        seen.append(post.published_at)
        with db.begin() as session:
            upsert_posts(session, gid, None, [post], datetime.now(UTC))
    assert seen[1] > seen[0], "parsed twice, dated twice"
    with db() as session:
        stored = session.scalars(select(Post.published_at).where(Post.external_id == "p1")).one()
    assert (
        stored == seen[0].replace(microsecond=stored.microsecond)
        or abs((stored - seen[0]).total_seconds()) < 1
    )
