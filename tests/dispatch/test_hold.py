"""Outside a sandbox, nothing reaches a real platform from a placeholder account, a sandbox credential
or an example campaign: such a delivery is held with its reason, and the request never leaves."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import Config, load_config
from socialbot.dispatch.alerts import Alerts
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.run import dispatch_round
from socialbot.queue import ops
from socialbot.store import DeliveryState
from tests.conftest import ADMIN, ROOT
from tests.dispatch.test_dispatch import deliveries, queue

# Real-looking secrets: not the sandbox's, so only the account's own flag can stop them.
REAL_ENV = {
    "SOCIALBOT_X_API_KEY": "k3y",
    "SOCIALBOT_X_API_SECRET": "s3cret",
    "SOCIALBOT_X_ACCESS_TOKEN": "t0ken",
    "SOCIALBOT_X_ACCESS_TOKEN_SECRET": "t0ken-s3cret",
    "SOCIALBOT_FACEBOOK_PAGE_TOKEN": "EAAB-page",
    "SOCIALBOT_BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop",
    "SOCIALBOT_MASTODON_ACCESS_TOKEN": "masto-token",
}
TEXT = 'text = "Ballots drop tomorrow. Check your inbox & vote #GV6 RUN"'


def real_accounts(tmp_path: Path) -> Config:
    """The shipped feeds.toml with its accounts' placeholder flags removed (as a deployer would)."""
    text = (
        (ROOT / "feeds.toml")
        .read_text()
        .replace("placeholder = true\n[account.credentials]", "[account.credentials]")
    )
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    return load_config(path, REAL_ENV)


def dispatch_for_real(db: sessionmaker[Session], config: Config, env: dict[str, str]) -> None:
    publishers = Publishers(config, env, sandbox_url=None)
    try:
        dispatch_round(db, publishers, "test", alerts=Alerts([]))
    finally:
        publishers.close()


def test_a_placeholder_account_sends_nothing_to_the_real_host(
    db: sessionmaker[Session], tmp_path: Path, no_real_hosts: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(ROOT / "feeds.toml", REAL_ENV)
    queue(db, config, tmp_path, TEXT)
    with caplog.at_level(logging.WARNING, "socialbot.alerts"):
        dispatch_for_real(db, config, REAL_ENV)
    assert no_real_hosts == []
    held = deliveries(db)
    assert {d.state for d in held.values()} == {DeliveryState.HELD}
    assert "account 'network-x' is a placeholder (ph_network)" in (held["network-x"].last_error or "")
    assert "remove placeholder = true" in (held["network-x"].last_error or "")
    assert "4 posts held, not sent" in caplog.text and "socialbot queue retry" in caplog.text
    # Held again, not sent, when retried while the account is still a placeholder.
    with db.begin() as session:
        assert len(ops.retry(session, str(held["network-x"].id), actor=ADMIN)) == 1
    dispatch_for_real(db, config, REAL_ENV)
    assert deliveries(db)["network-x"].state is DeliveryState.HELD
    assert no_real_hosts == []
    # An officer who decides it should not go out at all cancels it.
    with db.begin() as session:
        (cancelled,) = ops.cancel(session, str(held["network-x"].id), actor=ADMIN)
    assert cancelled.state is DeliveryState.CANCELLED


def test_a_sandbox_credential_is_never_sent_to_the_real_host(
    db: sessionmaker[Session], tmp_path: Path, no_real_hosts: list[str]
) -> None:
    config = real_accounts(tmp_path)
    env = REAL_ENV | {"SOCIALBOT_MASTODON_ACCESS_TOKEN": "sandbox-network-mastodon-access_token"}
    queue(db, config, tmp_path, TEXT, targets='["network-mastodon"]')
    dispatch_for_real(db, config, env)
    assert no_real_hosts == []
    mastodon = deliveries(db)["network-mastodon"]
    assert mastodon.state is DeliveryState.HELD
    assert "SOCIALBOT_MASTODON_ACCESS_TOKEN (access_token) holds a sandbox credential" in (
        mastodon.last_error or ""
    )


def test_an_example_campaign_is_never_sent_to_a_real_host(
    db: sessionmaker[Session], tmp_path: Path, no_real_hosts: list[str]
) -> None:
    config = real_accounts(tmp_path)
    # As a sandbox run queues it (nothing already past is dropped here: it is due a minute ago).
    queue(
        db,
        config,
        tmp_path,
        'text = "Ballots drop tomorrow #GV6 RUN"',
        targets='["network-x"]',
        head="example = true\n",
    )
    dispatch_for_real(db, config, REAL_ENV)
    assert no_real_hosts == []
    x = deliveries(db)["network-x"]
    assert x.state is DeliveryState.HELD
    assert "is an example (example = true): it is sent only to a sandbox" in (x.last_error or "")


def test_the_guard_sees_a_real_account_try_to_leave(
    db: sessionmaker[Session], tmp_path: Path, no_real_hosts: list[str]
) -> None:
    # The control case: the same post from a real account does try the real host (and is caught
    # here, so it is retried later), which shows that the tests above would see a request leave.
    config = real_accounts(tmp_path)
    queue(db, config, tmp_path, TEXT, targets='["network-mastodon"]')
    dispatch_for_real(db, config, REAL_ENV)
    assert no_real_hosts and all("mastodon" in host for host in no_real_hosts)
    mastodon = deliveries(db)["network-mastodon"]
    assert mastodon.state is DeliveryState.SCHEDULED and mastodon.due_at > datetime.now(UTC)
