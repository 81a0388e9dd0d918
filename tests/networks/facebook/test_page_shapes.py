"""Graph API page-feed shapes (developers.facebook.com: Page Feed, Paging): time-based paging with only
a `next` link, posts without a message, album posts' photos."""

from __future__ import annotations

from socialbot.networks.facebook.collect import next_page, page_post

NEXT = (
    "https://graph.facebook.com/v26.0/1353269864728879/posts?access_token=TOKEN&fields=message%2Cstory"
    "&limit=25&until=1764000000&__paging_token=enc_AdB"
)


def test_time_based_paging_follows_the_next_link() -> None:
    page = {"data": [], "paging": {"previous": NEXT.replace("until", "since"), "next": NEXT}}
    assert next_page(page) == {
        "fields": "message,story",
        "limit": "25",
        "until": "1764000000",
        "__paging_token": "enc_AdB",
    }


def test_cursor_paging_and_the_last_page() -> None:
    page = {"data": [], "paging": {"cursors": {"before": "b", "after": "a"}, "next": NEXT}}
    assert next_page(page)["after"] == "a"  # type: ignore[index]
    assert next_page({"data": [], "paging": {"cursors": {"before": "b", "after": "a"}}}) is None


def item(**fields: object) -> dict[str, object]:
    return {"id": "1_2", "created_time": "2026-12-01T09:00:00+0000", **fields}


def test_a_post_without_a_message_keeps_what_it_says_or_is_left_out() -> None:
    story = page_post(
        item(story="Labour Left Alliance updated their cover photo.", full_picture="https://scontent/x.jpg"),
        "lla",
    )
    assert story is not None and story.text == "Labour Left Alliance updated their cover photo."
    shared = item(
        attachments={
            "data": [
                {
                    "type": "share",
                    "title": "Reclaim democracy: recall conference",
                    "url": "https://labourleft.org/recall/",
                }
            ]
        }
    )
    link = page_post(shared, "lla")
    assert link is not None and link.text == "Reclaim democracy: recall conference"
    assert link.link_url == "https://labourleft.org/recall/"
    assert page_post(item(), "lla") is None, "nothing to show: not stored empty"


def test_an_albums_photos_come_from_its_subattachments() -> None:
    album = item(
        message="Our stall at conference",
        full_picture="https://scontent/cover.jpg",
        attachments={
            "data": [
                {
                    "type": "album",
                    "subattachments": {
                        "data": [
                            {
                                "type": "photo",
                                "description": "The stall",
                                "media": {
                                    "image": {"src": "https://scontent/1.jpg", "width": 720, "height": 540}
                                },
                            },
                            {
                                "type": "photo",
                                "media": {
                                    "image": {"src": "https://scontent/2.jpg", "width": 720, "height": 540}
                                },
                            },
                        ]
                    },
                }
            ]
        },
    )
    post = page_post(album, "lla")
    assert post is not None
    assert [(m["url"], m["alt"]) for m in post.media] == [
        ("https://scontent/1.jpg", "The stall"),
        ("https://scontent/2.jpg", ""),
    ]


def test_the_app_secret_proof_goes_with_every_call_and_its_absence_is_named(sandbox: str) -> None:
    import hashlib
    import hmac

    import facebook

    from socialbot.networks.base import AuthFailed, SourceRef
    from socialbot.networks.facebook import FacebookSettings
    from socialbot.networks.facebook.collect import FacebookCollector
    from socialbot.networks.facebook.errors import graph_error

    env = {"SOCIALBOT_FACEBOOK_READ_TOKEN": "sandbox-read", "FB_APP_SECRET": "app-secret-123"}
    collector = FacebookCollector(FacebookSettings(app_secret_env="FB_APP_SECRET"), env, sandbox)
    sent: list[str] = []
    collector._graph().session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request.url))
    try:
        collector.fetch_new(
            SourceRef(1, "facebook", "placeholder.labour-left-alliance", None, None, None, None, {})
        )
    finally:
        collector.close()
    expected = hmac.new(b"app-secret-123", b"sandbox-read", hashlib.sha256).hexdigest()
    assert sent and all(f"appsecret_proof={expected}" in url for url in sent)
    refused = facebook.GraphAPIError(
        {
            "error": {
                "message": "API calls from the server require an appsecret_proof argument",
                "code": 100,
                "type": "GraphMethodException",
            }
        }
    )
    error = graph_error("lla", refused)
    assert isinstance(error, AuthFailed) and "set [network.facebook] app_secret_env" in str(error)
