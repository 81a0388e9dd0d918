"""/metrics: the store's state in Prometheus's text format, read from the database at each scrape.

Every number comes from the database, so any web worker answers for the whole bot (collector and
dispatcher included); the process metrics are the answering worker's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from socialbot.store import Post, Source
from socialbot.store.counters import DISPATCH_HEARTBEAT, FEED_VERSION, read
from socialbot.web.health import deliveries_by_state, overdue_deliveries

# What GET /metrics answers with (Prometheus's text exposition format 0.0.4).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StoreCollector(Collector):
    """Sources, posts and deliveries as gauges, counted in the store when Prometheus asks."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("socialbot_store_up", "1 when the database answered this scrape, else 0")
        try:
            with self.sessions() as session:
                found = list(self._read(session, datetime.now(UTC)))
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from found

    def _read(self, session: Session, now: datetime) -> Iterator[Metric]:
        sources = GaugeMetricFamily(
            "socialbot_sources",
            "Enabled sources by network and the outcome of their last attempt (never: not tried yet)",
            labels=["network", "status"],
        )
        by_status = select(Source.network, Source.last_status, func.count()).where(Source.enabled)
        for network, status, count in session.execute(by_status.group_by(Source.network, Source.last_status)):
            sources.add_metric([network, status or "never"], count)
        yield sources

        collected = session.scalar(select(func.max(Source.last_attempt_at)))
        yield _timestamp(
            "socialbot_last_collection_timestamp_seconds", "When a source was last fetched", collected
        )

        posts = GaugeMetricFamily("socialbot_posts", "Collected posts stored, by network", labels=["network"])
        for network, count in session.execute(select(Post.network, func.count()).group_by(Post.network)):
            posts.add_metric([network], count)
        yield posts

        deliveries = GaugeMetricFamily(
            "socialbot_deliveries", "Deliveries of scheduled posts, by state", labels=["state"]
        )
        for state, count in deliveries_by_state(session).items():
            deliveries.add_metric([state.value], count)
        yield deliveries

        overdue = GaugeMetricFamily(
            "socialbot_deliveries_overdue", "Deliveries still scheduled a minute after they were due"
        )
        overdue.add_metric([], overdue_deliveries(session, now))
        yield overdue

        _, beat = read(session, DISPATCH_HEARTBEAT)
        yield _timestamp(
            "socialbot_dispatch_heartbeat_timestamp_seconds", "When the dispatcher last ran a round", beat
        )
        version, changed = read(session, FEED_VERSION)
        feed = GaugeMetricFamily("socialbot_feed_version", "Changes to the store that the feed shows")
        feed.add_metric([], version)
        yield feed
        yield _timestamp("socialbot_feed_changed_timestamp_seconds", "When the feed last changed", changed)


def _timestamp(name: str, documentation: str, when: datetime | None) -> GaugeMetricFamily:
    """A Unix-time gauge; 0 for never, as Prometheus's own *_timestamp_seconds gauges do."""
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], when.timestamp() if when else 0.0)
    return gauge


class Metrics:
    """The registry behind /metrics: the store's gauges and this process's CPU, memory and files."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(StoreCollector(sessions))
        ProcessCollector(registry=self.registry)

    def text(self) -> bytes:
        """The exposition text (reads the database: call it off the event loop)."""
        return generate_latest(self.registry)
