"""/metrics on SQLite and PostgreSQL: the store's sources, posts and deliveries as Prometheus gauges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from socialbot.store import Delivery, DeliveryState, Group, Post, Source
from socialbot.store.counters import DISPATCH_HEARTBEAT, bump
from socialbot.web.metrics import Metrics
from tests.queue.test_sync import RALLY, sync

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(db: sessionmaker[Session]) -> Samples:
    """Every sample of one scrape, by name and labels, parsed as Prometheus parses it."""
    text = Metrics(db).text().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_sources_posts_and_deliveries(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY.replace("requires_approval = true\n", ""))
    tried = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    with db.begin() as session:
        group = session.scalars(select(Group).order_by(Group.id)).first()
        assert group is not None
        for i, network in enumerate(["rss", "rss", "rss", "twitter", "twitter"]):
            session.add(
                Post(
                    network=network,
                    external_id=f"p{i}",
                    group_id=group.id,
                    text=f"Post {i}",
                    permalink=f"https://example.org/{i}",
                    published_at=tried,
                )
            )
        failing = session.scalars(select(Source).where(Source.network == "twitter")).first()
        assert failing is not None
        failing.last_status, failing.last_attempt_at = "error", tried
        enabled = session.scalar(select(func.count()).select_from(Source).where(Source.enabled))
        twitter = session.scalar(
            select(func.count()).select_from(Source).where(Source.enabled, Source.network == "twitter")
        )
        bump(session, DISPATCH_HEARTBEAT)
    samples = scrape(db)
    assert samples[("socialbot_store_up", ())] == 1
    sources = {labels: value for (name, labels), value in samples.items() if name == "socialbot_sources"}
    assert sum(sources.values()) == enabled
    assert sources[(("network", "twitter"), ("status", "error"))] == 1
    assert sources[(("network", "twitter"), ("status", "never"))] == twitter - 1
    assert samples[("socialbot_last_collection_timestamp_seconds", ())] == tried.timestamp()
    assert samples[("socialbot_posts", (("network", "rss"),))] == 3
    assert samples[("socialbot_posts", (("network", "twitter"),))] == 2
    deliveries = {labels[0][1]: v for (name, labels), v in samples.items() if name == "socialbot_deliveries"}
    assert set(deliveries) == {state.value for state in DeliveryState}, "every state, zeros included"
    assert deliveries["scheduled"] == 4 and sum(deliveries.values()) == 4
    assert samples[("socialbot_deliveries_overdue", ())] == 0
    beat = samples[("socialbot_dispatch_heartbeat_timestamp_seconds", ())]
    assert abs(beat - datetime.now(UTC).timestamp()) < 60
    assert samples[("process_resident_memory_bytes", ())] > 0, "the answering process's own metrics"

    with db.begin() as session:
        session.execute(update(Delivery).values(due_at=datetime.now(UTC) - timedelta(minutes=2)))
    assert scrape(db)[("socialbot_deliveries_overdue", ())] == 4


def test_an_empty_store_reads_zero_and_never(db: sessionmaker[Session]) -> None:
    samples = scrape(db)
    assert samples[("socialbot_store_up", ())] == 1
    assert samples[("socialbot_dispatch_heartbeat_timestamp_seconds", ())] == 0
    assert samples[("socialbot_last_collection_timestamp_seconds", ())] == 0
    assert not any(name == "socialbot_posts" for name, _ in samples)


def test_a_database_that_does_not_answer_is_store_up_0(tmp_path: Path) -> None:
    missing = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'bot.db'}")
    samples = scrape(sessionmaker(missing))
    assert samples[("socialbot_store_up", ())] == 0
    assert not any(name.startswith("socialbot_") and name != "socialbot_store_up" for name, _ in samples)
