"""Claiming due deliveries: one compare-and-set UPDATE, so two dispatchers never send the same one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from socialbot.store import Delivery, DeliveryState


def expire_missed(sessions: sessionmaker[Session], now: datetime) -> list[int]:
    """Scheduled deliveries past their not_after: expired, not sent late. Returns their ids."""
    with sessions.begin() as session:
        expired = session.scalars(
            update(Delivery)
            .where(
                Delivery.state == DeliveryState.SCHEDULED,
                Delivery.not_after.is_not(None),
                Delivery.not_after < now,
            )
            .values(
                state=DeliveryState.EXPIRED,
                updated_at=now,
                last_error="missed: not sent before its not_after deadline",
            )
            .returning(Delivery.id)
        ).all()
    return list(expired)


def claim_due(sessions: sessionmaker[Session], now: datetime, worker: str, limit: int = 100) -> list[int]:
    """Move up to limit due deliveries from scheduled to sending; only the ids this call won."""
    with sessions.begin() as session:
        due = session.scalars(
            select(Delivery.id)
            .where(Delivery.state == DeliveryState.SCHEDULED, Delivery.due_at <= now)
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
        ).all()
        if not due:
            return []
        # The state condition makes this a compare-and-set: a row another dispatcher claimed first
        # is no longer 'scheduled' and is not returned here.
        won = session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(due), Delivery.state == DeliveryState.SCHEDULED)
            .values(
                state=DeliveryState.SENDING,
                claimed_by=worker,
                claimed_at=now,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
            .returning(Delivery.id)
        ).all()
    return sorted(won)
