"""What officers do to the queue, from the CLI, the desk and the API alike: every change audited."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from socialbot.access.audit import record
from socialbot.access.roles import Action, Actor, authorize
from socialbot.queue.campaign import Campaign
from socialbot.queue.errors import FilePostEdit, QueueError
from socialbot.queue.occurrences import local_to_utc
from socialbot.queue.sync import UNSENT, SyncResult, refuse_edit_of_file_post, sync_campaign
from socialbot.store import AuditEvent, Delivery, DeliveryState, ScheduledPost

# The audit trail's verb for each action on deliveries; EDITS change what a file says.
ACTION_NAMES = {
    Action.APPROVE: "approve",
    Action.CANCEL: "cancel",
    Action.RETRY: "retry",
    Action.RESCHEDULE: "reschedule",
}
EDITS = {Action.RESCHEDULE, Action.EDIT}
RETRYABLE = {DeliveryState.FAILED, DeliveryState.UNKNOWN, DeliveryState.EXPIRED, DeliveryState.HELD}


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
    session: Session,
    ref: str,
    allowed: set[DeliveryState],
    action: Action,
    actor: Actor,
    apply: dict[str, object],
    verb: str = "",
    message: str = "",
) -> list[Delivery]:
    """Apply the change to each delivery of ref in an allowed state, after asking authorize (and the
    file-or-web rule, for edits); one audit event per delivery changed, with before and after."""
    changed = []
    verb = verb or ACTION_NAMES[action]
    for delivery in find(session, ref):
        post = delivery.scheduled_post
        authorize(actor, action, post)
        if action in EDITS:
            refuse_edit_of_file_post(post)
        if delivery.state not in allowed:
            continue
        before = {name: _shown(getattr(delivery, name)) for name in apply}
        for name, value in apply.items():
            setattr(delivery, name, value)
        after = {name: _shown(getattr(delivery, name)) for name in apply}
        record(session, actor, f"delivery.{verb}", "delivery", delivery.id, before, after, message=message)
        changed.append(delivery)
    if not changed:
        states = ", ".join(sorted(s.value for s in allowed))
        raise QueueError(f"queue: {verb}: no delivery of {ref!r} is in a state that allows it ({states})")
    return changed


def _shown(value: object) -> object:
    """A value as the audit trail keeps it (JSON): states by name, times in ISO 8601."""
    if isinstance(value, DeliveryState):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class KeyExists(QueueError):
    """A new post's key is taken by a post already queued."""


def owning_file(session: Session, campaign: str) -> str | None:
    """The campaign file whose posts make up this campaign, if one does (the file-or-web rule)."""
    return session.scalar(
        select(ScheduledPost.source_file)
        .where(ScheduledPost.campaign == campaign, ScheduledPost.source_file.is_not(None))
        .limit(1)
    )


def add_post(session: Session, campaign: Campaign, actor: Actor, replace: bool = False) -> SyncResult:
    """Queue a composed one-post campaign (queue/compose.py). A key already queued is changed only
    when replace is asked: its unsent deliveries follow the new post, sent ones are left alone."""
    (planned,) = campaign.posts
    name, key = campaign.file.campaign, planned.table.key
    existing = session.scalar(
        select(ScheduledPost).where(ScheduledPost.campaign == name, ScheduledPost.key == key)
    )
    authorize(actor, Action.EDIT if existing is not None else Action.COMPOSE)
    owned = owning_file(session, name)
    if owned:
        raise FilePostEdit(
            f"queue: campaign {name!r} belongs to {owned}: add the post there, or use another campaign"
        )
    if existing is not None:
        if not replace:
            raise KeyExists(f"queue: {name}:{key} is queued already ({existing.text[:60]!r})")
        refuse_edit_of_file_post(existing)
    return sync_campaign(session, campaign, actor=actor, keep_others=True)


def approve(session: Session, ref: str, actor: Actor, now: datetime | None = None) -> list[Delivery]:
    """pending_approval → scheduled, by an approver who did not queue the post (four-eyes)."""
    changed = _change(
        session,
        ref,
        {DeliveryState.PENDING_APPROVAL},
        Action.APPROVE,
        actor,
        {"state": DeliveryState.SCHEDULED},
    )
    for delivery in changed:
        delivery.scheduled_post.approved_by = actor.name
        delivery.scheduled_post.approved_at = now or datetime.now(UTC)
    return changed


def send_back(session: Session, ref: str, actor: Actor, note: str) -> list[Delivery]:
    """pending_approval → draft, with a note for the author (what to change); an approver who did not
    queue the post sends it back, and the author's next edit submits it for approval again."""
    note = note.strip()
    if not note:
        raise QueueError("queue: send back: say what should change (the author reads the note)")
    return _change(
        session,
        ref,
        {DeliveryState.PENDING_APPROVAL},
        Action.APPROVE,
        actor,
        {"state": DeliveryState.DRAFT},
        verb="send_back",
        message=note[:2000],
    )


def sent_back_note(session: Session, post: ScheduledPost) -> tuple[str, str] | None:
    """(who, note) of the latest send-back of a post whose deliveries are still drafts, or None."""
    if not any(d.state is DeliveryState.DRAFT for d in post.deliveries):
        return None
    ids = [str(d.id) for d in post.deliveries]
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == "delivery.send_back",
            AuditEvent.subject_type == "delivery",
            AuditEvent.subject_id.in_(ids),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return (event.actor, event.message) if event is not None else None


def cancel(session: Session, ref: str, actor: Actor) -> list[Delivery]:
    """Unsent (held included) → cancelled; what is sent or sending cannot be cancelled."""
    allowed = {*UNSENT, DeliveryState.HELD}
    return _change(session, ref, allowed, Action.CANCEL, actor, {"state": DeliveryState.CANCELLED})


def retry(session: Session, ref: str, actor: Actor, now: datetime | None = None) -> list[Delivery]:
    """failed, unknown, expired or held → scheduled, due now (an officer decided it should still go out)."""
    return _change(
        session,
        ref,
        RETRYABLE,
        Action.RETRY,
        actor,
        {"state": DeliveryState.SCHEDULED, "due_at": now or datetime.now(UTC), "not_after": None},
    )


def reschedule(session: Session, ref: str, local: datetime, zone: ZoneInfo, actor: Actor) -> list[Delivery]:
    """Unsent → due at a new local time ("it will go out at 7:30pm not 7pm"); a campaign file's post is
    moved in its file instead (the file-or-web rule, queue/sync.py)."""
    due, problem = local_to_utc(local, zone)
    if problem or due is None:
        raise QueueError(f"queue: reschedule: {problem}")
    changed = _change(session, ref, set(UNSENT), Action.RESCHEDULE, actor, {"due_at": due})
    for delivery in changed:
        if delivery.not_after is not None and delivery.not_after < due:
            delivery.not_after = None
    return changed
