"""Dispatch against the sandbox over HTTP, on SQLite and PostgreSQL: threads in order, once; failures
fail only their delivery; transient errors retry; deadlines expire; a crash mid-thread is reconciled."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from socialbot.config import Config, load_config
from socialbot.dispatch.claim import claim_due
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.reconcile import reconcile_sending
from socialbot.dispatch.run import dispatch_round
from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store import Delivery, DeliveryPart, DeliveryState
from socialbot.store.sync import sync_config
from tests.conftest import ADMIN, ROOT
from tests.sandbox_server import control, running_sandbox
from tests.test_config import SANDBOX_ENV

LONDON = ZoneInfo("Europe/London")
ALL = '["network-x", "network-facebook", "network-bluesky", "network-mastodon"]'


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with running_sandbox("--frozen-clock") as (base, _):
        yield base


@pytest.fixture
def sandbox(sandbox_url: str) -> Iterator[str]:
    yield sandbox_url
    control(sandbox_url, "DELETE", "faults")


@pytest.fixture
def config() -> Config:
    return load_config(ROOT / "feeds.toml", SANDBOX_ENV)


def queue(
    db: sessionmaker[Session],
    config: Config,
    tmp_path: Path,
    body: str,
    targets: str = ALL,
    at: datetime | None = None,
    head: str = "",
) -> str:
    """Queue a one-post campaign due a minute ago (`head` adds campaign-level lines); returns the
    run's marker text."""
    run = uuid.uuid4().hex[:8]
    when = (
        (at or datetime.now(UTC) - timedelta(minutes=1))
        .astimezone(LONDON)
        .replace(tzinfo=None, microsecond=0)
    )
    path = tmp_path / f"{run}.toml"
    path.write_text(
        f'campaign = "c{run}"\n{head}targets = {targets}\n\n[[post]]\nkey = "p"\n'
        f"at = {when.isoformat()}\n{body.replace('RUN', run)}\n"
    )
    with db.begin() as session:
        sync_config(session, config)
        sync_campaign(session, load_campaign(path, config), ADMIN)
    return run


def record(sandbox: str, run: str) -> list[dict[str, Any]]:
    return [e for e in control(sandbox, "GET", "published")["published"] if run in e.get("text", "")]


def deliveries(db: sessionmaker[Session]) -> dict[str, Delivery]:
    with db() as session:
        rows = session.scalars(
            select(Delivery).options(joinedload(Delivery.account), selectinload(Delivery.parts))
        ).all()
        return {d.account.key: d for d in rows}


THREAD = (
    'thread = ["Members are the Labour Party RUN (1/4)", "Control is about democracy RUN (2/4)", '
    '"Why is it so important? RUN (3/4)", "Vote #GV6 RUN (4/4)"]'
)


def test_a_four_part_thread_goes_out_once_in_order(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    run = queue(db, config, tmp_path, THREAD)
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    report = dispatch_round(db, publishers, "test")
    publishers.close()
    assert sorted(o.state.value for o in report.outcomes) == ["sent"] * 4
    published = record(sandbox, run)
    by_network: dict[str, list[dict[str, Any]]] = {}
    for entry in published:
        by_network.setdefault(entry["network"], []).append(entry)
    for network in ("twitter", "bluesky", "mastodon"):
        parts = by_network[network]
        assert [p["text"][-5:] for p in parts] == ["(1/4)", "(2/4)", "(3/4)", "(4/4)"]
        assert [p["reply_to"] for p in parts] == [None] + [p["id"] for p in parts[:-1]], network
    assert len(by_network["facebook"]) == 1 and "(4/4)" in by_network["facebook"][0]["text"]
    found = deliveries(db)
    assert found["network-x"].state is DeliveryState.SENT and len(found["network-x"].parts) == 4
    assert found["network-x"].permalink and found["network-x"].permalink.startswith("https://x.com/")
    again = Publishers(config, SANDBOX_ENV, sandbox)
    assert dispatch_round(db, again, "test").outcomes == [], "nothing is sent twice"
    again.close()


def test_one_expired_token_fails_that_delivery_only(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    run = queue(db, config, tmp_path, 'text = "Ballots drop tomorrow. Check your inbox & vote #GV6 RUN"')
    env = SANDBOX_ENV | {"SOCIALBOT_FACEBOOK_PAGE_TOKEN": "expired-page-token"}
    publishers = Publishers(config, env, sandbox)
    dispatch_round(db, publishers, "test")
    publishers.close()
    found = deliveries(db)
    assert found["network-facebook"].state is DeliveryState.FAILED
    assert "code 190" in (found["network-facebook"].last_error or "")
    assert {found[k].state for k in ("network-x", "network-bluesky", "network-mastodon")} == {
        DeliveryState.SENT
    }
    assert {e["network"] for e in record(sandbox, run)} == {"twitter", "bluesky", "mastodon"}


def test_x_reply_rule_stops_the_thread_with_its_reason(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    control(sandbox, "POST", "faults", {"x_reply_rule": "strict"})
    run = queue(db, config, tmp_path, THREAD, targets='["network-x"]')
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    dispatch_round(db, publishers, "test")
    publishers.close()
    delivery = deliveries(db)["network-x"]
    assert (
        delivery.state is DeliveryState.FAILED
        and "refused the thread's next part as a reply" in delivery.last_error
    )
    assert len(record(sandbox, run)) == 1, "the remaining parts are not sent blindly"


def test_a_transient_error_is_retried_later(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    control(
        sandbox, "POST", "faults", {"network": "mastodon", "error_rate": 1.0, "statuses": [503], "times": 1}
    )
    run = queue(db, config, tmp_path, 'text = "Rally tonight RUN"', targets='["network-mastodon"]')
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    now = datetime.now(UTC)
    first = dispatch_round(db, publishers, "test", now=now)
    assert [o.state for o in first.outcomes] == [DeliveryState.SCHEDULED]
    delivery = deliveries(db)["network-mastodon"]
    assert delivery.due_at > now and delivery.attempts == 1 and "503" in (delivery.last_error or "")
    later = dispatch_round(db, publishers, "test", now=delivery.due_at + timedelta(seconds=1))
    publishers.close()
    assert [o.state for o in later.outcomes] == [DeliveryState.SENT]
    assert len(record(sandbox, run)) == 1


def test_a_missed_deadline_expires(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    past = datetime.now(UTC) - timedelta(hours=3)
    deadline = (past + timedelta(hours=1)).astimezone(LONDON).replace(tzinfo=None, microsecond=0)
    run = queue(
        db, config, tmp_path, f'not_after = {deadline.isoformat()}\ntext = "Livestream now RUN"', at=past
    )
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    report = dispatch_round(db, publishers, "test")
    publishers.close()
    assert len(report.expired) == 4 and report.outcomes == []
    assert {d.state for d in deliveries(db).values()} == {DeliveryState.EXPIRED}
    assert record(sandbox, run) == []


def test_claims_are_compare_and_set(db: sessionmaker[Session], config: Config, tmp_path: Path) -> None:
    queue(db, config, tmp_path, 'text = "x RUN"')
    now = datetime.now(UTC)
    first, second = claim_due(db, now, "a"), claim_due(db, now, "b")
    assert len(first) == 4 and second == []


def test_a_crash_mid_thread_is_reconciled_without_repeats(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    run = queue(db, config, tmp_path, THREAD, targets='["network-x", "network-bluesky"]')
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    claimed = claim_due(db, datetime.now(UTC), "crashed")
    # The crashed dispatcher sent part 1 and recorded it, then sent part 2 and died before recording it.
    for delivery_id in claimed:
        with db() as session:
            account = session.get(Delivery, delivery_id).account.key  # type: ignore[union-attr]
        publisher = publishers.get(account)
        one = publisher.publish_part(
            f"Members are the Labour Party {run} (1/4)", [], f"crash-{delivery_id}-0"
        )
        publisher.publish_part(
            f"Control is about democracy {run} (2/4)", [one.external_id], f"crash-{delivery_id}-1"
        )
        with db.begin() as session:
            session.add(
                DeliveryPart(
                    delivery_id=delivery_id, position=0, external_id=one.external_id, permalink=one.permalink
                )
            )
            # The crash came after part 2's request left and before its answer was recorded.
            session.get(Delivery, delivery_id).sending_part = 1  # type: ignore[union-attr]
    decisions = reconcile_sending(db, publishers, datetime.now(UTC))
    assert sorted(d.decision for d in decisions) == ["recorded", "recorded"]
    dispatch_round(db, publishers, "restarted")
    publishers.close()
    published = record(sandbox, run)
    for network in ("twitter", "bluesky"):
        texts = [e["text"][-5:] for e in published if e["network"] == network]
        assert texts == ["(1/4)", "(2/4)", "(3/4)", "(4/4)"], (network, texts)
    assert {d.state for d in deliveries(db).values()} == {DeliveryState.SENT}


def test_unsure_platform_leaves_the_delivery_unknown(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    queue(db, config, tmp_path, 'text = "Ballots drop RUN"', targets='["network-mastodon"]')
    (claimed,) = claim_due(db, datetime.now(UTC), "crashed")
    with db.begin() as session:
        session.get(Delivery, claimed).sending_part = 0  # type: ignore[union-attr]  # its request left
    control(sandbox, "POST", "faults", {"network": "mastodon", "error_rate": 1.0, "statuses": [503]})
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    decisions = reconcile_sending(db, publishers, datetime.now(UTC))
    publishers.close()
    assert [d.decision for d in decisions] == ["unknown"]
    delivery = deliveries(db)["network-mastodon"]
    assert delivery.state is DeliveryState.UNKNOWN and "could not ask" in (delivery.last_error or "")


@pytest.mark.parametrize("account", ["network-x", "network-bluesky", "network-mastodon"])
def test_reconcile_recognises_its_own_post_with_ampersand_angle_and_emoji(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str, account: str
) -> None:
    # X answers "&amp;" and "&lt;" for what we sent: compared as given, our own post went unrecognised
    # and was sent again after a crash (and X's duplicate refusal then failed a published delivery).
    run = queue(
        db, config, tmp_path, 'text = "Check your inbox & vote <today> ✊ #GV6 RUN"', targets=f'["{account}"]'
    )
    (claimed,) = claim_due(db, datetime.now(UTC), "crashed")
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    with db.begin() as session:
        session.get(Delivery, claimed).sending_part = 0  # type: ignore[union-attr]
    # The part's request left and was published; the crash came before its answer was recorded.
    publishers.get(account).publish_part(
        f"Check your inbox & vote <today> ✊ #GV6 {run}", [], f"k-{run}-{claimed}"
    )
    decisions = reconcile_sending(db, publishers, datetime.now(UTC))
    assert [d.decision for d in decisions] == ["recorded"]
    dispatch_round(db, publishers, "restarted")
    publishers.close()
    assert len(record(sandbox, run)) == 1, "published once, never twice"
    assert deliveries(db)[account].state is DeliveryState.SENT


def test_x_text_is_read_unescaped(sandbox: str, config: Config) -> None:
    from socialbot.networks.twitter.collect import tweet_to_post

    post = tweet_to_post(
        {"id": "1", "text": "Inbox &amp; vote &lt;3 &gt; all", "created_at": "2026-12-01T09:00:00Z"},
        {"media": {}},
        "h",
    )
    assert post.text == "Inbox & vote <3 > all"


def test_a_claimed_delivery_with_no_part_in_flight_is_resumed_without_asking(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    # Killed between the claim and the first request: nothing can have gone out, so the platform
    # (here refusing every request) is not asked; the delivery simply goes next.
    run = queue(db, config, tmp_path, 'text = "Ballots drop RUN"', targets='["network-mastodon"]')
    claim_due(db, datetime.now(UTC), "crashed")
    control(sandbox, "POST", "faults", {"network": "mastodon", "error_rate": 1.0, "statuses": [503]})
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    decisions = reconcile_sending(db, publishers, datetime.now(UTC))
    assert [d.decision for d in decisions] == ["resume"]
    control(sandbox, "DELETE", "faults")
    dispatch_round(db, publishers, "restarted")
    publishers.close()
    assert len(record(sandbox, run)) == 1
    assert deliveries(db)["network-mastodon"].state is DeliveryState.SENT


def test_officers_are_alerted_when_a_post_fails(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    from socialbot.dispatch.alerts import alerts_from_env

    run = queue(db, config, tmp_path, 'text = "Ballots drop tomorrow RUN"', targets='["network-facebook"]')
    env = SANDBOX_ENV | {"SOCIALBOT_FACEBOOK_PAGE_TOKEN": "expired-page-token"}
    sink = sandbox.replace("http://", "json://") + "/_sandbox/alerts"
    publishers = Publishers(config, env, sandbox)
    dispatch_round(db, publishers, "test", alerts=alerts_from_env({"SOCIALBOT_ALERT_URLS": sink}))
    publishers.close()
    received = control(sandbox, "GET", "alerts")["alerts"]
    mine = [a for a in received if f"c{run}:p to network-facebook" in a["title"]]
    assert len(mine) == 1
    assert "code 190" in mine[0]["message"] and "socialbot queue retry" in mine[0]["message"]


def png(width: int = 1, height: int = 1, noise: bool = False) -> bytes:
    """A real PNG (images are checked by their content); noise makes one that does not compress."""
    import io

    from PIL import Image

    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (179, 0, 27))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


PNG = png()


def test_images_go_with_the_first_part_on_every_network(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    (tmp_path / "rally.png").write_bytes(PNG)
    body = THREAD + '\n[[post.media]]\npath = "rally.png"\nalt = "Members at the rally with #GV6 placards"'
    run = queue(db, config, tmp_path, body)
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    report = dispatch_round(db, publishers, "test")
    publishers.close()
    assert {o.state for o in report.outcomes} == {DeliveryState.SENT}, [o.message for o in report.outcomes]
    published = record(sandbox, run)
    for network in ("twitter", "bluesky", "mastodon", "facebook"):
        first = next(e for e in published if e["network"] == network)
        assert len(first["media_ids"]) == 1, (network, first)
    assert all(not e["media_ids"] for e in published if e["text"].endswith("(2/4)")), "only the first part"
    uploads = [e for e in control(sandbox, "GET", "published")["published"] if e.get("kind") == "media"]
    assert {u["network"] for u in uploads} >= {"twitter", "bluesky", "mastodon", "facebook"}
    # X takes alt text by its media metadata call, after the upload.
    assert any(
        u.get("alt") == "Members at the rally with #GV6 placards"
        for u in uploads
        if u["network"] == "twitter"
    )


def test_media_limits_are_checked_per_network(config: Config, tmp_path: Path) -> None:
    from socialbot.tomlfile import ConfigError

    big = png(600, 600, noise=True)
    (tmp_path / "big.png").write_bytes(big)
    path = tmp_path / "media.toml"
    path.write_text(
        'campaign = "m"\ntargets = ["network-x", "network-bluesky"]\n\n[[post]]\nkey = "p"\n'
        'at = 2026-12-01T09:00:00\ntext = "x"\n[[post.media]]\npath = "big.png"\nalt = "A crowd"\n'
        '[[post.media]]\npath = "missing.png"\nalt = "x"\n[[post.media]]\npath = "notes.pdf"\nalt = "x"\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_campaign(path, config)
    text = "\n".join(raised.value.lines)
    assert f"big.png: {len(big):,} bytes; Bluesky (network-bluesky) takes up to 1,000,000" in text
    assert "missing.png: no such file" in text and "notes.pdf: not an image type" in text
    assert "network-x" not in text.split("big.png")[1].split("\n")[0], "X takes 5 MB"


def test_xs_daily_cap_waits_for_its_own_reset_not_the_fifteen_minute_window(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str
) -> None:
    queue(db, config, tmp_path, 'text = "Ballots drop tomorrow RUN"', targets='["network-x"]')
    control(sandbox, "POST", "faults", {"network": "twitter", "path": "/2/tweets", "daily_cap_for": 6 * 3600})
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    (outcome,) = dispatch_round(db, publishers, "test").outcomes
    publishers.close()
    assert outcome.state is DeliveryState.SCHEDULED and "24-hour posting cap" in outcome.message
    x = deliveries(db)["network-x"]
    # tweepy's reset_time is the 15-minute window's; the next try waits for the day's cap instead.
    assert x.due_at > datetime.now(UTC) + timedelta(hours=5, minutes=50)


def test_xs_402_says_the_credits_are_used_up_and_fails_with_an_alert(
    db: sessionmaker[Session], config: Config, tmp_path: Path, sandbox: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from socialbot.dispatch.alerts import Alerts

    queue(db, config, tmp_path, 'text = "Ballots drop tomorrow RUN"', targets='["network-x"]')
    control(
        sandbox,
        "POST",
        "faults",
        {"network": "twitter", "path": "/2/tweets", "error_rate": 1.0, "statuses": [402]},
    )
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    with caplog.at_level(logging.WARNING, "socialbot.alerts"):
        (outcome,) = dispatch_round(db, publishers, "test", alerts=Alerts([])).outcomes
    publishers.close()
    assert outcome.state is DeliveryState.FAILED
    assert "API credits are used up; top them up in the developer portal" in outcome.message
    assert "a post failed" in caplog.text
