"""The audit trail: one event per change, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

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
