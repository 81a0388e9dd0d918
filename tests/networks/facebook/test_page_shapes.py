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
