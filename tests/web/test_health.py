"""/healthz on SQLite and PostgreSQL: unhealthy when deliveries are overdue or the dispatcher is silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from socialbot.store import Delivery
from socialbot.store.counters import DISPATCH_HEARTBEAT, bump
from socialbot.web.health import health
from tests.queue.test_sync import RALLY, sync


def test_healthy_with_nothing_queued(db: sessionmaker[Session]) -> None:
    healthy, report = health(db)
    assert healthy and report["status"] == "ok" and report["dispatcher"]["stale"] is False


def test_queued_work_and_no_dispatcher_is_unhealthy(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY)
    healthy, report = health(db)
    assert not healthy and report["dispatcher"]["stale"] is True
    with db.begin() as session:
        bump(session, DISPATCH_HEARTBEAT)
    healthy, report = health(db)
    assert healthy, report
    assert not health(db, now=datetime.now(UTC) + timedelta(seconds=45))[0], "a heartbeat 45 s old is stale"


def test_a_delivery_overdue_by_a_minute_is_unhealthy(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY.replace("requires_approval = true\n", ""))
    with db.begin() as session:
        bump(session, DISPATCH_HEARTBEAT)
        session.execute(update(Delivery).values(due_at=datetime.now(UTC) - timedelta(minutes=2)))
    healthy, report = health(db)
    assert not healthy and report["deliveries"]["overdue"] == 4
