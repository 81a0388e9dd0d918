"""One collection round: fetch every due source concurrently, store results source by source."""

from __future__ import annotations

import importlib
import importlib.util
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from socialbot.collect.pacing import WEEK, adaptive_interval, after, backoff
from socialbot.config import Config
from socialbot.networks import NETWORKS
from socialbot.networks.base import (
    AuthFailed,
    Collector,
    Fetched,
    NetworkError,
    RateLimited,
    SourceRef,
    Transient,
)
from socialbot.networks.routing import sandbox_target
from socialbot.store import Group, Post, Source
from socialbot.store.counters import bump
from socialbot.store.upsert import upsert_posts

# Results held before writing; bounds memory in very large rounds.
WRITE_BATCH = 100
PLACEHOLDER_REASON = "placeholder handle: set the group's real account in feeds.toml"


@dataclass
class SourceOutcome:
    """What happened to one source in a round."""

    source_id: int
    group: str
    network: str
    locator: str
    status: str = "ok"  # ok, not_modified, error, rate_limited, parked, skipped
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    message: str = ""
    warning: str = ""
    seconds: float = 0.0
    # Posts the platform sent (what pay-per-read platforms bill), new or not.
    read: int = 0

    @property
    def failed(self) -> bool:
        """True when the source could not be read this round."""
        return self.status in ("error", "rate_limited", "parked")


@dataclass
class RoundReport:
    """Every source's outcome and the round's wall time."""

    outcomes: list[SourceOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, *statuses: str) -> int:
        """How many sources ended in one of these statuses."""
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def new(self) -> int:
        """Posts stored for the first time."""
        return sum(o.new for o in self.outcomes)

    @property
    def updated(self) -> int:
        """Stored posts whose text or links changed."""
        return sum(o.updated for o in self.outcomes)

    def slowest(self, n: int = 5) -> list[SourceOutcome]:
        """The n sources that took longest."""
        return sorted(self.outcomes, key=lambda o: -o.seconds)[:n]


@dataclass
class _Task:
    ref: SourceRef
    group_id: int
    outcome: SourceOutcome
    host: str


def make_collectors(config: Config, env: Mapping[str, str], sandbox_url: str | None) -> dict[str, Collector]:
    """One collector per registered network that can collect (its folder has collect.py)."""
    collectors: dict[str, Collector] = {}
    for name in NETWORKS:
        module_name = f"socialbot.networks.{name}.collect"
        # A network without collect.py publishes only; any other import failure is a real error.
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        collectors[name] = module.make_collector(config.network(name), env, sandbox_url)
    return collectors


def collect_round(
    sessions: sessionmaker[Session],
    config: Config,
    *,
    env: Mapping[str, str] | None = None,
    sandbox_url: str | None = None,
    now: datetime | None = None,
    group: str | None = None,
    source_id: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    progress: Callable[[SourceOutcome], None] | None = None,
    collectors: Mapping[str, Collector] | None = None,
) -> RoundReport:
    """Collect the due sources and store what is new.

    group / source_id narrow the round to those sources, due or not; force takes every source.
    """
    started, now = time.monotonic(), now or datetime.now(UTC)
    env = os.environ if env is None else env
    owned = collectors is None
    collectors = collectors if collectors is not None else make_collectors(config, env, sandbox_url)
    try:
        tasks = _due_tasks(sessions, collectors, now, group, source_id, force)
        report = _run_tasks(sessions, config, collectors, tasks, now, dry_run, progress, sandbox_url)
    finally:
        if owned:
            for collector in collectors.values():
                collector.close()
    report.seconds = time.monotonic() - started
    return report


def _run_tasks(
    sessions: sessionmaker[Session],
    config: Config,
    collectors: Mapping[str, Collector],
    tasks: list[_Task],
    now: datetime,
    dry_run: bool,
    progress: Callable[[SourceOutcome], None] | None,
    sandbox_url: str | None,
) -> RoundReport:
    # Fetching happens in worker threads; writing happens here, in one thread, one source per transaction.
    # Writes wait until the fetches are done (or the buffer is large): SQLite releases the GIL at every
    # row, and while hundreds of threads parse answers, each row then waits its turn for the GIL:
    # written during the fetches, a 1,000-source round spent 70% of its time queueing (bench/collect.py).
    report = RoundReport()
    runner = _Runner(collectors, config.collect_per_host, sandbox_url)
    buffered: list[tuple[_Task, Fetched | None, NetworkError | None]] = []

    def flush() -> None:
        if dry_run:
            for task, fetched, error in buffered:
                _count_dry(sessions, task, fetched, error)
        else:
            _store_batch(sessions, config, collectors, buffered, now)
        report.outcomes.extend(task.outcome for task, _, _ in buffered)
        buffered.clear()

    with ThreadPoolExecutor(max_workers=config.collect_concurrency, thread_name_prefix="collect") as pool:
        for future in as_completed([pool.submit(runner.fetch, task) for task in tasks]):
            task, fetched, error = future.result()
            task.outcome.read = len(fetched.posts) if fetched else 0
            if fetched and sandbox_url:
                route_media(fetched, sandbox_url)
            buffered.append((task, fetched, error))
            if progress:
                progress(task.outcome)
            if len(buffered) >= WRITE_BATCH:
                flush()
    flush()
    return report


def route_media(fetched: Fetched, sandbox_url: str) -> None:
    """In the sandbox, media URLs point at the sandbox too, so pages showing them never reach a real CDN."""
    for post in fetched.posts:
        for item in post.media:
            if isinstance(item.get("url"), str) and not item["url"].startswith(sandbox_url):
                item["url"] = sandbox_target(item["url"], sandbox_url)


def _due_tasks(
    sessions: sessionmaker[Session],
    collectors: Mapping[str, Collector],
    now: datetime,
    group: str | None,
    source_id: int | None,
    force: bool,
) -> list[_Task]:
    query = select(Source).join(Group).options(joinedload(Source.group)).where(Source.enabled, Group.enabled)
    forced = force or group is not None or source_id is not None
    if group is not None:
        query = query.where(Group.slug == group)
    if source_id is not None:
        query = query.where(Source.id == source_id)
    tasks = []
    with sessions() as session:
        for source in session.scalars(query.order_by(Source.id)):
            collector = collectors.get(source.network)
            outcome = SourceOutcome(source.id, source.group.slug, source.network, source.locator)
            if collector is None:
                continue
            unparked = (
                source.parked_reason and source.parked_fingerprint != collector.credentials_fingerprint()
            )
            if not forced and not unparked and source.next_attempt_at and source.next_attempt_at > now:
                continue
            ref = SourceRef(
                source.id,
                source.network,
                source.locator,
                source.platform_id,
                source.cursor,
                source.etag,
                source.last_modified,
                dict(source.options) | {"placeholder": source.placeholder},
            )
            tasks.append(_Task(ref, source.group_id, outcome, host_of(source.network, source.locator)))
    return tasks


def host_of(network: str, locator: str) -> str:
    """The host a source's requests go to, for per-host limits."""
    if network == "rss":
        return urlsplit(locator).hostname or locator
    if network == "mastodon":
        return locator.rsplit("@", 1)[-1]
    return next(iter(NETWORKS[network].sandbox_hosts), network)


class _Runner:
    """Fetches in worker threads, at most per_host at once per host, skipping hosts that said 429."""

    def __init__(self, collectors: Mapping[str, Collector], per_host: int, sandbox_url: str | None) -> None:
        self.collectors = collectors
        self.per_host = per_host
        self.sandbox_url = sandbox_url
        self.semaphores: dict[str, threading.Semaphore] = {}
        self.paused: dict[str, datetime] = {}
        self.lock = threading.Lock()

    @contextmanager
    def _slot(self, host: str) -> Iterator[None]:
        with self.lock:
            semaphore = self.semaphores.setdefault(host, threading.Semaphore(self.per_host))
        with semaphore:
            yield

    def fetch(self, task: _Task) -> tuple[_Task, Fetched | None, NetworkError | None]:
        outcome = task.outcome
        if task.ref.options.get("placeholder") and not self.sandbox_url:
            outcome.status, outcome.message = "skipped", PLACEHOLDER_REASON
            return task, None, None
        with self._slot(task.host):
            paused = self.paused.get(task.host)
            if paused and paused > datetime.now(UTC):
                outcome.status = "skipped"
                outcome.message = f"{task.host} rate limit: waiting until {paused:%H:%M:%S} UTC"
                return task, None, None
            started = time.monotonic()
            try:
                return task, self.collectors[task.ref.network].fetch_new(task.ref), None
            except RateLimited as exc:
                with self.lock:
                    self.paused[task.host] = exc.reset_at
                return task, None, exc
            except NetworkError as exc:
                return task, None, exc
            except Exception as exc:
                return task, None, Transient(f"{task.ref.network}: unexpected {type(exc).__name__}: {exc}")
            finally:
                outcome.seconds = time.monotonic() - started


def _store_batch(
    sessions: sessionmaker[Session],
    config: Config,
    collectors: Mapping[str, Collector],
    results: list[tuple[_Task, Fetched | None, NetworkError | None]],
    now: datetime,
) -> None:
    """Write a batch of sources' results in one transaction, each source inside its own savepoint.

    A source's posts and state are written together or not at all; a write that fails rolls back
    that source only, which is then reported as an error (and fetched again next round).
    """
    with sessions.begin() as session:
        # One query loads the batch's sources; session.get then finds them in the identity map.
        list(session.scalars(select(Source).where(Source.id.in_([task.ref.id for task, _, _ in results]))))
        for task, fetched, error in results:
            try:
                with session.begin_nested():
                    _store(session, config, collectors, task, fetched, error, now)
            except SQLAlchemyError as exc:
                task.outcome.status = "error"
                task.outcome.message = (
                    f"store: {task.ref.network} {task.ref.locator}: {exc.__class__.__name__}: {exc}"
                )


def _store(
    session: Session,
    config: Config,
    collectors: Mapping[str, Collector],
    task: _Task,
    fetched: Fetched | None,
    error: NetworkError | None,
    now: datetime,
) -> None:
    """Write one source's result and its state."""
    outcome = task.outcome
    source = session.get(Source, task.ref.id)
    if source is None:
        return
    if fetched is not None:
        # Queries first, then every change to the source row, so it is written by one UPDATE.
        _store_success(session, config, source, task, fetched, now)
    elif error is not None:
        _store_error(config, collectors, source, outcome, error, now)
    else:
        source.last_status, source.last_error = outcome.status, outcome.message
        placeholder = outcome.message == PLACEHOLDER_REASON
        source.next_attempt_at = after(
            now, config.max_poll_interval if placeholder else config.collect_interval
        )
    source.last_attempt_at = now
    source.last_duration_ms = int(outcome.seconds * 1000)


def _store_success(
    session: Session, config: Config, source: Source, task: _Task, fetched: Fetched, now: datetime
) -> None:
    outcome = task.outcome
    counts = upsert_posts(session, task.group_id, source.id, fetched.posts, now)
    week = session.scalar(
        select(func.count())
        .select_from(Post)
        .where(Post.source_id == source.id, Post.published_at >= now - timedelta(seconds=WEEK))
    )
    outcome.new, outcome.updated, outcome.unchanged = counts.new, counts.updated, counts.unchanged
    if counts.new or counts.updated:
        # The feed's cached pages are built again on the next request, not before.
        bump(session)
    outcome.status = "not_modified" if fetched.not_modified else "ok"
    outcome.warning = "; ".join(fetched.warnings)
    source.cursor = fetched.cursor or source.cursor
    source.platform_id = fetched.platform_id or source.platform_id
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.last_success_at, source.consecutive_errors = now, 0
    source.last_error = source.parked_reason = source.parked_fingerprint = None
    source.last_status, source.last_new, source.last_updated = outcome.status, counts.new, counts.updated
    source.last_warning = outcome.warning or None
    source.poll_interval = adaptive_interval(week or 0, config.collect_interval, config.max_poll_interval)
    source.next_attempt_at = after(now, source.poll_interval)


def _store_error(
    config: Config,
    collectors: Mapping[str, Collector],
    source: Source,
    outcome: SourceOutcome,
    error: NetworkError,
    now: datetime,
) -> None:
    outcome.message = str(error)
    source.last_error = outcome.message
    if isinstance(error, RateLimited):
        outcome.status = source.last_status = "rate_limited"
        source.next_attempt_at = max(error.reset_at, after(now, 1))
    elif isinstance(error, AuthFailed):
        # Parked: retrying cannot help until the credentials change (checked every round).
        outcome.status = source.last_status = "parked"
        source.parked_reason = outcome.message
        source.parked_fingerprint = collectors[source.network].credentials_fingerprint()
        source.next_attempt_at = after(now, config.max_poll_interval)
    else:
        outcome.status = source.last_status = "error"
        source.consecutive_errors += 1
        source.next_attempt_at = after(
            now,
            backoff(
                source.consecutive_errors, config.collect_interval, config.max_poll_interval, random.Random()
            ),
        )


def _count_dry(
    sessions: sessionmaker[Session], task: _Task, fetched: Fetched | None, error: NetworkError | None
) -> None:
    outcome = task.outcome
    if error is not None:
        outcome.status = "rate_limited" if isinstance(error, RateLimited) else "error"
        outcome.message = str(error)
        return
    if fetched is None:
        return
    ids = [p.external_id for p in fetched.posts]
    with sessions() as session:
        stored = set(
            session.scalars(
                select(Post.external_id).where(Post.network == task.ref.network, Post.external_id.in_(ids))
            )
        )
    outcome.status = "not_modified" if fetched.not_modified else "ok"
    outcome.new, outcome.unchanged = len(set(ids) - stored), len(stored)
