"""The health check: the database answers, the dispatcher is alive, and nothing due is waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from socialbot.store import Delivery, DeliveryState
from socialbot.store.counters import DISPATCH_HEARTBEAT, read

# A delivery due longer ago than this is overdue; a heartbeat older than this is stale.
OVERDUE = timedelta(minutes=1)
STALE = timedelta(seconds=30)


def health(sessions: sessionmaker[Session], now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """(healthy, the report): unhealthy when the database fails, deliveries are overdue, or the
    dispatcher's heartbeat is stale while there is work for it."""
    now = now or datetime.now(UTC)
    try:
        with sessions() as session:
            session.execute(text("select 1"))
            _, beat = read(session, DISPATCH_HEARTBEAT)
            overdue = overdue_deliveries(session, now)
            queued = (
                session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.state.in_([DeliveryState.SCHEDULED, DeliveryState.SENDING]))
                )
                or 0
            )
            unknown = (
                session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.state == DeliveryState.UNKNOWN)
                )
                or 0
            )
    except Exception as exc:
        return False, {"status": "unhealthy", "database": str(exc).splitlines()[0]}
    stale = queued > 0 and (beat is None or now - beat > STALE)
    report: dict[str, Any] = {
        "database": "ok",
        "dispatcher": {"last_round": beat.isoformat() if beat else None, "stale": stale},
        "deliveries": {"queued": queued, "overdue": overdue, "unknown": unknown},
    }
    healthy = not stale and overdue == 0
    report["status"] = "ok" if healthy else "unhealthy"
    return healthy, report


def overdue_deliveries(session: Session, now: datetime) -> int:
    """Deliveries still scheduled more than OVERDUE after they were due."""
    overdue = select(func.count()).select_from(Delivery)
    return (
        session.scalar(
            overdue.where(Delivery.state == DeliveryState.SCHEDULED, Delivery.due_at < now - OVERDUE)
        )
        or 0
    )
