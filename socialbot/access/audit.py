"""The audit trail: one event per change, written in the change's own transaction."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from socialbot.access.roles import Actor
from socialbot.store import AuditEvent


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    subject_type: str,
    subject_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
    **detail: Any,
) -> AuditEvent:
    """Add who did what to which thing, with what it was before and after; the caller commits it
    with the change, so either both are stored or neither is."""
    name = actor.name if isinstance(actor, Actor) else actor
    via = actor.via if isinstance(actor, Actor) else "system"
    event = AuditEvent(
        actor=name[:100],
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        detail={"via": via, "before": before or {}, "after": after or {}, **detail},
        message=message,
    )
    session.add(event)
    return event


def trail(session: Session, subjects: list[tuple[str, object]]) -> list[AuditEvent]:
    """Every event about these (subject_type, id) pairs, oldest first: what `queue show` and the desk's
    post page list."""
    wanted = or_(
        *(and_(AuditEvent.subject_type == kind, AuditEvent.subject_id == str(i)) for kind, i in subjects)
    )
    return list(session.scalars(select(AuditEvent).where(wanted).order_by(AuditEvent.at, AuditEvent.id)))


def describe(event: AuditEvent, zone: ZoneInfo) -> str:
    """One line for people: when, who (and how), what, and each field's before → after."""
    detail = event.detail or {}
    before, after = detail.get("before") or {}, detail.get("after") or {}
    changes = ", ".join(
        f"{key} {_short(before.get(key))} → {_short(after.get(key))}"
        for key in sorted(set(before) | set(after))
        if _short(before.get(key)) != _short(after.get(key))
    )
    via = f" ({detail['via']})" if detail.get("via") else ""
    parts = [
        f"{event.at.astimezone(zone):%d %b %H:%M:%S} {event.actor}{via}: {event.action}",
        changes,
        event.message,
    ]
    return " · ".join(p for p in parts if p)


def _short(value: object) -> str:
    text = "—" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"
