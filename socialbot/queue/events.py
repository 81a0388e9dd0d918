"""[[event]] in campaign files: a rally, a fringe meeting or a livestream, and the reminder posts made
from it ([[event.announce]]).

A reminder is an ordinary post of the campaign (key `EVENT-LABEL`), planned and validated like any
other, so dispatch knows nothing new; its time follows the event's, so moving the event moves its
unsent reminders at the next sync, and cancelling the event cancels them (sent ones are never
touched: queue/sync.py). Times are local, with the same clock-change rules as posts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from socialbot.config import parse_duration
from socialbot.events.clock import spoken_time
from socialbot.queue.keys import StableKey
from socialbot.tomlfile import ConfigIssue, Strict, issue_from_pydantic

# "09:00 same day", "18:30 day before", "start", "end".
AT = re.compile(r"^(?:(?P<clock>\d{1,2}:\d{2}) (?P<day>same day|day before)|(?P<edge>start|end))$")
FIELD = re.compile(r"\{(\w+)\}")
FIELDS = ("title", "date", "time", "end_time", "location", "online_url", "description")
KNOWN = ", ".join("{" + name + "}" for name in FIELDS)


class AnnounceTable(Strict):
    """[[event.announce]]: one reminder post made from the event."""

    at: str | None = None
    before: str | None = None
    text: str = ""
    key: str | None = None
    targets: list[str] | None = None
    requires_approval: bool | None = None


class CancelNoticeTable(Strict):
    """[event.cancel_notice]: posted only when the event is cancelled."""

    at: datetime
    text: str = Field(min_length=1)


class EventTable(Strict):
    """[[event]]: when and where, and what to post about it."""

    key: StableKey
    title: str = Field(min_length=1, max_length=200)
    start: datetime
    end: datetime | None = None
    location: str = ""
    online_url: str = ""
    description: str = ""
    group: str | None = None
    status: Literal["confirmed", "cancelled"] = "confirmed"
    announce: list[AnnounceTable] = Field(default_factory=list)
    cancel_notice: CancelNoticeTable | None = None

    @field_validator("online_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not re.match(r"^https?://\S+$", value):
            raise ValueError(f"online_url {value!r} must be an http(s) address")
        return value


@dataclass
class Reminder:
    """A post made from an event: the post table's fields, and where in the file it came from."""

    fields: dict[str, Any]
    where: tuple[str | int, ...]
    cancelled: bool = False


@dataclass
class PlannedEvent:
    """An event of a campaign, with the keys of the posts made from it."""

    table: EventTable
    index: int
    post_keys: list[str] = field(default_factory=list)


def event_values(event: EventTable) -> dict[str, str]:
    """What a reminder's text may use: {title}, {date}, {time}, {end_time}, {location}, {online_url},
    {description}."""
    start = event.start
    return {
        "title": event.title,
        "date": f"{start:%A} {start.day} {start:%B}",
        "time": spoken_time(start),
        "end_time": spoken_time(event.end) if event.end else "",
        "location": event.location,
        "online_url": event.online_url,
        "description": event.description,
    }


def fill(template: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """template with {field}s filled in, and the unknown field names found."""
    unknown = [name for name in FIELD.findall(template) if name not in values]
    return FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template), unknown


def default_text(event: EventTable, announce: AnnounceTable) -> str:
    """The reminder's text when the file gives none."""
    place = f" at {event.location}" if event.location else ""
    link = f" {event.online_url}" if event.online_url else ""
    if announce.at == "start":
        return f"Starting now: {event.title}{place}.{link}"
    if announce.at == "end":
        return f"Thank you for joining {event.title}."
    if announce.before:
        return (
            f"In {describe_duration(parse_duration(announce.before))}: {event.title}, {{time}}{place}.{link}"
        )
    if announce.at and announce.at.endswith("day before"):
        return f"Tomorrow: {event.title}, {{time}}{place}.{link}"
    return f"Today: {event.title}, {{time}}{place}.{link}"


def describe_duration(seconds: int) -> str:
    """ "one hour", "30 minutes", "2 days"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"one {unit}" if n == 1 else f"{n} {unit}s"
    return f"{seconds} seconds"


def reminder_time(event: EventTable, announce: AnnounceTable) -> tuple[datetime | None, str, str | None]:
    """(local time, label for the key, problem) of one announce entry."""
    if (announce.at is None) == (announce.before is None):
        return None, "", 'give at ("09:00 same day", "18:00 day before", "start", "end") or before ("1h")'
    if announce.before is not None:
        try:
            seconds = parse_duration(announce.before)
        except ValueError as exc:
            return None, "", str(exc)
        label = "before-" + announce.before.replace(" ", "").lower()
        return event.start - timedelta(seconds=seconds), label, None
    found = AT.match(announce.at or "")
    if found is None:
        return None, "", f'at {announce.at!r}: write "HH:MM same day", "HH:MM day before", "start" or "end"'
    if found["edge"] == "start":
        return event.start, "start", None
    if found["edge"] == "end":
        if event.end is None:
            return None, "", 'at = "end" needs the event\'s end'
        return event.end, "end", None
    hour, minute = (int(n) for n in found["clock"].split(":"))
    if hour > 23 or minute > 59:
        return None, "", f"at {announce.at!r}: {found['clock']} is not a time of day"
    day = event.start.date() - (timedelta(days=1) if found["day"] == "day before" else timedelta(0))
    label = f"at-{hour:02d}{minute:02d}" + ("-day-before" if found["day"] == "day before" else "")
    return datetime.combine(day, time(hour, minute)), label, None


def reminders(event: EventTable, index: int, issues: list[ConfigIssue]) -> list[Reminder]:
    """The posts made from one event (its cancellation notice when cancelled), problems by path."""
    where: tuple[str | int, ...] = ("event", index)
    if event.end is not None and event.end <= event.start:
        issues.append(ConfigIssue((*where, "end"), "end must be after start"))
    values = event_values(event)
    made: list[Reminder] = []
    cancelled = event.status == "cancelled"
    for n, announce in enumerate(event.announce):
        at_path = (*where, "announce", n)
        local, label, problem = reminder_time(event, announce)
        if problem or local is None:
            issues.append(ConfigIssue((*at_path, "at"), problem or "no time"))
            continue
        text, unknown = fill(announce.text or default_text(event, announce), values)
        if unknown:
            issues.append(
                ConfigIssue(
                    (*at_path, "text"),
                    f"unknown field {{{unknown[0]}}}; a reminder may use {KNOWN}",
                )
            )
        if local > event.start and announce.at != "end":
            issues.append(
                ConfigIssue((*at_path, "at"), "a reminder before the event cannot come after its start")
            )
        deadline = (
            (event.end or event.start + timedelta(hours=1))
            if announce.at in ("start", "end")
            else event.start
        )
        fields: dict[str, Any] = {
            "key": f"{event.key}-{announce.key or label}",
            "at": local,
            "text": text,
            "not_after": deadline,
        }
        if announce.targets is not None:
            fields["targets"] = announce.targets
        if announce.requires_approval is not None:
            fields["requires_approval"] = announce.requires_approval
        made.append(Reminder(fields, at_path, cancelled))
    if event.cancel_notice is not None:
        text, unknown = fill(event.cancel_notice.text, values)
        if unknown:
            issues.append(ConfigIssue((*where, "cancel_notice", "text"), f"unknown field {{{unknown[0]}}}"))
        notice = {"key": f"{event.key}-cancelled", "at": event.cancel_notice.at, "text": text}
        made.append(Reminder(notice, (*where, "cancel_notice"), not cancelled))
    return made


def validated_post(reminder: Reminder, model: Any, issues: list[ConfigIssue]) -> Any | None:
    """The reminder as a PostTable (model), or None with its problems added at the announce entry."""
    try:
        return model.model_validate(reminder.fields)
    except ValidationError as exc:
        for error in exc.errors():
            issue = issue_from_pydantic(error)
            issues.append(ConfigIssue((*reminder.where, *issue.path), issue.message))
        return None
