"""What officers do to the queue, from the CLI now and the admin page later: every change audited."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from socialbot.queue.campaign import Campaign, local_to_utc
from socialbot.queue.sync import UNSENT, SyncResult, sync_campaign
from socialbot.store import AuditEvent, Delivery, DeliveryState, ScheduledPost

RETRYABLE = {DeliveryState.FAILED, DeliveryState.UNKNOWN, DeliveryState.EXPIRED, DeliveryState.HELD}


class QueueError(LookupError):
    """A reference that names nothing, or a change the delivery's state does not allow."""


def in_due_order() -> Select[Delivery]:
    """Every delivery, soonest first, with its account, post and parts loaded (for listings)."""
    return (
        select(Delivery)
        .options(
            joinedload(Delivery.account),
            joinedload(Delivery.scheduled_post),
            selectinload(Delivery.parts),
        )
        .order_by(Delivery.due_at, Delivery.id)
    )


def find(session: Session, ref: str) -> list[Delivery]:
    """Deliveries by id ("42") or by post ("campaign:key": all its deliveries)."""
    query = select(Delivery).options(joinedload(Delivery.account), joinedload(Delivery.scheduled_post))
    if ref.isdigit():
        found = list(session.scalars(query.where(Delivery.id == int(ref))))
    elif ":" in ref:
        campaign, key = ref.split(":", 1)
        found = list(
            session.scalars(
                query.join(Delivery.scheduled_post)
                .where(ScheduledPost.campaign == campaign, ScheduledPost.key == key)
                .order_by(Delivery.due_at, Delivery.id)
            )
        )
    else:
        raise QueueError(f"queue: {ref!r}: give a delivery id or campaign:key (see `socialbot queue list`)")
    if not found:
        raise QueueError(f"queue: nothing matches {ref!r}; `socialbot queue list` shows ids and campaign:key")
    return found


def _change(
    session: Session, ref: str, allowed: set[DeliveryState], action: str, actor: str, apply: dict[str, object]
) -> list[Delivery]:
    changed = []
    for delivery in find(session, ref):
        if delivery.state not in allowed:
            continue
        before = delivery.state.value
        for name, value in apply.items():
            setattr(delivery, name, value)
        session.add(
            AuditEvent(
                actor=actor,
                action=f"delivery.{action}",
                subject_type="delivery",
                subject_id=str(delivery.id),
                detail={"from": before, "to": delivery.state.value},
            )
        )
        changed.append(delivery)
    if not changed:
        states = ", ".join(sorted(s.value for s in allowed))
        raise QueueError(f"queue: {action}: no delivery of {ref!r} is in a state that allows it ({states})")
    return changed


class KeyExists(QueueError):
    """A new post's key is taken by a post already queued."""


def add_post(session: Session, campaign: Campaign, actor: str, replace: bool = False) -> SyncResult:
    """Queue a composed one-post campaign (queue/compose.py). A key already queued is changed only
    when replace is asked: its unsent deliveries follow the new post, sent ones are left alone."""
    (planned,) = campaign.posts
    name, key = campaign.file.campaign, planned.table.key
    existing = session.scalar(
        select(ScheduledPost).where(ScheduledPost.campaign == name, ScheduledPost.key == key)
    )
    if existing is not None and not replace:
        raise KeyExists(f"queue: {name}:{key} is queued already ({existing.text[:60]!r})")
    return sync_campaign(session, campaign, actor=actor, keep_others=True)


def approve(session: Session, ref: str, actor: str) -> list[Delivery]:
    """pending_approval → scheduled."""
    changed = _change(
        session, ref, {DeliveryState.PENDING_APPROVAL}, "approve", actor, {"state": DeliveryState.SCHEDULED}
    )
    for delivery in changed:
        delivery.scheduled_post.approved_by = actor
        delivery.scheduled_post.approved_at = datetime.now(UTC)
    return changed


def cancel(session: Session, ref: str, actor: str) -> list[Delivery]:
    """Unsent → cancelled; what is sent or sending cannot be cancelled."""
    return _change(session, ref, set(UNSENT), "cancel", actor, {"state": DeliveryState.CANCELLED})


def retry(session: Session, ref: str, actor: str, now: datetime | None = None) -> list[Delivery]:
    """failed, unknown, expired or held → scheduled, due now (an officer decided it should still go out)."""
    return _change(
        session,
        ref,
        RETRYABLE,
        "retry",
        actor,
        {"state": DeliveryState.SCHEDULED, "due_at": now or datetime.now(UTC), "not_after": None},
    )


def reschedule(session: Session, ref: str, local: datetime, zone: ZoneInfo, actor: str) -> list[Delivery]:
    """Unsent → due at a new local time ("it will go out at 7:30pm not 7pm")."""
    due, problem = local_to_utc(local, zone)
    if problem or due is None:
        raise QueueError(f"queue: reschedule: {problem}")
    changed = _change(session, ref, set(UNSENT), "reschedule", actor, {"due_at": due})
    for delivery in changed:
        if delivery.not_after is not None and delivery.not_after < due:
            delivery.not_after = None
    return changed
