"""APScheduler wiring: the jobs `socialbot run` hosts beside the web app.

Collection rounds run every collect_interval and dispatch rounds every few seconds. One
BackgroundScheduler per process, jobs in memory: every delivery's state lives in the store, and
deliveries found in 'sending' at start are reconciled before the first dispatch, so a restart
loses nothing and repeats nothing. (A database job store and a leader lock between replicas are
still to come: run one `socialbot run` per database until then.)
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.round import collect_round
from socialbot.config import Config
from socialbot.dispatch.alerts import Alerts, alerts_from_env
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.reconcile import reconcile_sending
from socialbot.dispatch.run import dispatch_round

log = logging.getLogger("socialbot.scheduler")
DISPATCH_EVERY = 2


def run_collection(
    sessions: sessionmaker[Session], config: Config, env: Mapping[str, str], sandbox_url: str | None
) -> None:
    """One collection round, logged in one line; errors are logged, never raised into the scheduler."""
    try:
        report = collect_round(sessions, config, env=env, sandbox_url=sandbox_url)
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


def run_dispatch(
    sessions: sessionmaker[Session], publishers: Publishers, worker: str, alerts: Alerts
) -> None:
    """One dispatch round; every failure is logged, never raised into the scheduler."""
    try:
        report = dispatch_round(sessions, publishers, worker, alerts=alerts)
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
    if report.expired:
        log.warning(
            "dispatch: %d deliveries expired (missed their not_after): %s",
            len(report.expired),
            report.expired,
        )


def start_scheduler(
    sessions: sessionmaker[Session],
    config: Config,
    env: Mapping[str, str],
    sandbox_url: str | None,
    collect: bool = True,
) -> BackgroundScheduler:
    """Settle what a crash left in sending; then dispatch every few seconds and collect every interval."""
    scheduler = BackgroundScheduler(timezone=UTC)
    publishers = Publishers(config, env, sandbox_url)
    alerts = alerts_from_env(env)
    for settled in reconcile_sending(sessions, publishers, datetime.now(UTC), alerts):
        log.warning("reconcile: delivery %d: %s", settled.delivery_id, settled.message)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    scheduler.add_job(
        run_dispatch,
        "interval",
        seconds=DISPATCH_EVERY,
        id="dispatch",
        args=(sessions, publishers, worker, alerts),
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    if collect:
        scheduler.add_job(
            run_collection,
            "interval",
            seconds=config.collect_interval,
            id="collect",
            args=(sessions, config, env, sandbox_url),
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=config.collect_interval,
        )
    scheduler.start()
    return scheduler
