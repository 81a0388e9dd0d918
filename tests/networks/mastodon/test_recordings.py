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


def collected_over_http(answer: Any, cursor: str | None = None) -> Any:
    """The recorded account's statuses collected from a server replaying answer."""
    from tests.recordings.cassettes import replaying

    with replaying(answer) as server:
        collector = MastodonCollector(MastodonSettings(), {}, server.base)
        try:
            account = "mastodonpy_test@mastodon.social"
            return collector.fetch_new(SourceRef(1, "mastodon", account, "109440137734600341", cursor))
        finally:
            collector.close()


def test_a_recorded_page_of_statuses_is_collected_over_http_with_every_field() -> None:
    from tests.recordings.cassettes import Recorded

    page = recorded("statuses_page.json")
    answer = Recorded(
        "GET", "", 200, {"Content-Type": ["application/json; charset=utf-8"], "Link": [LINK]}, page
    )
    fetched = collected_over_http(answer)
    assert [p.text for p in fetched.posts] == [f"Toot number {n}!" for n in (4, 3, 2, 1, 0)]
    assert fetched.cursor == "109440145488560756", "the newest id, for the next round's min_id"
    assert fetched.platform_id == "109440137734600341" and fetched.requests == 1
    first = fetched.posts[0]
    assert first.permalink == "http://localhost:3000/@mastodonpy_test/109440145488560756"
    assert first.published_at == datetime(2022, 12, 1, 19, 48, 14, 981000, tzinfo=UTC)
    assert all(
        p.author == "mastodonpy_test" and p.media == [] and p.content_warning is None for p in fetched.posts
    )


def test_a_recorded_status_behind_a_content_warning_keeps_its_warning() -> None:
    from tests.recordings.cassettes import interactions

    (posted,) = interactions("mastodon/status_post_cw_public.yaml")
    post = status_post(posted.body)
    assert post.content_warning == "Content warning", "spoiler_text was dropped"
    assert post.text == "Toot!" and post.html == "<p>Toot!</p>"
    assert (post.external_id, post.author) == ("109440146826798591", "mastodonpy_test")
    assert post.permalink == "http://localhost:3000/@mastodonpy_test/109440146826798591"
    assert post.published_at == datetime(2022, 12, 1, 19, 48, 35, 400000, tzinfo=UTC)
    assert (post.link_url, post.media, post.repost_of) == (None, [], None)


def test_a_recorded_followers_only_status_never_enters_the_feed_over_http() -> None:
    from tests.recordings.cassettes import Recorded, interactions

    (public,) = interactions("mastodon/status_post_cw_public.yaml")
    (private,) = interactions("mastodon/status_post_cw_private.yaml")
    assert private.body["visibility"] == "private"
    page = Recorded("GET", "", 200, {"Content-Type": ["application/json"]}, [public.body, private.body])
    fetched = collected_over_http(page, cursor="1")
    assert [(p.external_id, p.content_warning) for p in fetched.posts] == [
        ("109440146826798591", "Content warning")
    ]
    assert fetched.cursor == "109440146826798591"


def test_a_recorded_video_status_shows_its_still_with_its_description() -> None:
    from tests.recordings.cassettes import interactions

    *_, posted = interactions("mastodon/media_post.yaml")
    post = status_post(posted.body)
    assert post.text == "LOL check this out"
    assert post.media == [
        {
            "type": "video",
            "url": "http://localhost:3000/system/media_attachments/thumbnails/109/440/142/752/741/838/"
            "original/46c997b7e7647e64.jpg",
            "alt": "me when a cat",
        }
    ], "the still, not the MP4, in an <img>"
    assert post.published_at == datetime(2022, 12, 1, 19, 47, 43, 294000, tzinfo=UTC)


SERVER = "/web/mastodon.placeholder.invalid"


def mastodon_publisher(base: str) -> Any:
    from socialbot.config import load_config
    from socialbot.dispatch.publishers import Publishers
    from tests.test_config import SANDBOX_ENV

    return Publishers(load_config(ROOT / "feeds.toml", SANDBOX_ENV), SANDBOX_ENV, base)


def test_the_publisher_waits_for_a_recorded_upload_still_being_processed(tmp_path: Any) -> None:
    from socialbot.networks.base import Media
    from tests.recordings.cassettes import interactions, replaying

    uploaded, looked, posted = interactions("mastodon/media_post.yaml")
    assert uploaded.status == 202 and uploaded.body["url"] is None, "accepted, still processing"
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    with replaying(uploaded, looked, posted) as server:
        publishers = mastodon_publisher(server.base)
        try:
            published = publishers.get("network-mastodon").publish_part(
                "LOL check this out", [], "key-1", [Media(str(image), "image/png", "me when a cat")]
            )
        finally:
            publishers.close()
    assert published.external_id == "109440143411921697"
    assert published.permalink == "http://localhost:3000/@mastodonpy_test/109440143411921697"
    # The account's server is not mastodon.social, so its requests reach the sandbox under /web/HOST.
    asked = [(method, path.split("?")[0].removeprefix(SERVER)) for method, path, _ in server.requests]
    assert asked == [
        ("POST", "/api/v2/media"),
        ("GET", "/api/v1/media/109440142752741838"),
        ("POST", "/api/v1/statuses"),
    ], "the status names the file only once it is processed, and asks no version first"
    assert b"media_ids%5B%5D=109440142752741838" in server.requests[-1][2]


def test_a_recorded_invalid_token_answer_is_an_auth_failure_in_mastodons_words() -> None:
    from socialbot.networks.base import AuthFailed
    from tests.recordings.cassettes import interactions, replaying

    (refused,) = interactions("mastodon/home_tl_unauthorized.yaml")
    assert refused.status == 401
    with replaying(refused) as server:
        publishers = mastodon_publisher(server.base)
        collector = MastodonCollector(MastodonSettings(), {}, server.base)
        try:
            with pytest.raises(AuthFailed) as posting:
                publishers.get("network-mastodon").publish_part("Toot!", [], "key-1")
            with pytest.raises(AuthFailed) as reading:
                collector.fetch_new(
                    SourceRef(1, "mastodon", "a@mastodon.social", "1", None, None, None, {}, None)
                )
        finally:
            publishers.close()
            collector.close()
    assert "The access token is invalid" in str(posting.value)
    assert "refused (401): The access token is invalid" in str(reading.value)
