"""Deliveries that must never reach a real platform are held at their due time, with the reason.

Outside a sandbox, a placeholder account, an account whose credential is one of the sandbox's
fakes, and an example campaign's post are not sent: the request never leaves. A held delivery
stays in the store with its reason, shown by `queue list` and alerted, until an officer retries it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from socialbot.dispatch.publishers import Publishers
from socialbot.networks.credentials import publishing_blocker
from socialbot.store import Account, AuditEvent, Delivery, DeliveryState, ScheduledPost


def hold_unpublishable(sessions: sessionmaker[Session], publishers: Publishers, now: datetime) -> list[int]:
    """Hold the due deliveries that must not reach a real platform; their ids."""
    if publishers.sandbox_url or publishers.dry_run:
        return []
    blocked = {
        account.key: reason
        for account in publishers.config.accounts
        if (reason := publishing_blocker(account, publishers.env)) is not None
    }
    held = []
    with sessions.begin() as session:
        rows = session.execute(
            select(Delivery.id, Account.key, ScheduledPost.campaign, ScheduledPost.example)
            .join(Account, Delivery.account_id == Account.id)
            .join(ScheduledPost, Delivery.scheduled_post_id == ScheduledPost.id)
            .where(
                Delivery.state == DeliveryState.SCHEDULED,
                Delivery.due_at <= now,
                or_(Account.key.in_(blocked), ScheduledPost.example),
            )
        ).all()
        for delivery_id, account, campaign, example in rows:
            reason = (
                f"campaign {campaign!r} is an example (example = true): it is sent only to a sandbox"
                if example
                else blocked[account]
            )
            # Compare-and-set, as a claim is: a delivery another dispatcher took is left to it.
            won = session.scalar(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.state == DeliveryState.SCHEDULED)
                .values(state=DeliveryState.HELD, last_error=f"held: {reason}", updated_at=now)
                .returning(Delivery.id)
            )
            if won is not None:
                session.add(
                    AuditEvent(
                        actor="dispatch",
                        action="delivery.held",
                        subject_type="delivery",
                        subject_id=str(delivery_id),
                        detail={"from": "scheduled", "to": "held"},
                        message=reason,
                    )
                )
                held.append(delivery_id)
    return held
