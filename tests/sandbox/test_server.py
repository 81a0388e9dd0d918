"""`socialbot sandbox` as a whole: start-up, every account of feeds.toml, faults, state across restarts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from socialbot.config import load_config
from tests.conftest import ROOT
from tests.sandbox_server import control, running_sandbox
from tests.test_config import SANDBOX_ENV


def test_starts_in_under_two_seconds_and_serves_every_account() -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with running_sandbox() as (base, first):
        served = {(a["network"], a["locator"].lower()): a for a in control(base, "GET", "accounts")}
    # The better of two starts: a fresh checkout's first start also compiles socialbot's bytecode.
    with running_sandbox() as (_, second):
        pass
    assert min(first, second) < 2.0, f"first answer after {first:.2f}s, then {second:.2f}s"
    groups_served = set()
    for group in config.groups:
        for source in group.source:
            account = served[(source.network, source.locator.lower())]
            assert account["posts"] > 0, f"{source.locator} has a history"
            groups_served.add(account["group"])
    assert len(groups_served) == 34
    for account in config.accounts:
        assert (account.network, account.handle.lower()) in served


def test_hosts_map_every_real_host_to_a_prefix(sandbox: str) -> None:
    hosts = control(sandbox, "GET", "hosts")
    assert hosts["api.twitter.com"] == f"{sandbox}/x" and hosts["api.x.com"] == f"{sandbox}/x"
    assert "upload.twitter.com" not in hosts, "the v1.1 upload imitation is retired: nothing uses it"
    assert hosts["graph.facebook.com"] == f"{sandbox}/facebook"
    assert hosts["public.api.bsky.app"] == hosts["bsky.social"] == f"{sandbox}/bsky"
    assert hosts["mastodon.social"] == f"{sandbox}/mastodon"
    assert hosts["*"] == f"{sandbox}/web/{{host}}"


def test_the_same_seed_gives_the_same_world() -> None:
    with running_sandbox("--seed", "7") as (one, _), running_sandbox("--seed", "7") as (two, _):
        first = [(a["locator"], a["posts"]) for a in control(one, "GET", "accounts")]
        second = [(a["locator"], a["posts"]) for a in control(two, "GET", "accounts")]
    assert first == second


def test_published_record_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    headers = {"Authorization": "Bearer sandbox-mastodon-access-token", "Idempotency-Key": "restart-test"}
    with running_sandbox(state=state) as (base, _):
        posted = requests.post(
            f"{base}/mastodon/api/v1/statuses",
            data={"status": "Rally at 7:30pm"},
            headers=headers,
            timeout=10,
        ).json()
    with running_sandbox(state=state) as (base, _):
        record = control(base, "GET", "published")["published"]
        status = requests.get(f"{base}/mastodon/api/v1/statuses/{posted['id']}", timeout=10)
    assert [e["id"] for e in record] == [posted["id"]]
    assert status.status_code == 200 and status.json()["content"] == "<p>Rally at 7:30pm</p>"


FAULT_CASES = [
    pytest.param({"network": "twitter", "error_rate": 1.0, "statuses": [502]}, 502, id="server-errors"),
    pytest.param({"network": "twitter", "expired_token": True}, 401, id="expired-token"),
    pytest.param({"network": "twitter", "rate_limited_for": 30}, 429, id="rate-limited"),
    pytest.param({"network": "twitter", "malformed": True}, 200, id="malformed-json"),
]


@pytest.mark.parametrize(("fault", "status"), FAULT_CASES)
def test_faults_apply_to_their_platform_only(sandbox: str, fault: dict[str, Any], status: int) -> None:
    control(sandbox, "POST", "faults", fault)
    hit = requests.get(
        f"{sandbox}/x/2/users/by/username/ph_lla", headers={"Authorization": "Bearer t"}, timeout=10
    )
    assert hit.status_code == status
    if fault.get("malformed"):
        with pytest.raises(ValueError):
            hit.json()
    spared = requests.get(f"{sandbox}/web/labourleft.org/feed/", timeout=10)
    assert spared.status_code == 200


def test_a_hang_outlasts_the_client_timeout(sandbox: str) -> None:
    control(
        sandbox,
        "POST",
        "faults",
        {"network": "rss", "path": "/labourleft.org/*", "hang": True, "hang_seconds": 5},
    )
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.get(f"{sandbox}/web/labourleft.org/feed/", timeout=0.5)
    assert time.monotonic() - started < 2


def test_oversized_body_streams_the_megabytes(sandbox: str) -> None:
    control(sandbox, "POST", "faults", {"network": "rss", "path": "/labourleft.org/*", "oversized_mb": 3})
    with requests.get(f"{sandbox}/web/labourleft.org/feed/", stream=True, timeout=10) as response:
        size = sum(len(chunk) for chunk in response.iter_content(65536))
    assert size >= 3 * 1024 * 1024


def test_faults_lift_after_their_count_and_on_delete(sandbox: str) -> None:
    control(sandbox, "POST", "faults", {"network": "rss", "error_rate": 1.0, "times": 1})
    assert requests.get(f"{sandbox}/web/labourleft.org/feed/", timeout=10).status_code >= 500
    assert requests.get(f"{sandbox}/web/labourleft.org/feed/", timeout=10).status_code == 200
    control(sandbox, "POST", "faults", {"network": "rss", "error_rate": 1.0})
    assert control(sandbox, "DELETE", "faults") == {"faults": []}
    assert requests.get(f"{sandbox}/web/labourleft.org/feed/", timeout=10).status_code == 200


def test_unknown_fault_fields_are_refused_by_name(sandbox: str) -> None:
    response = requests.post(
        f"{sandbox}/_sandbox/faults", json={"network": "rss", "explode": True}, timeout=10
    )
    assert response.status_code == 400 and "explode" in response.json()["error"]


def test_edits_show_up_in_the_platform_answers(sandbox: str) -> None:
    statuses = requests.get(
        f"{sandbox}/web/mastodon.placeholder.invalid/api/v1/accounts/lookup",
        params={"acct": "redflag"},
        timeout=10,
    ).json()
    first = requests.get(
        f"{sandbox}/web/mastodon.placeholder.invalid/api/v1/accounts/{statuses['id']}/statuses", timeout=10
    ).json()[0]
    control(sandbox, "POST", "edit", {"network": "mastodon", "id": first["id"], "text": "Corrected: 7:30pm"})
    again = requests.get(
        f"{sandbox}/web/mastodon.placeholder.invalid/api/v1/statuses/{first['id']}", timeout=10
    ).json()
    assert again["content"] == "<p>Corrected: 7:30pm</p>" and again["edited_at"]


def test_latency_option_delays_every_platform_answer() -> None:
    with running_sandbox("--latency", "300") as (base, _):
        started = time.monotonic()
        requests.get(f"{base}/web/labourleft.org/feed/", timeout=10).raise_for_status()
        assert time.monotonic() - started >= 0.3


def test_malformed_oauth_header_is_401(sandbox: str) -> None:
    # No nonce, timestamp or signature, and PLAINTEXT instead of HMAC-SHA1.
    params = {
        "oauth_consumer_key": "k",
        "oauth_token": "t",
        "oauth_signature_method": "PLAINTEXT",
        "oauth_version": "1.0",
    }
    header = "OAuth " + ", ".join(f'{k}="{v}"' for k, v in params.items())
    response = requests.post(
        f"{sandbox}/x/2/tweets", json={"text": "hello"}, headers={"Authorization": header}, timeout=10
    )
    assert response.status_code == 401 and response.json()["title"] == "Unauthorized"
