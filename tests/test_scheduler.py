"""The scheduler on SQLite and PostgreSQL: jobs in the database, one leader at a time, dispatch running."""

from __future__ import annotations

import time

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.scheduler import JOBS_TABLE, Leader, start_scheduler
from socialbot.store.counters import DISPATCH_HEARTBEAT, read
from tests.conftest import ROOT
from tests.test_config import SANDBOX_ENV


def test_only_one_instance_leads_on_postgresql(store_engine: Engine) -> None:
    first, second = Leader(store_engine), Leader(store_engine)
    try:
        assert first.try_acquire()
        if store_engine.dialect.name == "postgresql":
            assert not second.try_acquire(), "the advisory lock is held by the first"
            first.release()
            assert second.try_acquire(), "the second takes over when the first lets go (or dies)"
        else:
            assert second.try_acquire(), "SQLite serves one process: no lock"
    finally:
        first.release()
        second.release()


def test_jobs_live_in_the_database_and_dispatch_runs(store_engine: Engine, db: sessionmaker[Session]) -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    jobs = start_scheduler(
        store_engine, db, config, SANDBOX_ENV, sandbox_url="http://127.0.0.1:9", collect=False
    )
    try:
        deadline = time.monotonic() + 10
        beat = None
        while beat is None and time.monotonic() < deadline:
            time.sleep(0.2)
            with db() as session:
                _, beat = read(session, DISPATCH_HEARTBEAT)
        assert beat is not None, "the dispatch job ran"
        assert JOBS_TABLE in inspect(store_engine).get_table_names()
        with store_engine.connect() as connection:
            ids = set(connection.execute(text(f"select id from {JOBS_TABLE}")).scalars())
        assert ids == {"dispatch"}
    finally:
        jobs.stop()
        with store_engine.begin() as connection:
            connection.execute(text(f"drop table if exists {JOBS_TABLE}"))
