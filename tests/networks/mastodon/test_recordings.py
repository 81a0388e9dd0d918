"""Mastodon's real answers (tests/recordings/mastodon/) through the collector's parsing, and the
sandbox's seeded history, which now has boosts and followers-only and direct statuses too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from socialbot.networks.base import SourceRef
from socialbot.networks.mastodon import MastodonSettings
from socialbot.networks.mastodon.collect import MastodonCollector, is_public, status_post
from tests.conftest import ROOT

RECORDED = ROOT / "tests" / "recordings" / "mastodon"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text())  # type: ignore[no-any-return]


def test_a_boost_is_the_boosted_status_shared_when_it_was() -> None:
    post = status_post(recorded("reblog.json"))
    assert post.text == "Toot!", "a reblog's own content is empty"
    assert post.permalink == "http://localhost:3000/@mastodonpy_test/109440146834306693", "not /activity"
    assert post.external_id == "109440146837184212" and post.repost_of == "109440146834306693"
    assert post.author == "mastodonpy_test"
    assert post.published_at == datetime(2022, 12, 1, 19, 48, 35, 558000, tzinfo=UTC), "when it was shared"


@pytest.mark.parametrize(
    ("visibility", "shown"), [("public", True), ("unlisted", True), ("private", False), ("direct", False)]
)
def test_only_public_and_unlisted_statuses_enter_the_feed(visibility: str, shown: bool) -> None:
    status = recorded("reblog.json")["reblog"] | {"visibility": visibility}
    assert is_public(status) is shown
    boost = recorded("reblog.json")
    boost["reblog"]["visibility"] = visibility
    assert is_public(boost) is shown, "a boost of a private status is not shown either"


def test_the_sandbox_history_has_boosts_and_private_statuses_handled(sandbox: str) -> None:
    collector = MastodonCollector(MastodonSettings(), {}, sandbox)
    try:
        source = SourceRef(
            1,
            "mastodon",
            "redflag@mastodon.placeholder.invalid",
            None,
            None,
            None,
            None,
            {"include_reposts": True},
        )
        fetched = collector.fetch_new(source)
    finally:
        collector.close()
    assert fetched.posts
    assert all(p.text and "/activity" not in p.permalink for p in fetched.posts)
    boosts = [p for p in fetched.posts if p.repost_of]
    assert boosts and all(p.author == "comrade@union.example" for p in boosts)
    # Seeded statuses 3 and 11 of every 17 are followers-only and direct: none of them came through.
    assert len(fetched.posts) < 20


def test_a_video_or_gifv_shows_its_still_and_audio_shows_nothing() -> None:
    # MediaAttachment as Mastodon's API documents it: url is the file, preview_url a still image.
    status = recorded("reblog.json")["reblog"] | {
        "media_attachments": [
            {
                "id": "1",
                "type": "gifv",
                "url": "https://files.example/a.mp4",
                "preview_url": "https://files.example/a.png",
                "description": "Marching",
            },
            {
                "id": "2",
                "type": "video",
                "url": "https://files.example/b.mp4",
                "preview_url": "https://files.example/b.png",
            },
            {"id": "3", "type": "audio", "url": "https://files.example/c.mp3", "preview_url": None},
            {
                "id": "4",
                "type": "image",
                "url": "https://files.example/d.jpg",
                "preview_url": "https://files.example/d_small.jpg",
            },
        ]
    }
    assert [(m["type"], m["url"], m["alt"]) for m in status_post(status).media] == [
        ("gifv", "https://files.example/a.png", "Marching"),
        ("video", "https://files.example/b.png", ""),
        ("image", "https://files.example/d.jpg", ""),
    ]


def test_a_recorded_public_status_parses_with_every_field() -> None:
    post = status_post(recorded("status.json"))
    assert (post.network, post.external_id) == ("mastodon", "109440145478329198")
    assert post.text == "Toot number 0!" and post.html == "<p>Toot number 0!</p>"
    assert post.author == "mastodonpy_test"
    assert post.permalink == "http://localhost:3000/@mastodonpy_test/109440145478329198"
    assert post.published_at == datetime(2022, 12, 1, 19, 48, 14, 825000, tzinfo=UTC)
    assert (post.link_url, post.media, post.repost_of, post.content_warning) == (None, [], None, None)
    assert post.raw == {"id": "109440145478329198", "edited_at": ""}
    assert is_public(recorded("status.json"))


def test_a_recorded_not_found_answer_is_a_refusal_that_says_so() -> None:
    from socialbot.networks.base import Rejected
    from socialbot.networks.mastodon.collect import MastodonCollector
    from tests.recordings.cassettes import interactions, replaying

    (missing,) = interactions("mastodon/status_missing.yaml")
    assert missing.status == 404
    with replaying(missing) as server:
        collector = MastodonCollector(MastodonSettings(), {}, server.base)
        try:
            with pytest.raises(Rejected) as refused:
                collector.fetch_new(
                    SourceRef(1, "mastodon", "gone@mastodon.social", "0", None, None, None, {}, None)
                )
        finally:
            collector.close()
    assert "not found (Record not found)" in str(refused.value) and refused.value.reason == "not found"
    ((method, path, _),) = server.requests
    assert method == "GET" and path.split("?")[0].endswith("/api/v1/accounts/0/statuses"), path


# The recorded page's Link header (Mastodon.py's test_fetch_next_previous cassette).
LINK = (
    "<http://localhost:3000/api/v1/accounts/109440137734600341/statuses?limit=5&max_id=109440145478329198>; "
    'rel="next", <http://localhost:3000/api/v1/accounts/109440137734600341/statuses?limit=5&min_id='
    '109440145488560756>; rel="prev"'
)


def test_a_recorded_page_of_statuses_is_collected_over_http_with_every_field() -> None:
    from socialbot.networks.mastodon.collect import MastodonCollector
    from tests.recordings.cassettes import Recorded, replaying

    page = recorded("statuses_page.json")
    answer = Recorded(
        "GET", "", 200, {"Content-Type": ["application/json; charset=utf-8"], "Link": [LINK]}, page
    )
    with replaying(answer) as server:
        collector = MastodonCollector(MastodonSettings(), {}, server.base)
        try:
            fetched = collector.fetch_new(
                SourceRef(
                    1,
                    "mastodon",
                    "mastodonpy_test@mastodon.social",
                    "109440137734600341",
                    None,
                    None,
                    None,
                    {},
                    None,
                )
            )
        finally:
            collector.close()
    assert [p.text for p in fetched.posts] == [f"Toot number {n}!" for n in (4, 3, 2, 1, 0)]
    assert fetched.cursor == "109440145488560756", "the newest id, for the next round's min_id"
    assert fetched.platform_id == "109440137734600341" and fetched.requests == 1
    first = fetched.posts[0]
    assert first.permalink == "http://localhost:3000/@mastodonpy_test/109440145488560756"
    assert first.published_at == datetime(2022, 12, 1, 19, 48, 14, 981000, tzinfo=UTC)
    assert all(
        p.author == "mastodonpy_test" and p.media == [] and p.content_warning is None for p in fetched.posts
    )
