"""Bluesky reposts, times and embeds as the lexicon defines them (app.bsky.feed.defs#feedViewPost with a
reasonRepost, app.bsky.embed.recordWithMedia#view, app.bsky.embed.video#view), and the sandbox's
seeded history, which now has reposts of older posts and mixed time formats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from socialbot.networks.base import SourceRef
from socialbot.networks.bluesky import BlueskySettings
from socialbot.networks.bluesky.collect import BlueskyCollector, feed_post, item_time

DID = "did:plc:z72i7hdynmk6r22z27h6tvur"


def item(
    created: str, reason: dict[str, Any] | None = None, embed: dict[str, Any] | None = None
) -> dict[str, Any]:
    post: dict[str, Any] = {
        "uri": f"at://{DID}/app.bsky.feed.post/3l6oveex3ii2l",
        "cid": "bafyreia",
        "author": {"did": DID, "handle": "bsky.app", "displayName": "Bluesky"},
        "record": {"$type": "app.bsky.feed.post", "text": "Ballots drop tomorrow #GV6", "createdAt": created},
        "indexedAt": created,
    }
    if embed:
        post["embed"] = embed
    found: dict[str, Any] = {"post": post}
    if reason:
        found["reason"] = reason
    return found


REPOST = {
    "$type": "app.bsky.feed.defs#reasonRepost",
    "by": {"did": "did:plc:lla", "handle": "labourleft.bsky.social"},
    "uri": "at://did:plc:lla/app.bsky.feed.repost/3lrepost",
    "cid": "bafyreib",
    "indexedAt": "2026-12-01T18:00:00.000Z",
}


def test_a_repost_is_keyed_by_the_repost_at_the_time_it_was_reposted() -> None:
    old = item("2026-11-20T09:00:00.000Z", REPOST)
    post = feed_post(old)
    assert post.external_id == "at://did:plc:lla/app.bsky.feed.repost/3lrepost"
    assert post.repost_of == f"at://{DID}/app.bsky.feed.post/3l6oveex3ii2l"
    assert post.published_at == datetime(2026, 12, 1, 18, tzinfo=UTC), (
        "reposted yesterday, not made last month"
    )
    assert post.author == "bsky.app" and post.text == "Ballots drop tomorrow #GV6"
    assert item_time(old) > datetime(2026, 12, 1, tzinfo=UTC), "newer than a cursor of this morning"


def test_times_are_compared_as_times_not_text() -> None:
    # As text "…00.5Z" sorts before "…00Z" ('.' < 'Z'): the newer post looked older and was dropped.
    assert item_time(item("2026-12-01T10:00:00.5Z")) > item_time(item("2026-12-01T10:00:00Z"))
    assert item_time(item("2026-12-01T10:00:00+00:00")) == item_time(item("2026-12-01T10:00:00.000000Z"))


def test_images_of_a_quote_with_media_and_a_videos_thumbnail() -> None:
    with_media = {
        "$type": "app.bsky.embed.recordWithMedia#view",
        "record": {"record": {"uri": "at://x/app.bsky.feed.post/q"}},
        "media": {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": "https://cdn.bsky.app/t.jpg",
                    "fullsize": "https://cdn.bsky.app/f.jpg",
                    "alt": "A rally",
                }
            ],
        },
    }
    assert feed_post(item("2026-12-01T10:00:00Z", embed=with_media)).media == [
        {"type": "photo", "url": "https://cdn.bsky.app/f.jpg", "alt": "A rally"}
    ]
    video = {
        "$type": "app.bsky.embed.video#view",
        "cid": "v",
        "playlist": "https://video.bsky.app/v.m3u8",
        "thumbnail": "https://video.bsky.app/t.jpg",
    }
    (thumb,) = feed_post(item("2026-12-01T10:00:00Z", embed=video)).media
    assert thumb["url"] == "https://video.bsky.app/t.jpg" and thumb["type"] == "video"


def test_the_sandbox_history_has_reposts_of_older_posts_and_none_is_lost(sandbox: str) -> None:
    collector = BlueskyCollector(BlueskySettings(), sandbox)
    source = SourceRef(
        1, "bluesky", "lla.placeholder.invalid", None, None, None, None, {"include_reposts": True}
    )
    try:
        first = collector.fetch_new(source)
        reposts = [p for p in first.posts if p.repost_of]
        assert reposts and all(p.author == "comrade.bsky.social" for p in reposts)
        assert len({p.external_id for p in first.posts}) == len(first.posts)
        again = collector.fetch_new(
            SourceRef(1, "bluesky", source.locator, None, first.cursor, None, None, source.options)
        )
    finally:
        collector.close()
    assert again.posts == [], "nothing is read twice, reposts of older posts included"
