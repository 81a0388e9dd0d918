"""APScheduler wiring: the jobs `socialbot run` hosts beside the web app.

Collection rounds run every collect_interval. One BackgroundScheduler per process, in memory for
now: every job's state lives in the store, so a restart loses nothing. (The campaign dispatcher,
its database job store and the leader lock between replicas come with the scheduler issue.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.round import collect_round
from socialbot.config import Config

log = logging.getLogger("socialbot.scheduler")


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


def start_scheduler(
    sessions: sessionmaker[Session], config: Config, env: Mapping[str, str], sandbox_url: str | None
) -> BackgroundScheduler:
    """Start the scheduler with the collection job, first round now."""
    scheduler = BackgroundScheduler(timezone=UTC)
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
