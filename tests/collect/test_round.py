"""Collection rounds against the sandbox over HTTP, stored on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.round import collect_round
from socialbot.collect.store import PLACEHOLDER_REASON
from socialbot.config import Config, load_config
from socialbot.store import Group, Post, Source
from socialbot.store.sync import sync_config
from tests.conftest import ROOT
from tests.sandbox_server import control, running_sandbox
from tests.test_config import SANDBOX_ENV

# Sources that exist in the sandbox (it serves the shipped feeds.toml), one or more per network.
FEEDS = """\
[settings]
collect_interval = "10m"
collect_per_host = 4

[network.rss]
connect_timeout = 1.0
read_timeout = 1.0

[[group]]
slug = "labour-left-alliance"
name = "Labour Left Alliance"
[[group.source]]
network = "rss"
url = "https://labourleft.org/feed/"
[[group.source]]
network = "facebook"
page = "placeholder.labour-left-alliance"
[[group.source]]
network = "twitter"
handle = "ph_lla"
[[group.source]]
network = "bluesky"
handle = "lla.placeholder.invalid"

[[group]]
slug = "red-flag"
name = "Red Flag"
[[group.source]]
network = "mastodon"
handle = "redflag@mastodon.placeholder.invalid"
[[group.source]]
network = "twitter"
handle = "ph_redflag"

[[group]]
slug = "labour-representation-committee"
name = "Labour Representation Committee"
[[group.source]]
network = "rss"
url = "https://labour-representation-committee.placeholder.invalid/feed/"
[[group.source]]
network = "facebook"
page = "placeholder.labour-representation-committee"

[[group]]
slug = "socialist-appeal"
name = "Socialist Appeal"
[[group.source]]
network = "rss"
url = "https://socialist-appeal.placeholder.invalid/feed/"
"""


@pytest.fixture(scope="module")
def frozen_sandbox() -> Iterator[str]:
    """A sandbox whose clock moves only when a test ticks it, so rounds are repeatable."""
    with running_sandbox("--frozen-clock") as (base, _):
        yield base


@pytest.fixture
def sandbox_url(frozen_sandbox: str) -> Iterator[str]:
    yield frozen_sandbox
    control(frozen_sandbox, "DELETE", "faults")


def make_config(tmp_path: Path, text: str = FEEDS) -> Config:
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    return load_config(path, SANDBOX_ENV)


def synced(db: sessionmaker[Session], config: Config) -> Config:
    with db.begin() as session:
        sync_config(session, config)
    return config


def run(db: sessionmaker[Session], config: Config, sandbox: str, now: datetime, **options: Any) -> Any:
    return collect_round(db, config, env=SANDBOX_ENV, sandbox_url=sandbox, now=now, **options)


def by_network(report: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for outcome in report.outcomes:
        found.setdefault(outcome.network, []).append(outcome)
    return found


def edit_newest_feed_post(db: sessionmaker[Session], sandbox: str, text: str) -> str:
    """Edit the newest stored feed post on its website (the sandbox); its external id."""
    with db() as session:
        post = session.scalars(
            select(Post).where(Post.network == "rss").order_by(Post.published_at.desc())
        ).first()
        assert post is not None
        external_id = post.external_id
    control(sandbox, "POST", "edit", {"network": "rss", "id": external_id, "text": text})
    return external_id


def test_first_round_stores_history_and_the_second_nothing(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(db, make_config(tmp_path))
    now = datetime.now(UTC)
    first = run(db, config, sandbox_url, now)
    assert len(first.outcomes) == 9
    assert all(o.status == "ok" and o.new > 0 for o in first.outcomes), [
        (o.locator, o.message) for o in first.outcomes
    ]
    assert set(by_network(first)) == {"rss", "facebook", "twitter", "bluesky", "mastodon"}
    second = run(db, config, sandbox_url, now + timedelta(days=1))
    assert len(second.outcomes) == 9 and second.new == 0 and second.updated == 0
    assert all(o.status == "not_modified" for o in by_network(second)["rss"]), "RSS costs only 304s"
    with db() as session:
        total = session.scalar(select(func.count()).select_from(Post))
        distinct = session.scalar(select(func.count(func.distinct(Post.network + Post.external_id))))
        assert total == distinct == first.new
        sources = session.scalars(select(Source)).all()
        assert all(s.last_status in ("ok", "not_modified") and s.next_attempt_at for s in sources)
        assert all(s.platform_id for s in sources if s.network in ("twitter", "mastodon"))


def test_a_round_collects_only_due_sources(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(db, make_config(tmp_path))
    now = datetime.now(UTC)
    run(db, config, sandbox_url, now)
    assert run(db, config, sandbox_url, now + timedelta(minutes=1)).outcomes == []
    forced = run(db, config, sandbox_url, now + timedelta(minutes=1), group="red-flag")
    assert {o.locator for o in forced.outcomes} == {"redflag@mastodon.placeholder.invalid", "ph_redflag"}


def test_new_posts_after_a_tick_are_read_once(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(db, make_config(tmp_path))
    now = datetime.now(UTC)
    run(db, config, sandbox_url, now)
    with db() as session:
        before = {(p.network, p.external_id) for p in session.scalars(select(Post))}
        newest_tweet = max(
            int(p.external_id) for p in session.scalars(select(Post).where(Post.network == "twitter"))
        )
    control(sandbox_url, "POST", "tick", {"seconds": 4 * 86400})
    later = run(db, config, sandbox_url, now + timedelta(days=4))
    assert later.new > 0
    with db() as session:
        after = {(p.network, p.external_id) for p in session.scalars(select(Post))}
        new_tweets = [
            int(p.external_id)
            for p in session.scalars(select(Post).where(Post.network == "twitter"))
            if ("twitter", p.external_id) not in before
        ]
    assert len(after - before) == later.new
    assert all(t > newest_tweet for t in new_tweets), "X: only posts after since_id are read"


def test_an_edited_post_is_updated(db: sessionmaker[Session], tmp_path: Path, sandbox_url: str) -> None:
    config = synced(db, make_config(tmp_path))
    now = datetime.now(UTC)
    run(db, config, sandbox_url, now)
    external_id = edit_newest_feed_post(db, sandbox_url, "Corrected: the rally is at 7:30pm")
    again = run(db, config, sandbox_url, now + timedelta(days=1))
    assert sum(o.updated for o in again.outcomes if o.network == "rss") == 1
    with db() as session:
        edited = session.scalars(select(Post).where(Post.external_id == external_id)).one()
        assert "Corrected: the rally is at 7:30pm" in edited.text
        assert (
            session.scalar(select(func.count()).select_from(Post).where(Post.external_id == external_id)) == 1
        )


def test_a_feed_server_without_validators_is_not_parsed_again_until_it_changes(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    control(sandbox_url, "POST", "faults", {"network": "rss", "no_validators": True})
    config = synced(db, make_config(tmp_path))
    now = datetime.now(UTC)
    first = run(db, config, sandbox_url, now)
    assert all(o.status == "ok" and o.new > 0 for o in by_network(first)["rss"])
    with db() as session:
        feeds = session.scalars(select(Source).where(Source.network == "rss")).all()
        assert all(s.etag is None and s.last_modified is None and s.content_digest for s in feeds)
    control(sandbox_url, "DELETE", "stats")
    second = run(db, config, sandbox_url, now + timedelta(days=1))
    rss = control(sandbox_url, "GET", "stats")["rss"]
    assert rss["requests"] == rss["status_200"] == 3 and rss["bytes"] > 0, "the server sent the feeds again"
    assert all(o.status == "not_modified" for o in by_network(second)["rss"]), "the same bytes are not parsed"
    edit_newest_feed_post(db, sandbox_url, "Now at 7:30pm")
    third = run(db, config, sandbox_url, now + timedelta(days=2))
    assert sum(o.updated for o in by_network(third)["rss"]) == 1, "a changed body is parsed"


def test_a_link_shared_by_three_groups_is_stored_for_each_with_one_canonical_link(
    db: sessionmaker[Session], sandbox_url: str
) -> None:
    config = synced(db, load_config(ROOT / "feeds.toml", SANDBOX_ENV))
    report = run(db, config, sandbox_url, datetime.now(UTC))
    assert report.count("ok") == len(report.outcomes) == 89
    with db() as session:
        shared = session.execute(
            select(Post.link_url, func.count(func.distinct(Post.group_id)), func.count())
            .where(Post.link_url.is_not(None))
            .group_by(Post.link_url)
            .having(func.count(func.distinct(Post.group_id)) >= 3)
        ).all()
        links = [row[0] for row in shared]
    assert shared, "some link is shared by three or more groups"
    assert all(row[2] >= 3 for row in shared), "stored once per post, not merged"
    assert not any("utm_" in link or "fbclid" in link for link in links), "tracking parameters are dropped"
    assert (
        "https://labourleft.org/fringe-meetings/" in links
        or "https://labourleft.org/2026/10/grassroots-voice-gv6/" in links
    )


def test_faults_are_recorded_and_healthy_sources_are_not_held_up(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(db, make_config(tmp_path))
    faults = [
        {"network": "twitter", "error_rate": 0.3, "statuses": [503]},
        {"network": "rss", "path": "/labourleft.org/*", "hang": True, "hang_seconds": 20},
        {"network": "mastodon", "rate_limited_for": 120},
        {"network": "facebook", "path": "/*/placeholder.labour-left-alliance/*", "malformed": True},
        {
            "network": "rss",
            "path": "/labour-representation-committee.placeholder.invalid/*",
            "malformed": True,
        },
        {"network": "rss", "path": "/socialist-appeal.placeholder.invalid/*", "oversized_mb": 50},
        {
            "network": "facebook",
            "path": "/*/placeholder.labour-representation-committee/*",
            "expired_token": True,
        },
    ]
    control(sandbox_url, "POST", "faults", faults)
    started = time.monotonic()
    report = run(db, config, sandbox_url, datetime.now(UTC))
    elapsed = time.monotonic() - started
    outcomes = {o.locator: o for o in report.outcomes}
    assert len(outcomes) == 9, "the round completes for every source"
    assert elapsed < 1.0 + 3.0, f"nothing waits for more than one timeout (1 s) plus work: {elapsed:.1f}s"
    expected = {
        "https://labourleft.org/feed/": ("error", "no answer within 1s"),
        "redflag@mastodon.placeholder.invalid": ("rate_limited", "rate limited"),
        "placeholder.labour-left-alliance": ("error", "facebook: placeholder.labour-left-alliance"),
        "https://labour-representation-committee.placeholder.invalid/feed/": ("error", "not a readable feed"),
        "https://socialist-appeal.placeholder.invalid/feed/": ("error", "over the 5,000,000-byte limit"),
        "placeholder.labour-representation-committee": ("parked", "token was refused (code 190)"),
    }
    for locator, (status, reason) in expected.items():
        assert outcomes[locator].status == status, (locator, outcomes[locator])
        assert reason in outcomes[locator].message, (locator, outcomes[locator].message)
    for locator in ("lla.placeholder.invalid",):
        assert outcomes[locator].status == "ok"
    for locator in ("ph_lla", "ph_redflag"):
        assert outcomes[locator].status == "ok" or "server error 503" in outcomes[locator].message
    with db() as session:
        stored = {s.locator: s for s in session.scalars(select(Source))}
        for locator, (status, reason) in expected.items():
            assert stored[locator].last_status == status, locator
            assert reason in (stored[locator].last_error or ""), locator
        assert stored["https://labourleft.org/feed/"].consecutive_errors == 1
        assert stored["https://labourleft.org/feed/"].next_attempt_at > datetime.now(UTC)
        assert stored["placeholder.labour-representation-committee"].parked_reason


def test_a_parked_source_comes_back_when_its_token_changes(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(db, make_config(tmp_path))
    now = datetime.now(UTC)
    expired = SANDBOX_ENV | {"SOCIALBOT_FACEBOOK_READ_TOKEN": "expired-read-token"}
    first = collect_round(db, config, env=expired, sandbox_url=sandbox_url, now=now)
    assert {o.status for o in first.outcomes if o.network == "facebook"} == {"parked"}
    same = collect_round(db, config, env=expired, sandbox_url=sandbox_url, now=now + timedelta(minutes=20))
    assert not [o for o in same.outcomes if o.network == "facebook"], "still parked: not retried"
    renewed = collect_round(
        db, config, env=SANDBOX_ENV, sandbox_url=sandbox_url, now=now + timedelta(minutes=20)
    )
    assert {o.status for o in renewed.outcomes if o.network == "facebook"} == {"ok"}


def test_rate_limited_host_skips_its_other_sources_not_other_hosts(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(
        db, make_config(tmp_path.joinpath(), FEEDS.replace("collect_per_host = 4", "collect_per_host = 1"))
    )
    control(sandbox_url, "POST", "faults", {"network": "twitter", "rate_limited_for": 300})
    report = run(db, config, sandbox_url, datetime.now(UTC))
    twitter = by_network(report)["twitter"]
    assert sorted(o.status for o in twitter) == ["rate_limited", "skipped"]
    assert all(o.status == "ok" for o in report.outcomes if o.network in ("bluesky", "mastodon"))


def test_placeholders_are_skipped_outside_the_sandbox(db: sessionmaker[Session], tmp_path: Path) -> None:
    text = (
        '[[group]]\nslug = "x"\nname = "X"\n[[group.source]]\nnetwork = "rss"\n'
        'url = "https://x.placeholder.invalid/feed/"\nplaceholder = true\n'
    )
    config = synced(db, make_config(tmp_path, text))
    report = collect_round(db, config, env=SANDBOX_ENV, sandbox_url=None, now=datetime.now(UTC))
    assert [(o.status, o.message) for o in report.outcomes] == [("skipped", PLACEHOLDER_REASON)]


def test_dry_run_stores_nothing(db: sessionmaker[Session], tmp_path: Path, sandbox_url: str) -> None:
    config = synced(db, make_config(tmp_path))
    report = run(db, config, sandbox_url, datetime.now(UTC), dry_run=True)
    assert report.new > 0
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 0
        assert all(s.last_attempt_at is None for s in session.scalars(select(Source)))


def test_collect_command_prints_a_summary(tmp_path: Path, sandbox_url: str) -> None:
    from tests.test_cli import socialbot

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    assert socialbot("--database-url", url, "groups", "sync", env=SANDBOX_ENV).returncode == 0
    result = socialbot(
        "--database-url",
        url,
        "collect",
        "--group",
        "labour-left-alliance",
        "--sandbox",
        sandbox_url,
        env=SANDBOX_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "Collection round" in result.stdout and "Slowest sources" in result.stdout
    health = socialbot("--database-url", url, "sources", env=SANDBOX_ENV)
    assert health.returncode == 0 and "labour-left-alliance" in health.stdout


def test_groups_exist_for_every_post(db: sessionmaker[Session], tmp_path: Path, sandbox_url: str) -> None:
    config = synced(db, make_config(tmp_path))
    run(db, config, sandbox_url, datetime.now(UTC))
    with db() as session:
        orphans = session.scalar(
            select(func.count()).select_from(Post).outerjoin(Group).where(Group.id.is_(None))
        )
        assert orphans == 0


LIMITED = "\n".join(
    f"[network.{name}]\nconnect_timeout = 1.0\nread_timeout = 1.0\n"
    for name in ("twitter", "facebook", "bluesky", "mastodon")
)


def test_a_hung_source_of_each_network_costs_one_timeout_not_the_round(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(db, make_config(tmp_path, FEEDS.replace("[network.rss]", LIMITED + "\n[network.rss]")))
    hung = [
        {"network": "twitter", "path": "/2/users/by/username/ph_redflag", "hang": True, "hang_seconds": 60},
        {
            "network": "facebook",
            "path": "/*/placeholder.labour-left-alliance/*",
            "hang": True,
            "hang_seconds": 60,
        },
        {"network": "rss", "path": "/labourleft.org/*", "hang": True, "hang_seconds": 60},
        {"network": "bluesky", "hang": True, "hang_seconds": 60},
        {"network": "mastodon", "hang": True, "hang_seconds": 60},
    ]
    for rule in hung:
        control(sandbox_url, "POST", "faults", rule)
    started = time.monotonic()
    report = run(db, config, sandbox_url, datetime.now(UTC))
    took = time.monotonic() - started
    assert took < 10, f"the round took {took:.1f} s: a hang cost more than its timeout"
    failed = {o.locator: o for o in report.outcomes if o.failed}
    assert set(failed) == {
        "ph_redflag",
        "placeholder.labour-left-alliance",
        "https://labourleft.org/feed/",
        "lla.placeholder.invalid",
        "redflag@mastodon.placeholder.invalid",
    }
    for outcome in failed.values():
        assert "no answer" in outcome.message, outcome
    done = [o for o in report.outcomes if not o.failed]
    assert {o.locator for o in done} >= {"ph_lla", "placeholder.labour-representation-committee"}
    assert all(o.status in ("ok", "error") for o in done)


def test_an_oversized_api_answer_is_refused_not_read(
    db: sessionmaker[Session], tmp_path: Path, sandbox_url: str
) -> None:
    config = synced(
        db,
        make_config(
            tmp_path,
            FEEDS.replace("[network.rss]", "[network.mastodon]\nmax_bytes = 100000\n\n[network.rss]"),
        ),
    )
    control(sandbox_url, "POST", "faults", {"network": "mastodon", "oversized_mb": 20})
    report = run(db, config, sandbox_url, datetime.now(UTC))
    (mastodon,) = by_network(report)["mastodon"]
    assert mastodon.failed and "larger than 100,000 bytes (max_bytes)" in mastodon.message
