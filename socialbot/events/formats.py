"""The events as an iCalendar file (RFC 5545, through the icalendar package) and as JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from jinja2 import Environment

from socialbot.events.query import EventView


def render_ics(views: list[EventView], meta: dict[str, Any]) -> bytes:
    """A calendar people subscribe to: one VEVENT per event with a stable UID and a SEQUENCE that
    rises with each change, STATUS:CANCELLED when called off, local times with their VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", "-//socialbot//events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", meta["title"])
    calendar.add("x-wr-timezone", meta["zone"])
    # Subscribed calendars are asked again about every hour.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for v in views:
        event = v.event
        entry = CalendarEvent()
        entry.add("uid", v.uid)
        entry.add("dtstamp", event.changed_at.astimezone(UTC))
        entry.add("last-modified", event.changed_at.astimezone(UTC))
        entry.add("created", event.created_at.astimezone(UTC))
        entry.add("sequence", event.sequence)
        entry.add("dtstart", v.start)
        entry.add("dtend", v.end)
        entry.add("summary", event.title)
        entry.add("status", "CANCELLED" if v.cancelled else "CONFIRMED")
        if event.location:
            entry.add("location", event.location)
        description = "\n\n".join(p for p in (event.description, event.online_url) if p)
        if description:
            entry.add("description", description)
        entry.add("url", event.online_url or f"{meta['base']}/events#{v.anchor}")
        if v.group_name:
            entry.add("categories", [v.group_name])
        calendar.add_component(entry)
    if views:
        calendar.add_missing_timezones(
            first_date=min(v.start.date() for v in views) - timedelta(days=366),
            last_date=max(v.end.date() for v in views) + timedelta(days=366),
        )
    else:
        calendar.add_missing_timezones(first_date=date(2026, 1, 1), last_date=date(2038, 1, 1))
    return bytes(calendar.to_ical())


def event_json(v: EventView, base: str) -> dict[str, Any]:
    """One event as JSON (what the embed reads): times in ISO 8601 with their offset."""
    event = v.event
    return {
        "id": v.uid,
        "url": f"{base}/events#{v.anchor}",
        "title": event.title,
        "start": v.start.isoformat(),
        "end": v.end.isoformat() if v.has_end else None,
        "when": v.when(),
        "timezone": event.timezone,
        "location": event.location,
        "online_url": event.online_url or None,
        "description": event.description,
        "group": event.group_slug,
        "group_name": v.group_name or None,
        "status": event.status,
        "sequence": event.sequence,
        "calendar_url": f"{base}/events.ics",
    }


def render_events_json(views: list[EventView], meta: dict[str, Any], now_zone: ZoneInfo) -> bytes:
    """The upcoming events as JSON, soonest first."""
    body = {
        "title": meta["title"],
        "home_page_url": f"{meta['base']}/events",
        "calendar_url": f"{meta['base']}/events.ics",
        "timezone": now_zone.key,
        "events": [event_json(v, meta["base"]) for v in views],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def render_events_page(
    views: list[EventView], meta: dict[str, Any], now: datetime, zone: ZoneInfo, templates: Environment
) -> bytes:
    """The accessible, script-free page: upcoming events grouped by their local day."""
    days: dict[str, list[EventView]] = {}
    for v in views:
        days.setdefault(f"{v.start:%A} {v.start.day} {v.start:%B %Y}", []).append(v)
    page = templates.get_template("events.html").render(
        days=days, meta=meta, now=now, zone=zone, title=meta["title"]
    )
    return page.encode()
