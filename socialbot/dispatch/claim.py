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


def claim_due(
    sessions: sessionmaker[Session], now: datetime, worker: str, limit: int = 8, per_account: int = 2
) -> list[int]:
    """Move up to limit due deliveries (per_account of each account at most) from scheduled to
    sending; only the ids this call won.

    A small batch, what this dispatcher starts at once: every claimed delivery is one that a crash
    leaves in 'sending' to settle, so claiming hundreds ahead made a crash-looping dispatcher spend
    its life reconciling (it stalled at 265 of 300).
    """
    with sessions.begin() as session:
        candidates = session.execute(
            select(Delivery.id, Delivery.account_id)
            .where(Delivery.state == DeliveryState.SCHEDULED, Delivery.due_at <= now)
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit * 50)
        ).all()
        taken: dict[int, int] = {}
        due = []
        for delivery_id, account_id in candidates:
            if taken.get(account_id, 0) < per_account:
                taken[account_id] = taken.get(account_id, 0) + 1
                due.append(delivery_id)
                if len(due) >= limit:
                    break
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
