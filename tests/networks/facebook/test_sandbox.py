"""facebook-sdk 3.1.0's GraphAPI against the sandbox's Graph API, at a current version."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import facebook
import pytest
import requests

from tests.sandbox_server import control
from tests.test_config import SANDBOX_ENV

PAGE = "placeholder.labour-left-alliance"
TOKEN = SANDBOX_ENV["SOCIALBOT_FACEBOOK_PAGE_TOKEN"]
FIELDS = "message,created_time,permalink_url,full_picture,attachments,from"


@pytest.fixture
def graph(route: Callable[..., requests.Session]) -> Callable[..., facebook.GraphAPI]:
    def make(token: str = TOKEN) -> facebook.GraphAPI:
        api = facebook.GraphAPI(access_token=token, session=route())
        # facebook-sdk 3.1.0 only accepts 2.8–3.1 in its constructor; the attribute takes any version.
        api.version = "v21.0"
        return api

    return make


def test_page_posts_over_two_pages_of_cursors(sandbox: str, graph: Any, route: Any) -> None:
    api = graph()
    first = api.get_connections(PAGE, "posts", fields=FIELDS, limit=10)
    assert len(first["data"]) == 10
    assert first["paging"]["next"].startswith("https://graph.facebook.com/v21.0/")
    assert "access_token=" in first["paging"]["next"]
    posts = []
    for post in api.get_all_connections(PAGE, "posts", fields=FIELDS, limit=10):
        posts.append(post)
        if len(posts) == 25:
            break
    assert len({p["id"] for p in posts}) == 25, "three pages, no repeats"
    assert all(p["created_time"].endswith("+0000") for p in posts)
    assert all(p["permalink_url"].startswith("https://www.facebook.com/") for p in posts)
    assert posts[0]["from"]["name"] == "Labour Left Alliance"


def test_since_filters_and_page_ids_work(sandbox: str, graph: Any, route: Any) -> None:
    api = graph()
    newest = api.get_connections(PAGE, "posts", fields="created_time", limit=1)["data"][0]
    page = api.get_object(PAGE)
    by_id = api.get_connections(page["id"], "posts", fields="created_time", limit=1)["data"][0]
    assert by_id["id"] == newest["id"]
    later = api.get_connections(PAGE, "posts", since=newest["created_time"].replace("+0000", "+00:00"))
    assert [p["id"] for p in later["data"]] == [newest["id"]]


def test_the_seeded_ballot_post_is_there(sandbox: str, graph: Any, route: Any) -> None:
    posts = graph().get_connections(PAGE, "posts", fields="message", limit=100)["data"]
    assert any(
        p.get("message", "").startswith("Ballots drop tomorrow. Check your inbox & vote #GV6") for p in posts
    )


def test_publish_to_the_page_feed(sandbox: str, graph: Any, route: Any) -> None:
    text = f"Ballots drop tomorrow. Check your inbox & vote #GV6 ({uuid.uuid4().hex[:6]})"
    result = graph().put_object(
        "placeholder.network",
        "feed",
        message=text,
        link="https://labourleft.org/2026/10/grassroots-voice-gv6/",
    )
    assert result["id"].count("_") == 1
    record = [e for e in control(sandbox, "GET", "published")["published"] if e.get("id") == result["id"]]
    assert record and record[0]["text"] == text and record[0]["account"] == "placeholder.network"


def test_duplicate_post_is_code_506(sandbox: str, graph: Any, route: Any) -> None:
    api = graph()
    text = f"Rally tonight {uuid.uuid4().hex[:6]}"
    api.put_object("placeholder.network", "feed", message=text)
    with pytest.raises(facebook.GraphAPIError) as raised:
        api.put_object("placeholder.network", "feed", message=text)
    assert raised.value.code == 506


def test_expired_token_is_graph_api_error_190(sandbox: str, graph: Any, route: Any) -> None:
    with pytest.raises(facebook.GraphAPIError) as raised:
        graph("expired-page-token").get_connections(PAGE, "posts")
    assert raised.value.code == 190
    assert raised.value.type == "OAuthException"


def test_rate_limit_fault_is_code_4_with_app_usage(sandbox: str, graph: Any, route: Any) -> None:
    control(sandbox, "POST", "faults", {"network": "facebook", "rate_limited_for": 60})
    response = route().get(f"https://graph.facebook.com/v21.0/{PAGE}/posts", params={"access_token": TOKEN})
    assert response.json()["error"]["code"] == 4
    assert "X-App-Usage" in response.headers
    assert response.headers["content-type"].startswith("application/json")


def test_version_header_and_json_content_type(sandbox: str, graph: Any, route: Any) -> None:
    response = route().get(
        f"https://graph.facebook.com/v22.0/{PAGE}/feed", params={"access_token": TOKEN, "limit": 2}
    )
    assert response.headers["facebook-api-version"] == "v22.0"
    assert response.headers["content-type"].startswith("application/json")
    assert len(response.json()["data"]) == 2


def test_a_since_query_pages_by_time_as_graph_does_and_the_collector_keeps_its_since(
    sandbox: str, graph: Any, route: Any
) -> None:
    from socialbot.networks.facebook.collect import next_page

    api = graph()
    every = api.get_connections(PAGE, "posts", fields="created_time", limit=100)["data"]
    since = str(int(datetime.fromisoformat(every[12]["created_time"]).timestamp()))
    first = api.get_connections(PAGE, "posts", fields="created_time", since=since, limit=5)
    assert "cursors" not in first["paging"] and "until=" in first["paging"]["next"]
    assert "&since=&" in first["paging"]["next"], "Graph names since empty in its next link"
    seen, args, pages = [p["id"] for p in first["data"]], next_page(first, since), 1
    while args is not None:
        page = api.get_connections(PAGE, "posts", **args)
        seen += [p["id"] for p in page["data"]]
        args, pages = next_page(page, since), pages + 1
    assert seen == [p["id"] for p in every[:13]], "every post since, once, in order; none older"
    assert pages == 3


def test_a_photo_without_words_has_a_story_not_a_message(sandbox: str, graph: Any, route: Any) -> None:
    from socialbot.networks.facebook.collect import page_post

    posts = graph().get_connections(
        PAGE, "posts", fields="message,story,full_picture,created_time", limit=100
    )
    stories = [p for p in posts["data"] if "story" in p]
    assert stories and all("message" not in p and p.get("full_picture") for p in stories)
    post = page_post(stories[0], PAGE)
    assert post is not None and post.text == "Labour Left Alliance added a new photo." and post.media


def test_a_rate_limit_waits_as_long_as_the_usage_header_says(sandbox: str) -> None:
    from datetime import UTC, datetime, timedelta

    from socialbot.networks.base import RateLimited, SourceRef
    from socialbot.networks.facebook import FacebookSettings
    from socialbot.networks.facebook.collect import FacebookCollector
    from socialbot.networks.facebook.errors import regain_minutes

    # Graph's Business Use Case header names the minutes to wait; the largest counts.
    header = '{"123": [{"type": "pages", "estimated_time_to_regain_access": 7}, {"type": "x"}]}'
    assert regain_minutes({"X-Business-Use-Case-Usage": header}) == 7
    assert regain_minutes({"X-Business-Use-Case-Usage": "not json"}) is None
    assert regain_minutes({}) is None
    control(sandbox, "POST", "faults", {"network": "facebook", "rate_limited_for": 40 * 60})
    collector = FacebookCollector(
        FacebookSettings(),
        {"SOCIALBOT_FACEBOOK_READ_TOKEN": SANDBOX_ENV["SOCIALBOT_FACEBOOK_READ_TOKEN"]},
        sandbox,
    )
    started = datetime.now(UTC)
    try:
        with pytest.raises(RateLimited) as limited:
            collector.fetch_new(SourceRef(1, "facebook", PAGE, None, None, None, None, {}, None))
    finally:
        collector.close()
        control(sandbox, "DELETE", "faults")
    # 40 minutes, as the header said, not the 15 guessed without one.
    waited = limited.value.reset_at - started
    assert timedelta(minutes=39) < waited <= timedelta(minutes=41), waited
