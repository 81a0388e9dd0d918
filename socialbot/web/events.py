"""Public routes for the network's events: /events (a page that works without script), /events.ics
(subscribe in any calendar app), /events.json (what the events embed reads); each with ?group=,
cached per change of the events and answered conditionally like the feed."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from socialbot.config import FeedTable
from socialbot.events.formats import render_events_json, render_events_page, render_ics
from socialbot.events.query import EventsError, listed_events
from socialbot.store.counters import EVENTS_VERSION
from socialbot.web.cache import Built, FeedCache
from socialbot.web.feed import bad_request
from socialbot.web.security import CORS_OPEN

KINDS = {
    "html": "text/html; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "json": "application/json",
}
# What is upcoming or live changes with the clock: pages and JSON are rebuilt at least this often.
TIME_BUCKET = 60


class EventsSite:
    """The events' routes over one store."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: FeedTable, templates: Environment, zone: ZoneInfo
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.templates = templates
        self.zone = zone
        self.cache = FeedCache(sessions, EVENTS_VERSION)

    def routes(self) -> list[Route]:
        """/events, /events.ics and /events.json."""
        return [
            Route("/events", self.endpoint("html")),
            Route("/events.ics", self.endpoint("ics")),
            Route("/events.json", self.endpoint("json")),
        ]

    def endpoint(self, kind: str) -> Any:
        async def serve(request: Request) -> Response:
            group = request.query_params.get("group") or None
            # One event's entry (the page's "Add to calendar"), as campaign:key.
            one = request.query_params.get("event") or None if kind == "ics" else None
            base = self.settings.base_url or str(request.base_url).rstrip("/")
            bucket = 0 if kind == "ics" else int(time.time() // TIME_BUCKET)
            key = ("events", kind, base, group, one, bucket)
            try:
                built = self.cache.peek(key)
                if built is None:
                    built = await run_in_threadpool(
                        self.cache.get, key, lambda: self.build(kind, group, base, one)
                    )
            except EventsError as exc:
                return self.bad_request(kind, exc)
            return self.respond(request, built, kind)

        return serve

    def build(self, kind: str, group: str | None, base: str, one: str | None = None) -> tuple[bytes, str]:
        """One response body."""
        now = datetime.now(UTC)
        with self.sessions() as session:
            views = listed_events(session, now, group, upcoming_only=kind != "ics")
        if one is not None:
            views = [v for v in views if f"{v.event.campaign}:{v.event.key}" == one]
            if not views:
                raise EventsError(f"event: no event {one!r} in the calendar; /events lists them")
        meta = {
            "title": f"{self.settings.title}: events",
            "base": base,
            "zone": self.zone.key,
            "group": group,
        }
        if kind == "ics":
            return render_ics(views, meta), KINDS[kind]
        if kind == "json":
            return render_events_json(views, meta, self.zone), KINDS[kind]
        return render_events_page(views, meta, now, self.zone, self.templates), KINDS[kind]

    def bad_request(self, kind: str, error: EventsError) -> Response:
        """400 naming the parameter (problem JSON for the JSON, which the embed shows)."""
        return bad_request(error, kind == "json", CORS_OPEN if kind != "html" else {})

    def respond(self, request: Request, built: Built, kind: str) -> Response:
        """The built body, or 304 when the client holds the same version."""
        headers = {
            "ETag": built.etag,
            "Last-Modified": built.last_modified,
            "Cache-Control": f"public, max-age={min(self.settings.cache_max_age, TIME_BUCKET)}, "
            f"stale-while-revalidate={self.settings.stale_while_revalidate}",
            **(CORS_OPEN if kind != "html" else {}),
        }
        if kind == "ics":
            headers["Content-Disposition"] = 'inline; filename="events.ics"'
        if built.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(built.body, media_type=built.media_type, headers=headers)
