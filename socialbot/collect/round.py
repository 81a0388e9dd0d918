"""One collection round: fetch every due source concurrently, store results source by source."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from socialbot.collect.report import RoundReport, SourceOutcome, Task
from socialbot.collect.store import PLACEHOLDER_REASON, count_dry, store_batch
from socialbot.config import Config
from socialbot.networks import NETWORKS, network_parts
from socialbot.networks.base import (
    Collector,
    Fetched,
    NetworkError,
    RateLimited,
    SourceRef,
    Transient,
)
from socialbot.networks.credentials import with_sandbox_credentials
from socialbot.networks.routing import sandbox_target
from socialbot.store import Group, Source

# Results held before writing; bounds memory in very large rounds.
WRITE_BATCH = 100


def make_collectors(config: Config, env: Mapping[str, str], sandbox_url: str | None) -> dict[str, Collector]:
    """One collector per registered network that can collect (its folder has collect.py)."""
    env = with_sandbox_credentials(config, env, sandbox_url)
    return {
        name: module.make_collector(config.network(name), env, sandbox_url)
        for name, module in network_parts("collect").items()
    }


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
    tasks: list[Task],
    now: datetime,
    dry_run: bool,
    progress: Callable[[SourceOutcome], None] | None,
    sandbox_url: str | None,
) -> RoundReport:
    # Fetching happens in worker threads; writing happens here, in one thread, WRITE_BATCH sources per
    # transaction: SQLite releases the GIL at every statement, and while a hundred threads parse answers
    # each statement waits its turn for it, so the writes are batched (bench/collect.py).
    report = RoundReport()
    runner = _Runner(collectors, config.collect_per_host, sandbox_url)
    buffered: list[tuple[Task, Fetched | None, NetworkError | None]] = []

    def flush() -> None:
        if dry_run:
            for task, fetched, error in buffered:
                count_dry(sessions, task, fetched, error)
        else:
            store_batch(sessions, config, collectors, buffered, now)
        report.outcomes.extend(task.outcome for task, _, _ in buffered)
        buffered.clear()

    for task, fetched, error in _fetch_all(runner, tasks, config.collect_concurrency):
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


Result = tuple[Task, Fetched | None, NetworkError | None]


def _fetch_all(runner: _Runner, tasks: list[Task], concurrency: int) -> Iterator[Result]:
    """Every task fetched by `concurrency` worker threads taking them from one queue, yielded as done.

    All tasks are queued before a thread starts: submitting a thousand futures one by one while the
    first fetches already run made the last sources wait for the GIL to be queued at all.
    """
    todo: queue.SimpleQueue[Task] = queue.SimpleQueue()
    for task in tasks:
        todo.put(task)
    done: queue.SimpleQueue[Result] = queue.SimpleQueue()

    def work() -> None:
        while True:
            try:
                task = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put(runner.fetch(task))
            except BaseException as exc:  # fetch turns every Exception into an error; this is the rest
                done.put((task, None, Transient(f"{task.ref.network}: {type(exc).__name__}: {exc}")))

    threads = [
        threading.Thread(target=work, name=f"collect-{n}", daemon=True)
        for n in range(min(concurrency, len(tasks)))
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in tasks:
            yield done.get()
    finally:
        for thread in threads:
            thread.join()


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
) -> list[Task]:
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
                source.content_digest,
            )
            tasks.append(Task(ref, source.group_id, outcome, host_of(source.network, source.locator)))
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

    def fetch(self, task: Task) -> tuple[Task, Fetched | None, NetworkError | None]:
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
