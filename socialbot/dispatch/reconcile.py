"""After a crash: every delivery found in 'sending' is settled before anything else is sent.

At most one part of a delivery can be in doubt (a part's id is stored before the next is sent).
The platform is asked whether that part's text was published since the delivery was claimed: if it
was, the part is recorded and the rest follow; if it surely was not, it is sent again; if the
platform cannot be asked, the delivery is marked unknown for an officer. Never twice, never lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.dispatch.alerts import Alerts
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.run import describe_deliveries
from socialbot.dispatch.send import load, parts_of, record_part
from socialbot.networks.base import NetworkError
from socialbot.store import AuditEvent, Delivery, DeliveryState

log = logging.getLogger("socialbot.dispatch")
# Platforms' clocks and ours differ a little; look a bit before the claim.
SLACK = timedelta(minutes=2)


@dataclass
class Reconciled:
    """What reconciliation decided for a delivery."""

    delivery_id: int
    decision: str  # recorded, resend, complete, unknown
    message: str = ""


def reconcile_sending(
    sessions: sessionmaker[Session], publishers: Publishers, now: datetime, alerts: Alerts | None = None
) -> list[Reconciled]:
    """Settle every delivery left in 'sending'; officers are alerted to each one left unknown."""
    with sessions() as session:
        ids = session.scalars(
            select(Delivery.id).where(Delivery.state == DeliveryState.SENDING).order_by(Delivery.id)
        ).all()
    settled = [_reconcile(sessions, delivery_id, publishers, now) for delivery_id in ids]
    unknown = [s for s in settled if s.decision == "unknown"]
    if alerts is not None and unknown:
        names = describe_deliveries(sessions, [s.delivery_id for s in unknown])
        for s in unknown:
            alerts.send(
                f"socialbot: a post may or may not have gone out ({names[s.delivery_id]})",
                f"{s.message}\n\nDelivery {s.delivery_id}: check the account, then `socialbot queue retry "
                f"{s.delivery_id}` or `socialbot queue cancel {s.delivery_id}`.",
            )
    return settled


def _reconcile(
    sessions: sessionmaker[Session], delivery_id: int, publishers: Publishers, now: datetime
) -> Reconciled:
    with sessions() as session:
        delivery = load(session, delivery_id)
        texts, done = parts_of(delivery), len(delivery.parts)
        since = (delivery.claimed_at or delivery.updated_at) - SLACK
        account = delivery.account.key
        in_flight = delivery.sending_part
    if done >= len(texts):
        return _settle(sessions, delivery_id, DeliveryState.SENT, now, "complete", "every part was recorded")
    if in_flight is None:
        # No part's request had left since the last recorded one: nothing to ask the platform.
        return _settle(
            sessions,
            delivery_id,
            DeliveryState.SCHEDULED,
            now,
            "resume",
            f"no part was in flight: part {done + 1} goes next",
        )
    try:
        found = publishers.get(account).find_recent(texts[done], since)
    except NetworkError as exc:
        message = (
            f"could not ask whether part {done + 1} was published ({exc}); "
            "check the account, then retry or cancel"
        )
        return _settle(sessions, delivery_id, DeliveryState.UNKNOWN, now, "unknown", message)
    if found is None:
        return _settle(
            sessions,
            delivery_id,
            DeliveryState.SCHEDULED,
            now,
            "resend",
            f"part {done + 1} was not published: sending it again",
        )
    record_part(sessions, delivery_id, done, found)
    state = DeliveryState.SENT if done + 1 >= len(texts) else DeliveryState.SCHEDULED
    return _settle(
        sessions,
        delivery_id,
        state,
        now,
        "recorded",
        f"part {done + 1} was already published ({found.external_id}): recorded, not sent again",
    )


def _settle(
    sessions: sessionmaker[Session],
    delivery_id: int,
    state: DeliveryState,
    now: datetime,
    decision: str,
    message: str,
) -> Reconciled:
    with sessions.begin() as session:
        delivery = load(session, delivery_id)
        delivery.state = state
        delivery.sending_part = None
        if state is DeliveryState.SCHEDULED:
            delivery.due_at = now
        if state is DeliveryState.SENT:
            delivery.sent_at = delivery.sent_at or now
            delivery.permalink = delivery.parts[0].permalink if delivery.parts else None
        delivery.last_error = message if state is DeliveryState.UNKNOWN else delivery.last_error
        session.add(
            AuditEvent(
                actor="reconcile",
                action=f"delivery.reconcile.{decision}",
                subject_type="delivery",
                subject_id=str(delivery_id),
                message=message,
            )
        )
    log.info("reconcile: delivery %d: %s", delivery_id, message)
    return Reconciled(delivery_id, decision, message)
