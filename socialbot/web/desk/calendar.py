"""/desk/calendar: every delivery by day in local time, a month or a week at a time, coloured by state
and by campaign, filtered by campaign, account and state; each links to its post. Campaign events
are shown beside them (unless narrowed to an account or a state), each linked to its public entry.

Days are local days: a day's bounds are its local midnights converted to UTC one by one, so the day
the clocks change is 23 or 25 hours long and a 09:00 post stays on its own day across the change.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from socialbot.store import Account, Delivery, DeliveryState, Event, ScheduledPost, UserSession
from socialbot.web.desk.guard import Desk

# How many entries a day of the month view shows before "+N more" (the week view shows them all).
MONTH_DAY_ENTRIES = 6
CAMPAIGN_COLOURS = 8


# The state an entry is coloured by: the one most in need of an officer's eye first.
SHOWN_STATE = (
    "failed",
    "unknown",
    "held",
    "expired",
    "pending_approval",
    "draft",
    "sending",
    "scheduled",
    "sent",
)


@dataclass
class Entry:
    """One post at one time on a day: how many of its deliveries are in each state."""

    ref: str
    campaign: str
    local: datetime
    text: str
    states: dict[str, int] = field(default_factory=dict)
    # An event (campaign files' [[event]]) rather than a post: linked to its entry on /events.
    event: bool = False
    cancelled: bool = False

    @property
    def href(self) -> str:
        """Where the entry links: the post's page, or the event on /events."""
        campaign, key = self.ref.split(":", 1)
        return f"/events#event-{campaign}-{key}" if self.event else f"/desk/posts/{quote(self.ref)}"

    @property
    def count(self) -> int:
        """How many deliveries (accounts) the entry stands for."""
        return sum(self.states.values())

    @property
    def state(self) -> str:
        """The state the entry is coloured by."""
        if self.event:
            return "event-cancelled" if self.cancelled else "event"
        return next((s for s in SHOWN_STATE if self.states.get(s)), "cancelled")

    @property
    def colour(self) -> int:
        """The campaign's colour (one of CAMPAIGN_COLOURS, the same on every page)."""
        return zlib.crc32(self.campaign.encode()) % CAMPAIGN_COLOURS


@dataclass(frozen=True)
class Filters:
    """What the calendar is narrowed to ("" for all)."""

    campaign: str = ""
    account: str = ""
    state: str = ""


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day starts."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def span(view: str, day: date) -> tuple[date, date]:
    """The first and last day shown: whole weeks from Monday, around the month or the week of day."""
    if view == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start - timedelta(days=start.weekday()), end + timedelta(days=6 - end.weekday())


def entries(
    session: Session, zone: ZoneInfo, first: date, last: date, filters: Filters
) -> dict[date, list[Entry]]:
    """Each local day's entries between first and last (inclusive), in time order.

    One row per post and time, its deliveries counted by state in the query: a busy month is
    thousands of deliveries, and bench/desk.py measured a row per delivery at twice the page's time.
    """
    counts = [func.count().filter(Delivery.state == state).label(state.value) for state in DeliveryState]
    query = (
        select(
            Delivery.due_at,
            ScheduledPost.campaign,
            ScheduledPost.key,
            func.substr(ScheduledPost.text, 1, 80).label("text"),
            *counts,
        )
        .join(ScheduledPost, Delivery.scheduled_post_id == ScheduledPost.id)
        .where(
            Delivery.due_at >= local_midnight(first, zone),
            Delivery.due_at < local_midnight(last + timedelta(days=1), zone),
        )
        .group_by(Delivery.due_at, ScheduledPost.id)
        .order_by(Delivery.due_at, ScheduledPost.id)
    )
    if filters.campaign:
        query = query.where(ScheduledPost.campaign == filters.campaign)
    if filters.account:
        query = query.join(Account, Delivery.account_id == Account.id).where(Account.key == filters.account)
    if filters.state:
        query = query.where(Delivery.state == DeliveryState(filters.state))
    days: dict[date, list[Entry]] = defaultdict(list)
    names = [state.value for state in DeliveryState]
    for due, campaign, key, text, *counted in session.connection().execute(query):
        local = due.astimezone(zone)
        states = {name: n for name, n in zip(names, counted, strict=True) if n}
        days[local.date()].append(Entry(f"{campaign}:{key}", campaign, local, text or "", states))
    if not filters.account and not filters.state:
        for day, found in event_entries(session, zone, first, last, filters.campaign).items():
            days[day] = sorted([*days.get(day, []), *found], key=lambda e: (e.local, not e.event))
    return days


def event_entries(
    session: Session, zone: ZoneInfo, first: date, last: date, campaign: str
) -> dict[date, list[Entry]]:
    """The events starting on each local day between first and last (of one campaign, if given)."""
    query = select(Event).where(
        Event.starts_at >= local_midnight(first, zone),
        Event.starts_at < local_midnight(last + timedelta(days=1), zone),
    )
    if campaign:
        query = query.where(Event.campaign == campaign)
    days: dict[date, list[Entry]] = defaultdict(list)
    for event in session.scalars(query.order_by(Event.starts_at)):
        local = event.starts_at.astimezone(zone)
        where = event.location or event.online_url
        text = f"{event.title}" + (f" ({where})" if where else "")
        entry = Entry(f"{event.campaign}:{event.key}", event.campaign, local, text[:80], event=True)
        entry.cancelled = event.status == "cancelled"
        days[local.date()].append(entry)
    return days


def calendar_routes(desk: Desk) -> list[Route]:
    """/desk/calendar."""

    @desk.signed_in_page
    def page(request: Request, session: Session, current: UserSession) -> Response:
        params = request.query_params
        view = "week" if params.get("view") == "week" else "month"
        today = datetime.now(UTC).astimezone(desk.zone).date()
        try:
            day = date.fromisoformat(params.get("day", "")) if params.get("day") else today
        except ValueError:
            day = today
        states = [s.value for s in DeliveryState]
        filters = Filters(
            params.get("campaign", ""),
            params.get("account", ""),
            params.get("state", "") if params.get("state", "") in states else "",
        )
        first, last = span(view, day)
        found = entries(session, desk.zone, first, last, filters)
        campaigns = sorted(set(session.scalars(select(ScheduledPost.campaign).distinct())))
        if view == "week":
            earlier, later = day - timedelta(days=7), day + timedelta(days=7)
        else:
            earlier = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
            later = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        weeks = [
            [first + timedelta(days=7 * w + d) for d in range(7)]
            for w in range(((last - first).days + 1) // 7)
        ]
        return desk.page(
            request,
            "desk_calendar.html",
            current=current,
            view=view,
            day=day,
            today=today,
            weeks=weeks,
            entries=found,
            earlier=earlier,
            later=later,
            filters=filters,
            campaigns=campaigns,
            accounts=[a.key for a in desk.config.accounts],
            states=states,
            per_day=MONTH_DAY_ENTRIES if view == "month" else None,
            zone=desk.zone,
        )

    return [Route("/desk/calendar", page, methods=["GET"])]
