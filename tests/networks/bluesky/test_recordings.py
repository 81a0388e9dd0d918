"""A real post view (tests/recordings/bluesky/, from atproto's model test data) through the collector's
parsing as the author feed lists it, every field checked: a quote post with an image and no text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

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
