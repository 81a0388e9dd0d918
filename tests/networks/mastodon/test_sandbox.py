"""Mastodon.py against the sandbox's Mastodon: lookup, Link-header paging, Idempotency-Key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError

from tests.sandbox_server import control
from tests.test_config import SANDBOX_ENV

ACCOUNT = "redflag@mastodon.placeholder.invalid"


@pytest.fixture
def api(route: Callable[..., requests.Session]) -> Callable[..., Mastodon]:
    def make(
        server: str = "https://mastodon.placeholder.invalid",
        token: str = SANDBOX_ENV["SOCIALBOT_MASTODON_ACCESS_TOKEN"],
    ) -> Mastodon:
        return Mastodon(access_token=token, api_base_url=server, session=route(), version_check_mode="none")

    return make


def test_statuses_page_by_link_header(sandbox: str, api: Any) -> None:
    client = api()
    account = client.account_lookup(ACCOUNT)
    first = client.account_statuses(account["id"], limit=5)
    second = client.fetch_next(first)
    assert len(first) == 5 and second and len(second) == 5
    ids = [int(s["id"]) for s in first + second]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 10
    assert first[0]["account"]["acct"] == "redflag"
    assert first[0]["content"].startswith("<p>")


def test_idempotency_key_replays_the_first_result(sandbox: str, api: Any) -> None:
    client = api("https://mastodon.social")
    text = f"Ballots drop tomorrow #GV6 {uuid.uuid4().hex[:6]}"
    key = uuid.uuid4().hex
    first = client.status_post(text, idempotency_key=key)
    again = client.status_post(text, idempotency_key=key)
    assert first["id"] == again["id"]
    record = [e for e in control(sandbox, "GET", "published")["published"] if e.get("text") == text]
    assert len(record) == 1 and record[0]["idempotency_key"] == key
    reply = client.status_post(f"Part two {key}", in_reply_to_id=first["id"])
    assert reply["in_reply_to_id"] == first["id"]


def test_500_characters_with_urls_counted_as_23(sandbox: str, api: Any) -> None:
    client = api("https://mastodon.social")
    long_url = "https://labourleft.org/" + "a" * 200
    client.status_post("x" * (500 - 23 - 1 - 6) + uuid.uuid4().hex[:6] + " " + long_url)
    with pytest.raises(MastodonAPIError, match="character limit of 500"):
        client.status_post("x" * 501)


def test_an_upload_is_processed_in_the_background_as_mastodon_does(sandbox: str, api: Any) -> None:
    # Mastodon answers 202 without a url while it processes a file; a status naming it too soon is
    # refused (422); GET /api/v1/media/:id answers 206 while processing, then the url.
    client = api("https://mastodon.social")
    session = client.session
    headers = {"Authorization": f"Bearer {SANDBOX_ENV['SOCIALBOT_MASTODON_ACCESS_TOKEN']}"}
    uploaded = session.post(
        "https://mastodon.social/api/v2/media",
        headers=headers,
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")},
        data={"description": "A rally"},
    )
    assert uploaded.status_code == 202 and uploaded.json()["url"] is None
    media_id = uploaded.json()["id"]
    with pytest.raises(MastodonAPIError, match="not finished processing"):
        client.status_post(f"Too soon {uuid.uuid4().hex[:6]}", media_ids=[media_id])
    looked = session.get(f"https://mastodon.social/api/v1/media/{media_id}", headers=headers)
    assert looked.status_code == 206 and looked.json()["url"] is None, "206: still processing"
    looked = session.get(f"https://mastodon.social/api/v1/media/{media_id}", headers=headers)
    assert looked.status_code == 200 and looked.json()["url"].endswith(".png")
    assert looked.json()["description"] == "A rally"
    posted = client.status_post(f"Now {uuid.uuid4().hex[:6]}", media_ids=[media_id])
    assert posted["id"]


def test_a_rate_limited_post_waits_for_the_reset_mastodon_names(sandbox: str) -> None:
    from datetime import UTC, datetime, timedelta

    from socialbot.config import load_config
    from socialbot.dispatch.publishers import Publishers
    from socialbot.networks.base import RateLimited
    from tests.conftest import ROOT

    control(sandbox, "POST", "faults", {"network": "mastodon", "rate_limited_for": 3600})
    publishers = Publishers(load_config(ROOT / "feeds.toml", SANDBOX_ENV), SANDBOX_ENV, sandbox)
    try:
        with pytest.raises(RateLimited) as limited:
            publishers.get("network-mastodon").publish_part(f"Rally {uuid.uuid4().hex[:6]}", [], "key-1")
    finally:
        publishers.close()
    # Mastodon's X-RateLimit-Reset said an hour: not the five minutes guessed before.
    wait = limited.value.reset_at - datetime.now(UTC)
    assert timedelta(minutes=55) < wait <= timedelta(minutes=61)
