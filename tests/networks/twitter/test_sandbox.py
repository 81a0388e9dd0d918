"""tweepy 4.17's Client and API against the sandbox's X, over real HTTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import requests
import tweepy

from tests.sandbox_server import control
from tests.test_config import SANDBOX_ENV

HANDLE = "ph_lla"  # the Labour Left Alliance's X source in feeds.toml (a placeholder)
USER_KEYS = {
    "consumer_key": SANDBOX_ENV["SOCIALBOT_X_API_KEY"],
    "consumer_secret": SANDBOX_ENV["SOCIALBOT_X_API_SECRET"],
    "access_token": SANDBOX_ENV["SOCIALBOT_X_ACCESS_TOKEN"],
    "access_token_secret": SANDBOX_ENV["SOCIALBOT_X_ACCESS_TOKEN_SECRET"],
}


@pytest.fixture
def reader(route: Callable[..., Any]) -> Callable[..., tweepy.Client]:
    def make(token: str = "sandbox-bearer") -> tweepy.Client:
        client = tweepy.Client(bearer_token=token)
        route(client.session)
        return client

    return make


@pytest.fixture
def writer(route: Callable[..., Any]) -> Callable[..., tweepy.Client]:
    def make(**overrides: str) -> tweepy.Client:
        client = tweepy.Client(**(USER_KEYS | overrides))
        route(client.session)
        return client

    return make


@pytest.fixture
def uid(reader: Callable[..., tweepy.Client]) -> str:
    return str(reader().get_user(username=HANDLE).data.id)


def test_timeline_page_by_page_then_since_id(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any
) -> None:
    client = reader()
    uid = uid
    fields = {
        "tweet_fields": ["created_at", "entities", "attachments"],
        "expansions": ["attachments.media_keys"],
        "media_fields": ["url", "width", "height"],
    }
    seen: list[int] = []
    token = None
    for _ in range(3):
        page = client.get_users_tweets(uid, max_results=5, pagination_token=token, **fields)
        assert page.meta["result_count"] == len(page.data) == 5
        assert page.meta["newest_id"] == str(page.data[0].id) and page.meta["oldest_id"] == str(
            page.data[-1].id
        )
        assert all(isinstance(t.created_at, datetime) for t in page.data)
        assert all(t.edit_history_tweet_ids == [t.id] for t in page.data)
        seen += [t.id for t in page.data]
        token = page.meta["next_token"]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 15, (
        "newest first, no repeats across pages"
    )
    newest = seen[0]
    nothing = client.get_users_tweets(uid, since_id=newest)
    assert nothing.data is None and nothing.meta == {"result_count": 0}
    control(sandbox, "POST", "tick", {"seconds": 7 * 86400})
    fresh = client.get_users_tweets(uid, since_id=newest, max_results=100)
    assert fresh.data and all(t.id > newest for t in fresh.data)


def test_links_are_tco_in_text_and_expanded_in_entities(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any
) -> None:
    client = reader()
    tweets = client.get_users_tweets(uid, max_results=100, tweet_fields=["entities"]).data
    linked = [t for t in tweets if t.entities and "urls" in t.entities]
    assert linked
    for tweet in linked:
        for url in tweet.entities["urls"]:
            assert url["url"].startswith("https://t.co/") and url["url"] in tweet.text
            assert not url["expanded_url"].startswith("https://t.co/")
            assert tweet.text[url["start"] : url["end"]] == url["url"]


def test_unknown_user_is_200_with_errors_and_no_data(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any
) -> None:
    response = reader().get_user(username="nobody_here_123")
    assert response.data is None
    assert response.errors[0]["title"] == "Not Found Error"


def test_a_three_part_thread_lands_in_order(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any
) -> None:
    client = writer()
    run = uuid.uuid4().hex[:6]
    parent = None
    ids = []
    for i in range(1, 4):
        response = client.create_tweet(text=f"Vote #GV6 thread {run} ({i}/3)", in_reply_to_tweet_id=parent)
        parent = response.data["id"]
        ids.append(parent)
    record = [e for e in control(sandbox, "GET", "published")["published"] if run in e.get("text", "")]
    assert [e["id"] for e in record] == ids
    assert [e["reply_to"] for e in record] == [None, ids[0], ids[1]]
    assert {e["account"] for e in record} == {"ph_network"}, "the access token's own account"


def test_rate_limit_429_carries_the_reset_time(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any
) -> None:
    control(
        sandbox,
        "POST",
        "faults",
        {"network": "twitter", "path": "/2/users/*/tweets", "rate_limited_for": 120},
    )
    with pytest.raises(tweepy.TooManyRequests) as raised:
        reader().get_users_tweets(uid)
    assert raised.value.reset_time is not None
    assert time.time() + 100 < raised.value.reset_time <= time.time() + 121


def test_every_answer_has_rate_limit_headers(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any
) -> None:
    client = tweepy.Client(bearer_token="sandbox-bearer", return_type=requests.Response)
    route(client.session)
    response = client.get_users_tweets(uid)
    assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(response.headers)


@pytest.mark.parametrize("token", ["None", "expired-bearer", "revoked-bearer"])
def test_bad_bearer_tokens_are_401(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any, token: str
) -> None:
    with pytest.raises(tweepy.Unauthorized):
        reader(token).get_user(username=HANDLE)


def test_app_only_auth_cannot_write(sandbox: str, reader: Any, writer: Any, uid: str, route: Any) -> None:
    client = tweepy.Client(bearer_token="sandbox-bearer")
    route(client.session)
    with pytest.raises(tweepy.Forbidden, match="Application-Only is forbidden"):
        client.create_tweet(text="hello", user_auth=False)


def test_expired_user_token_is_401(sandbox: str, reader: Any, writer: Any, uid: str, route: Any) -> None:
    with pytest.raises(tweepy.Unauthorized):
        writer(access_token="expired-token").create_tweet(text="hello")


def test_duplicate_content_is_403(sandbox: str, reader: Any, writer: Any, uid: str, route: Any) -> None:
    client = writer()
    text = f"Ballots drop tomorrow. Check your inbox & vote #GV6 {uuid.uuid4().hex[:6]}"
    client.create_tweet(text=text)
    with pytest.raises(tweepy.Forbidden, match="duplicate content"):
        client.create_tweet(text=text)


def test_weighted_length_is_enforced(sandbox: str, reader: Any, writer: Any, uid: str, route: Any) -> None:
    client = writer()
    # 140 CJK characters weigh 280: allowed; one more is not.
    client.create_tweet(text="团" * 135 + uuid.uuid4().hex[:8])
    with pytest.raises(tweepy.BadRequest, match="too long"):
        client.create_tweet(text="团" * 141)


def test_reply_rule_fault_refuses_replies_to_others(
    sandbox: str, reader: Any, writer: Any, uid: str, route: Any
) -> None:
    someone_else = reader().get_users_tweets(uid, max_results=5).data[0].id
    control(sandbox, "POST", "faults", {"x_reply_rule": True})
    with pytest.raises(tweepy.Forbidden, match="not allowed"):
        writer().create_tweet(text=f"A reply {uuid.uuid4().hex}", in_reply_to_tweet_id=someone_else)


def test_media_upload_v2_signed_with_tweepys_oauth1(sandbox: str, route: Any) -> None:
    auth = tweepy.OAuth1UserHandler(
        USER_KEYS["consumer_key"],
        USER_KEYS["consumer_secret"],
        USER_KEYS["access_token"],
        USER_KEYS["access_token_secret"],
    ).apply_auth()
    session = route()
    response = session.post(
        "https://api.x.com/2/media/upload",
        auth=auth,
        timeout=10,
        files={"media": ("card.png", b"\x89PNG\r\n\x1a\n" + b"1" * 4096, "image/png")},
        data={"media_category": "tweet_image"},
    )
    assert response.status_code == 200, response.text
    media = response.json()["data"]
    assert media["media_key"] == f"3_{media['id']}" and media["size"] == 4104


def test_the_collector_reads_a_timeline_and_rejects_an_unknown_handle(sandbox: str) -> None:
    """socialbot's X collector (tweepy answering dicts) against the sandbox."""
    from socialbot.networks.base import Rejected, SourceRef
    from socialbot.networks.twitter import TwitterSettings
    from socialbot.networks.twitter.collect import TwitterCollector

    collector = TwitterCollector(TwitterSettings(), {"SOCIALBOT_X_BEARER_TOKEN": "sandbox-bearer"}, sandbox)
    try:
        fetched = collector.fetch_new(SourceRef(1, "twitter", HANDLE))
        assert fetched.platform_id and fetched.cursor and fetched.requests == 2
        assert fetched.posts and all(
            p.permalink.startswith(f"https://x.com/{HANDLE}/status/") for p in fetched.posts
        )
        assert fetched.cursor == max((p.external_id for p in fetched.posts), key=int)
        with pytest.raises(Rejected, match="nobody_here_123") as refused:
            collector.fetch_new(SourceRef(2, "twitter", "nobody_here_123"))
        assert refused.value.reason == "unknown user"
    finally:
        collector.close()
