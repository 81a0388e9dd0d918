"""/desk/events/new: an event and its reminders from a form, through queue/event_compose.py (as the
API's POST /api/v1/events); problems at their fields, nothing queued; ?edit=campaign:key changes one
made here (a campaign file's events are edited in their file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from socialbot.queue.compose import ComposeError, Problem
from socialbot.queue.errors import QueueError
from socialbot.queue.event_compose import EventRequest, add_event, compose_event
from socialbot.store import Event, UserSession
from socialbot.web.desk.guard import (
    Desk,
    Refused,
    check_origin,
    check_session_token,
    signed_in,
    to_sign_in,
)

# The reminders the form offers: (field name, label, announce entry).
PRESETS = (
    ("morning", "That morning at 09:00", {"at": "09:00 same day", "key": "morning"}),
    ("hour_before", "One hour before", {"before": "1h", "key": "hour-before"}),
    ("start", "As it starts", {"at": "start", "key": "start"}),
)


@dataclass
class EventForm:
    """The form's values, as the officer left them."""

    title: str = ""
    day: str = ""
    start: str = ""
    end: str = ""
    location: str = ""
    online_url: str = ""
    description: str = ""
    group: str = ""
    targets: list[str] = field(default_factory=list)
    reminders: dict[str, str] = field(default_factory=dict)
    requires_approval: bool = False
    cancelled: bool = False
    key: str = ""
    campaign: str = "desk"

    @classmethod
    def read(cls, form: dict[str, Any], targets: list[str]) -> EventForm:
        """The posted fields (targets come as a list)."""
        return cls(
            title=form.get("title", "").strip(),
            day=form.get("day", ""),
            start=form.get("start", ""),
            end=form.get("end", ""),
            location=form.get("location", "").strip(),
            online_url=form.get("online_url", "").strip(),
            description=form.get("description", "").strip(),
            group=form.get("group", ""),
            targets=targets,
            reminders={n: form.get(f"{n}_text", "") for n, _, _ in PRESETS if form.get(n) == "on"},
            requires_approval=form.get("requires_approval") == "on",
            cancelled=form.get("cancelled") == "on",
            key=form.get("key", ""),
            campaign=form.get("campaign", "desk").strip() or "desk",
        )

    def request(self) -> tuple[EventRequest | None, list[Problem]]:
        """The EventRequest, or the problems reading the date and times."""
        try:
            day = date.fromisoformat(self.day)
            start = datetime.combine(day, time.fromisoformat(self.start))
            end = datetime.combine(day, time.fromisoformat(self.end)) if self.end else None
        except ValueError:
            return None, [Problem("start", "give the day (YYYY-MM-DD) and the start time (HH:MM)")]
        announce = []
        for name, _, entry in PRESETS:
            if name in self.reminders:
                text = self.reminders[name].strip()
                announce.append({**entry, **({"text": text} if text else {})})
        return (
            EventRequest(
                title=self.title,
                start=start,
                end=end,
                targets=self.targets,
                location=self.location,
                online_url=self.online_url,
                description=self.description,
                group=self.group or None,
                status="cancelled" if self.cancelled else "confirmed",
                announce=announce,
                requires_approval=self.requires_approval,
                key=self.key or None,
                campaign=self.campaign,
            ),
            [],
        )


def event_routes(desk: Desk) -> list[Route]:
    """/desk/events/new (GET, POST)."""

    def show(
        request: Request, current: UserSession, form: EventForm, problems: list[Problem], status: int = 200
    ) -> Response:
        return desk.page(
            request,
            "desk_event.html",
            status,
            current,
            form=form,
            problems=problems,
            presets=PRESETS,
            accounts=list(desk.config.accounts),
            groups=list(desk.config.groups),
            zone=desk.zone,
        )

    @desk.signed_in_page
    def page(request: Request, session: Session, current: UserSession) -> Response:
        ref = request.query_params.get("edit", "")
        if not ref:
            form = EventForm(targets=[a.key for a in desk.config.accounts if a.network != "facebook"])
            form.reminders = {"morning": "", "hour_before": "", "start": ""}
            return show(request, current, form, [])
        try:
            return show(request, current, _editable(session, ref, desk), [])
        except Refused as refused:
            return desk.refused(request, refused, current)

    async def submit(request: Request) -> Response:
        async with request.form(max_files=0, max_fields=100) as raw:
            targets = [t for t in raw.getlist("targets") if isinstance(t, str)]
            fields = {k: v for k, v in raw.items() if isinstance(v, str)}
        return await run_in_threadpool(decide, request, fields, targets)

    def decide(request: Request, form: dict[str, str], targets: list[str]) -> Response:
        event = EventForm.read(form, targets)
        event_request, problems = event.request()
        campaign = None
        if event_request is not None:
            try:
                campaign = compose_event(event_request, desk.config, datetime.now(UTC))
            except ComposeError as exc:
                problems = exc.problems
        if campaign is None:
            with desk.sessions.begin() as session:
                current = signed_in(session, request)
                if current is None:
                    return to_sign_in(request)
                try:
                    check_origin(request)
                    check_session_token(request, form)
                except Refused as refusal:
                    return desk.refused(request, refusal)
                return show(request, current, event, problems, 422)
        planned = campaign
        refused = desk.change(
            request,
            form,
            lambda session, actor: add_event(session, planned, actor, replace=bool(event.key)),
            {QueueError: 409},
        )
        anchor = f"event-{campaign.file.campaign}-{campaign.events[0].table.key}"
        return refused or RedirectResponse(f"/events#{anchor}", 303)

    return [
        Route("/desk/events/new", page, methods=["GET"]),
        Route("/desk/events/new", submit, methods=["POST"]),
    ]


def _editable(session: Session, ref: str, desk: Desk) -> EventForm:
    """The form for editing an event made on the desk or the API."""
    campaign, _, key = ref.partition(":")
    event = session.scalar(select(Event).where(Event.campaign == campaign, Event.key == key))
    if event is None:
        raise Refused(404, f"No event {ref!r}.")
    if event.source_file:
        raise Refused(409, f"{ref} comes from {event.source_file}: edit it there.")
    start = event.starts_at.astimezone(desk.zone)
    end = event.ends_at.astimezone(desk.zone) if event.ends_at else None
    return EventForm(
        title=event.title,
        day=f"{start:%Y-%m-%d}",
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}" if end else "",
        location=event.location,
        online_url=event.online_url,
        description=event.description,
        group=event.group_slug or "",
        targets=[a.key for a in desk.config.accounts if a.network != "facebook"],
        reminders={"morning": "", "hour_before": "", "start": ""},
        cancelled=event.status == "cancelled",
        key=event.key,
        campaign=event.campaign,
    )
