"""One event composed from fields (the API and the desk), checked exactly as a campaign file's
[[event]] is, with every problem named by its field ("start", "announce[1].at"), and queued with its
reminders through the same sync as campaign files.

A web event belongs to the web (the file-or-web rule of queue/sync.py): it cannot join a campaign a
file owns, and editing it here replaces its unsent reminders; a reminder it no longer has is
cancelled. Sent reminders are never touched.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from socialbot.access.roles import Action, Actor, authorize
from socialbot.config import Config
from socialbot.queue.campaign import Campaign, CampaignFile, plan_campaign
from socialbot.queue.compose import GRACE, ComposeError, Problem, field_problem
from socialbot.queue.errors import FilePostEdit
from socialbot.queue.occurrences import local_to_utc
from socialbot.queue.ops import KeyExists, owning_file
from socialbot.queue.sync import SyncResult, cancel_unsent, sync_campaign
from socialbot.store import Event, ScheduledPost
from socialbot.tomlfile import issue_from_pydantic


@dataclass
class EventRequest:
    """What an officer asks for: an event's fields and its reminders (announce entries as in files:
    {"at": "09:00 same day"}, {"before": "1h", "text": "…"}, {"at": "start"})."""

    title: str
    # Local times in the configured zone (naive).
    start: datetime
    targets: list[str]
    end: datetime | None = None
    location: str = ""
    online_url: str = ""
    description: str = ""
    group: str | None = None
    status: str = "confirmed"
    announce: list[dict[str, Any]] = field(default_factory=list)
    requires_approval: bool = False
    key: str | None = None
    campaign: str = "desk"


def compose_event(request: EventRequest, config: Config, now: datetime) -> Campaign:
    """The request planned as a one-event campaign; ComposeError lists every problem by field."""
    zone = config.timezone
    problems: list[Problem] = []
    due, _ = local_to_utc(request.start, zone)
    if due is not None and due < now - GRACE:
        problems.append(Problem("start", f"{request.start:%a %d %b %Y %H:%M} {zone.key} is in the past"))
    event: dict[str, Any] = {
        "key": request.key or f"event-{request.start:%Y%m%d-%H%M}-{secrets.token_hex(3)}",
        "title": request.title,
        "start": request.start,
        "location": request.location,
        "online_url": request.online_url,
        "description": request.description,
        "status": request.status,
        "announce": [{**entry, "requires_approval": request.requires_approval} for entry in request.announce],
    }
    if request.end is not None:
        event["end"] = request.end
    if request.group:
        event["group"] = request.group
    body = {"campaign": request.campaign, "timezone": zone.key, "targets": request.targets, "event": [event]}
    try:
        file = CampaignFile.model_validate(body)
    except ValidationError as exc:
        raise ComposeError(
            problems + [field_problem(issue_from_pydantic(e), "event") for e in exc.errors()]
        ) from exc
    campaign, issues = plan_campaign(Path(f"{request.campaign}.toml"), file, config)
    campaign.from_file = False
    problems += [field_problem(issue, "event") for issue in issues]
    if problems:
        raise ComposeError(problems)
    return campaign


def add_event(
    session: Session, campaign: Campaign, actor: Actor, replace: bool = False, now: datetime | None = None
) -> SyncResult:
    """Queue a composed one-event campaign: the event and its reminders; an event already queued
    with this key is changed only when replace is asked."""
    (planned,) = campaign.events
    name, key = campaign.file.campaign, planned.table.key
    existing = session.scalar(select(Event).where(Event.campaign == name, Event.key == key))
    authorize(actor, Action.EDIT if existing is not None else Action.COMPOSE)
    owned = owning_file(session, name) or session.scalar(
        select(Event.source_file).where(Event.campaign == name, Event.source_file.is_not(None)).limit(1)
    )
    if owned:
        raise FilePostEdit(
            f"queue: campaign {name!r} belongs to {owned}: add the event there, or use another campaign"
        )
    if existing is not None and not replace:
        raise KeyExists(f"queue: event {name}:{key} is queued already ({existing.title!r})")
    result = sync_campaign(session, campaign, actor=actor, keep_others=True, now=now)
    # Reminders the event no longer has: their unsent deliveries are cancelled.
    dropped = session.scalars(
        select(ScheduledPost)
        .where(
            ScheduledPost.campaign == name,
            ScheduledPost.key.startswith(f"{key}-", autoescape=True),
            ScheduledPost.key.not_in(planned.post_keys),
            ScheduledPost.source_file.is_(None),
        )
        .options(selectinload(ScheduledPost.deliveries))
    )
    for post in dropped:
        result.deliveries_cancelled += cancel_unsent(post)
    return result
