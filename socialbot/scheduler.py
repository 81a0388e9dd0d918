"""APScheduler wiring: the jobs `socialbot run` hosts beside the web app.

Jobs live in the same database (APScheduler's SQLAlchemyJobStore) and name their function as
"module:function" with no arguments; what they need is the process's Runtime, set at start. Only
one instance runs jobs at a time: on PostgreSQL each instance tries an advisory lock, and the
holder runs them while the others stand by and take over when it dies (APScheduler 3 must not
share a job store between live schedulers). SQLite serves one process, so it needs no lock.

Every delivery's state lives in the store and deliveries found in 'sending' at start are
reconciled before the first dispatch, so a restart loses nothing and repeats nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.round import collect_round, make_collectors
from socialbot.config import Config
from socialbot.dispatch.alerts import Alerts, alerts_from_env
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.reconcile import reconcile_sending
from socialbot.dispatch.run import dispatch_round
from socialbot.networks.base import Collector

log = logging.getLogger("socialbot.scheduler")
DISPATCH_EVERY = 2
STANDBY_RETRY = 10
JOBS_TABLE = "apscheduler_jobs"
# pg_advisory_lock key: "socialbot" as a 64-bit number, the same for every instance.
LEADER_LOCK = 0x736F6369616C626F


@dataclass
class Runtime:
    """What the jobs of this process work with (jobs themselves take no arguments)."""

    sessions: sessionmaker[Session]
    config: Config
    env: Mapping[str, str]
    sandbox_url: str | None
    publishers: Publishers
    alerts: Alerts
    worker: str
    # Kept across rounds: HTTP sessions stay open, and clients (atproto's builds hundreds of model
    # classes) and any feed-parser processes are made once per process, not once per round.
    collectors: Mapping[str, Collector] | None = None


RUNTIME: Runtime | None = None


def collection_job() -> None:
    """One collection round, logged in one line; errors are logged, never raised into the scheduler."""
    runtime = _runtime()
    try:
        report = collect_round(
            runtime.sessions,
            runtime.config,
            env=runtime.env,
            sandbox_url=runtime.sandbox_url,
            collectors=runtime.collectors,
        )
    except Exception:
        log.exception("collect: the round failed")
        return
    log.info(
        "collect: %d sources, %d ok, %d unchanged, %d failed, %d skipped, %d new posts in %.1fs",
        len(report.outcomes),
        report.count("ok"),
        report.count("not_modified"),
        report.count("error", "rate_limited", "parked"),
        report.count("skipped"),
        report.new,
        report.seconds,
    )


def dispatch_job() -> None:
    """One dispatch round; every failure is logged, never raised into the scheduler."""
    runtime = _runtime()
    try:
        report = dispatch_round(runtime.sessions, runtime.publishers, runtime.worker, alerts=runtime.alerts)
    except Exception:
        log.exception("dispatch: the round failed")
        return
    for outcome in report.outcomes:
        log.info(
            "dispatch: delivery %d %s%s",
            outcome.delivery_id,
            outcome.state.value,
            f": {outcome.message}" if outcome.message else "",
        )


def _runtime() -> Runtime:
    if RUNTIME is None:
        raise RuntimeError("scheduler: a job ran before start_scheduler set the runtime")
    return RUNTIME


class Leader:
    """Holds the PostgreSQL advisory lock on its own connection while this instance runs the jobs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        """True when this instance is (now) the one that runs jobs."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self.connection is None:
            self.connection = self.engine.connect()
            # Out of the pool: a session-level lock would stay held on a pooled connection.
            self.connection.detach()
        won = bool(
            self.connection.execute(text("select pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}).scalar()
        )
        self.connection.commit()
        return won

    def release(self) -> None:
        """Give the lock up (a crash gives it up too: the server drops the connection's locks)."""
        if self.connection is not None:
            try:
                if self.engine.dialect.name == "postgresql":
                    self.connection.execute(text("select pg_advisory_unlock_all()"))
            finally:
                self.connection.close()
                self.connection = None


@dataclass
class Jobs:
    """A started scheduler, its leadership, and the way to stop both."""

    scheduler: BackgroundScheduler
    leader: Leader
    stopping: threading.Event

    def stop(self) -> None:
        """Stop the jobs and give up the leadership."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.leader.release()
        if RUNTIME is not None:
            RUNTIME.publishers.close()
            for collector in (RUNTIME.collectors or {}).values():
                collector.close()


def start_scheduler(
    engine: Engine,
    sessions: sessionmaker[Session],
    config: Config,
    env: Mapping[str, str],
    sandbox_url: str | None,
    collect: bool = True,
) -> Jobs:
    """Become the leader (or stand by until it can), then reconcile and run dispatch and collection jobs."""
    global RUNTIME
    alerts = alerts_from_env(env)
    RUNTIME = Runtime(
        sessions,
        config,
        env,
        sandbox_url,
        Publishers(config, env, sandbox_url),
        alerts,
        f"{socket.gethostname()}:{os.getpid()}",
        make_collectors(config, env, sandbox_url) if collect else None,
    )
    scheduler = BackgroundScheduler(
        timezone=UTC, jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)}
    )
    leader = Leader(engine)
    stop = threading.Event()

    def lead() -> None:
        while not leader.try_acquire():
            log.info("scheduler: another instance runs the jobs; standing by")
            if stop.wait(STANDBY_RETRY):
                return
        for settled in reconcile_sending(sessions, _runtime().publishers, datetime.now(UTC), alerts):
            log.warning("reconcile: delivery %d: %s", settled.delivery_id, settled.message)
        scheduler.add_job(
            "socialbot.scheduler:dispatch_job",
            "interval",
            seconds=DISPATCH_EVERY,
            id="dispatch",
            replace_existing=True,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
        )
        if collect:
            scheduler.add_job(
                "socialbot.scheduler:collection_job",
                "interval",
                seconds=config.collect_interval,
                id="collect",
                replace_existing=True,
                next_run_time=datetime.now(UTC),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=config.collect_interval,
            )
        elif scheduler.get_job("collect"):
            scheduler.remove_job("collect")
        scheduler.start()
        log.info("scheduler: running the jobs as %s", _runtime().worker)

    threading.Thread(target=lead, name="scheduler-leader", daemon=True).start()
    return Jobs(scheduler, leader, stop)
