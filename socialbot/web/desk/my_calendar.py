"""/desk/calendar.ics: the signed-in officer's own schedule (the posts they queued, from 30 days ago
on) as an iCalendar file to import, one entry per post and time, linked to its page on the desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from socialbot.access.roles import Actor
from socialbot.store import Account, Delivery, DeliveryState, ScheduledPost, UserSession
from socialbot.web.desk.guard import Desk, actor_of

# Each entry lasts this long in the calendar (a post is an instant).
ENTRY = timedelta(minutes=15)


def my_schedule(session: Session, actor: Actor, base: str, now: datetime) -> bytes:
    """The officer's posts (not cancelled) as a calendar: a VEVENT per post and due time."""
    rows = session.execute(
        select(ScheduledPost.id, ScheduledPost.campaign, ScheduledPost.key, ScheduledPost.text)
        .add_columns(Delivery.due_at, Delivery.state, Account.key)
        .join(Delivery, Delivery.scheduled_post_id == ScheduledPost.id)
        .join(Account, Delivery.account_id == Account.id)
        .where(
            ScheduledPost.created_by == actor.name,
            Delivery.state != DeliveryState.CANCELLED,
            Delivery.due_at >= now - timedelta(days=30),
        )
        .order_by(Delivery.due_at, ScheduledPost.id, Account.key)
    ).all()
    grouped: dict[tuple[int, datetime], list[tuple[str, str]]] = {}
    texts: dict[int, tuple[str, str]] = {}
    for post_id, campaign, key, text, due, state, account in rows:
        grouped.setdefault((post_id, due), []).append((account, state.value))
        texts[post_id] = (f"{campaign}:{key}", text)
    calendar = Calendar()
    calendar.add("prodid", "-//socialbot//desk//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"socialbot: posts queued by {actor.name}")
    for (post_id, due), accounts in grouped.items():
        ref, text = texts[post_id]
        entry = CalendarEvent()
        entry.add("uid", f"post-{post_id}-{due:%Y%m%dT%H%M%SZ}@socialbot-desk")
        entry.add("dtstamp", now)
        entry.add("dtstart", due.astimezone(UTC))
        entry.add("dtend", due.astimezone(UTC) + ENTRY)
        entry.add("summary", f"{ref} ({', '.join(f'{a}: {s}' for a, s in accounts)})")
        entry.add("description", text)
        entry.add("url", f"{base}/desk/posts/{ref}")
        calendar.add_component(entry)
    return bytes(calendar.to_ical())


def my_calendar_routes(desk: Desk) -> list[Route]:
    """/desk/calendar.ics."""

    @desk.signed_in_page
    def download(request: Request, session: Session, current: UserSession) -> Response:
        base = str(request.base_url).rstrip("/")
        body = my_schedule(session, actor_of(current), base, datetime.now(UTC))
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": 'attachment; filename="my-socialbot-posts.ics"',
            },
        )

    return [Route("/desk/calendar.ics", download, methods=["GET"])]
