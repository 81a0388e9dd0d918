"""The sandbox answers in the shapes of the platforms' documented examples (tests/data/platforms)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.conftest import DATA
from tests.test_config import SANDBOX_ENV

BEARER = {"Authorization": "Bearer sandbox-bearer"}


def same_shape(documented: Any, ours: Any, path: str = "$") -> list[str]:
    """Where ours lacks a documented key or has another JSON type (null in the docs matches anything)."""
    if documented is None:
        return []
    if isinstance(documented, dict):
        if not isinstance(ours, dict):
            return [f"{path}: expected an object, got {type(ours).__name__}"]
        problems = []
        for key, value in documented.items():
            if key.startswith("_"):
                continue
            if key not in ours:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += same_shape(value, ours[key], f"{path}.{key}")
        return problems
    if isinstance(documented, list):
        if not isinstance(ours, list):
            return [f"{path}: expected an array, got {type(ours).__name__}"]
        return same_shape(documented[0], ours[0], f"{path}[0]") if documented and ours else []
    if isinstance(documented, bool) or isinstance(ours, bool):
        return [] if type(documented) is type(ours) else [f"{path}: expected {type(documented).__name__}"]
    if isinstance(documented, (int, float)) and isinstance(ours, (int, float)):
        return []
    return (
        []
        if type(documented) is type(ours)
        else [f"{path}: expected {type(documented).__name__}, got {ours!r}"]
    )


def fixture(name: str) -> Any:
    return json.loads((DATA / "platforms" / name).read_text())


def x_user_id(sandbox: str, handle: str) -> str:
    return str(
        requests.get(f"{sandbox}/x/2/users/by/username/{handle}", headers=BEARER, timeout=10).json()["data"][
            "id"
        ]
    )


def find_tweets_with_media(sandbox: str) -> Any:
    """A page of some account's tweets that has a link and a photo, so every documented key can appear."""
    for handle in ("ph_lla", "ph_jvl", "ph_law", "ph_lrc", "ph_redflag", "ph_wlg", "ph_sheffleft", "ph_lbs"):
        body = requests.get(
            f"{sandbox}/x/2/users/{x_user_id(sandbox, handle)}/tweets",
            headers=BEARER,
            timeout=10,
            params={
                "max_results": 100,
                "tweet.fields": "created_at,entities,attachments",
                "expansions": "attachments.media_keys",
                "media.fields": "url,width,height",
            },
        ).json()
        linked = [t for t in body.get("data", []) if "urls" in t.get("entities", {}) and "attachments" in t]
        if linked and "media" in body.get("includes", {}):
            return body | {"data": linked}
    raise AssertionError("no X account in the sandbox has a post with both a link and a photo")


def test_x_user_tweets(sandbox: str) -> None:
    body = find_tweets_with_media(sandbox)
    body["meta"].setdefault("next_token", "")
    assert same_shape(fixture("x_users_tweets.json"), body) == []


def test_x_user_by_username(sandbox: str) -> None:
    body = requests.get(f"{sandbox}/x/2/users/by/username/ph_lla", headers=BEARER, timeout=10).json()
    assert same_shape(fixture("x_user_by_username.json"), body) == []


def test_facebook_page_posts(sandbox: str) -> None:
    body = requests.get(
        f"{sandbox}/facebook/v21.0/placeholder.labour-left-alliance/posts",
        timeout=10,
        params={"access_token": "t", "fields": "message,created_time,permalink_url,from"},
    ).json()
    assert same_shape(fixture("facebook_page_posts.json"), body) == []


def test_facebook_error(sandbox: str) -> None:
    body = requests.get(
        f"{sandbox}/facebook/v21.0/placeholder.labour-left-alliance/posts",
        timeout=10,
        params={"access_token": "expired-token"},
    ).json()
    assert same_shape(fixture("facebook_error.json"), body) == []


def test_mastodon_statuses(sandbox: str) -> None:
    base = f"{sandbox}/web/mastodon.placeholder.invalid/api/v1"
    account = requests.get(f"{base}/accounts/lookup", params={"acct": "redflag"}, timeout=10).json()
    body = requests.get(f"{base}/accounts/{account['id']}/statuses", timeout=10).json()
    assert same_shape(fixture("mastodon_statuses.json")["body"], body) == []


def test_bluesky_author_feed(sandbox: str) -> None:
    body = requests.get(
        f"{sandbox}/bsky/xrpc/app.bsky.feed.getAuthorFeed",
        timeout=10,
        params={"actor": "lla.placeholder.invalid", "limit": 5},
    ).json()
    assert same_shape(fixture("bluesky_author_feed.json"), body) == []


@pytest.mark.parametrize(
    "name",
    [
        "x_users_tweets.json",
        "facebook_page_posts.json",
        "mastodon_statuses.json",
        "bluesky_author_feed.json",
        "x_user_by_username.json",
        "x_create_tweet.json",
        "facebook_error.json",
    ],
)
def test_every_fixture_names_its_source(name: str) -> None:
    assert fixture(name)["_source"]


def test_shape_checker_catches_differences() -> None:
    assert same_shape({"a": {"b": 1}}, {"a": {}}) == ["$.a.b: missing"]
    assert same_shape({"a": "x"}, {"a": 1}) == ["$.a: expected str, got 1"]
    assert same_shape({"a": [{"b": True}]}, {"a": [{"b": "yes"}]}) == ["$.a[0].b: expected bool"]


def test_x_create_tweet(sandbox: str) -> None:
    import uuid

    from requests_oauthlib import OAuth1

    body = requests.post(
        f"{sandbox}/x/2/tweets",
        json={"text": f"Shape check {uuid.uuid4().hex}"},
        timeout=10,
        auth=OAuth1("key", "secret", SANDBOX_ENV["SOCIALBOT_X_ACCESS_TOKEN"], "token-secret"),
    ).json()
    assert same_shape(fixture("x_create_tweet.json"), body) == []
