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
            counts = deliveries_by_state(session)
    except Exception as exc:
        return False, {"status": "unhealthy", "database": str(exc).splitlines()[0]}
    queued = counts[DeliveryState.SCHEDULED] + counts[DeliveryState.SENDING]
    unknown = counts[DeliveryState.UNKNOWN]
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


def deliveries_by_state(session: Session) -> dict[DeliveryState, int]:
    """How many deliveries are in each state, every state included (zero when none)."""
    counts = dict.fromkeys(DeliveryState, 0)
    for state, count in session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)):
        counts[state] = count
    return counts
