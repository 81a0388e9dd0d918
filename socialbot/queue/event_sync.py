"""A campaign's [[event]]s into the events table, idempotently by campaign + key: what subscribers'
calendars see changes only when the event does, and then its SEQUENCE goes up (RFC 5545 §3.8.7.4),
so every calendar that has it replaces the old copy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialbot.access.audit import record
from socialbot.access.roles import Actor
from socialbot.queue.campaign import Campaign
from socialbot.queue.occurrences import local_to_utc
from socialbot.store import Event
from socialbot.store.counters import EVENTS_VERSION, bump

# What a subscriber's calendar shows: a change to any of these is a new SEQUENCE.
SHOWN = ("title", "starts_at", "ends_at", "location", "online_url", "description", "status", "group_slug")


def sync_events(session: Session, campaign: Campaign, actor: Actor, prune: bool, now: datetime) -> list[str]:
    """Make the store's events match the campaign's; the keys of stored events no longer in it
    (cancelled with prune, so calendars learn of it; else left as they are)."""
    name = campaign.file.campaign
    stored = {
        e.key: e
        for e in session.scalars(select(Event).where(Event.campaign == name))
        # As for posts: a file's sync sees only its own events, the web's only the web's.
        if (e.source_file is not None) == campaign.from_file
    }
    changed = False
    for planned in campaign.events:
        table = planned.table
        wanted: dict[str, Any] = {
            "title": table.title,
            "starts_at": _utc(table.start, campaign),
            "ends_at": _utc(table.end, campaign) if table.end else None,
            "location": table.location,
            "online_url": table.online_url,
            "description": table.description,
            "status": table.status,
            "group_slug": table.group,
        }
        event = stored.pop(table.key, None)
        if event is None:
            event = Event(campaign=name, key=table.key, sequence=0, changed_at=now, **wanted)
            session.add(event)
            session.flush()
            record(session, actor, "event.create", "event", event.id, {}, _shown(wanted), campaign=name)
            changed = True
        else:
            before = {key: getattr(event, key) for key in SHOWN}
            if before != wanted:
                for key, value in wanted.items():
                    setattr(event, key, value)
                event.sequence += 1
                event.changed_at = now
                after = {"sequence": event.sequence, **_shown(wanted)}
                record(
                    session, actor, "event.update", "event", event.id, _shown(before), after, campaign=name
                )
                changed = True
        event.timezone = campaign.zone.key
        event.source_file = str(campaign.path) if campaign.from_file else None
        event.example = campaign.file.example
    if prune:
        for event in stored.values():
            if event.status != "cancelled":
                event.status, event.sequence, event.changed_at = "cancelled", event.sequence + 1, now
                record(
                    session,
                    actor,
                    "event.cancel",
                    "event",
                    event.id,
                    message="no longer in the campaign file",
                )
                changed = True
    if changed:
        bump(session, EVENTS_VERSION)
    return sorted(stored)


def _utc(local: datetime, campaign: Campaign) -> datetime:
    due, _ = local_to_utc(local.replace(tzinfo=None), campaign.zone)
    # plan_campaign refused times that do not exist or happen twice; this is a planned campaign.
    assert due is not None
    return due.astimezone(UTC)


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the audit trail keeps them (JSON)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
