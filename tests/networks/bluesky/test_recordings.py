"""A real post view (tests/recordings/bluesky/, from atproto's model test data) through the collector's
parsing as the author feed lists it, every field checked: a quote post with an image and no text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from socialbot.networks.bluesky.collect import feed_post
from tests.conftest import ROOT

RECORDED = ROOT / "tests" / "recordings" / "bluesky"


def test_a_recorded_quote_with_media_parses_with_every_field() -> None:
    view = json.loads((RECORDED / "thread_view_post_with_embed_media.json").read_text())["thread"]["post"]
    post = feed_post({"post": view})
    assert (post.network, post.external_id) == (
        "bluesky",
        "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kaheyt6vpc22",
    )
    assert post.text == "" and post.author == "test.marshal.dev"
    assert post.permalink == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"
    assert post.published_at == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=UTC)
    # recordWithMedia: the image is the post's, the quoted post is neither a link nor a repost.
    assert post.media == [
        {
            "type": "photo",
            "url": "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:kvwvcn5iqfooopmyzvb4qzba/"
            "bafkreic3cp5ky525vsukjvrzxsc2h3jka2gud74l2hgeatw2rhj2qycnmq@jpeg",
            "alt": "",
        }
    ]
    assert (post.link_url, post.repost_of) == (None, None)
    assert post.raw == {
        "uri": view["uri"],
        "cid": "bafyreigb666sdjyyaczcahxmf5tzh7dec6bwr3nhdab7llebn7vhsxzgr4",
    }


def replayed_feed(cursor: str | None) -> tuple[Any, list[tuple[str, str, bytes]]]:
    """tests/recordings/bluesky/author_feed.json served over HTTP to the collector's atproto client."""
    from socialbot.networks.base import SourceRef
    from socialbot.networks.bluesky import BlueskySettings
    from socialbot.networks.bluesky.collect import BlueskyCollector
    from tests.recordings.cassettes import Recorded, replaying

    page = json.loads((RECORDED / "author_feed.json").read_text())
    answer = Recorded(
        "GET", "/xrpc/app.bsky.feed.getAuthorFeed", 200, {"Content-Type": ["application/json"]}, page
    )
    with replaying(answer) as server:
        collector = BlueskyCollector(BlueskySettings(), server.base)
        try:
            fetched = collector.fetch_new(
                SourceRef(
                    1, "bluesky", "test.marshal.dev", None, cursor, None, None, {"include_reposts": True}
                )
            )
        finally:
            collector.close()
    return fetched, server.requests


def test_an_author_feed_built_from_the_lexicons_is_collected_over_http_with_every_field() -> None:
    fetched, asked = replayed_feed(None)
    ((_, path, _),) = asked
    assert (
        path.split("?")[0].endswith("/xrpc/app.bsky.feed.getAuthorFeed") and "actor=test.marshal.dev" in path
    )
    video, older, quote, plain = fetched.posts
    # A repost is the repost: its own record's key, the time it was reposted, the original's words.
    assert video.external_id == "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.repost/3kai2repost2a"
    assert video.repost_of == "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3k7qvideo2xk2"
    assert (video.author, video.text) == ("bsky.app", "Marching for the NHS, Sheffield")
    assert video.published_at == datetime(2023, 9, 29, 8, tzinfo=UTC), "reposted, not made (20 September)"
    assert video.permalink == "https://bsky.app/profile/bsky.app/post/3k7qvideo2xk2"
    assert video.media == [
        {
            "type": "video",
            "url": "https://video.bsky.app/watch/did%3Aplc%3Az72i7hdynmk6r22z27h6tvur/bafkreivideoblob/thumbnail.jpg",
            "alt": "Marchers with banners on Fargate",
        }
    ], "video#view: its thumbnail, with the video's alt text"
    # An AppView that names no repost record (uri and cid are optional in reasonRepost): still one
    # key per repost, and its time written with half a second and Z.
    assert older.external_id == (
        "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3k6oldpost2a2"
        "#repost:did:plc:kvwvcn5iqfooopmyzvb4qzba:2023-09-28T20:00:00.5Z"
    )
    assert older.published_at == datetime(2023, 9, 28, 20, 0, 0, 500000, tzinfo=UTC)
    assert older.text == "Ballots drop tomorrow. Check your inbox & vote" and older.media == []
    # The real post view (atproto's test data): a quote with an image, no text, not a repost.
    assert quote.external_id == "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kaheyt6vpc22"
    assert (quote.repost_of, quote.text, len(quote.media)) == (None, "", 1)
    assert quote.published_at == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=UTC)
    # A link facet: the link without the sentence's full stop; a time written without a fraction.
    assert plain.link_url == "https://labourleft.example/rally/"
    assert plain.published_at == datetime(2023, 9, 27, 10, tzinfo=UTC) and plain.author == "test.marshal.dev"
    assert fetched.cursor == "2023-09-29T08:00:00+00:00", "the newest time seen, the repost's"


def test_reposts_of_older_posts_are_new_after_a_cursor_and_a_page_of_nothing_new_stops() -> None:
    # Compared by createdAt, the two reposts (of posts from 1 and 20 September) looked older than a
    # cursor of the 28th midday and were dropped, and paging stopped early.
    fetched, asked = replayed_feed("2023-09-28T15:00:00Z")
    assert [p.repost_of is not None for p in fetched.posts] == [True, True]
    assert len(asked) == 1, "the page held older posts too, so there is nothing further to read"
    again, _ = replayed_feed(fetched.cursor)
    assert again.posts == [] and again.cursor == fetched.cursor, "nothing read twice"
