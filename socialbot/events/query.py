"""Which events the public outputs list, and what every renderer shows of one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialbot.events.clock import spoken_time
from socialbot.feed.query import FeedError
from socialbot.store import Event, Group

# An event without an end is taken to last this long (for "live now" and for what is past).
DEFAULT_LENGTH = timedelta(hours=2)
# Past events stay in the calendar file this long, so subscribers' calendars keep their history.
KEPT = timedelta(days=90)


class EventsError(FeedError):
    """A bad parameter (an unknown group or event): the message names it; valid lists the values it
    may take (the feed's own error, so both are answered alike)."""


@dataclass(frozen=True)
class EventView:
    """An event ready to render, its times in its own zone."""

    event: Event
    start: datetime
    end: datetime
    has_end: bool
    group_name: str

    @property
    def uid(self) -> str:
        """The calendar UID: stable for the event's whole life (campaign and key never change)."""
        return f"{self.event.campaign}-{self.event.key}@socialbot"

    @property
    def anchor(self) -> str:
        """The id of its entry on the /events page."""
        return f"event-{self.event.campaign}-{self.event.key}"

    @property
    def cancelled(self) -> bool:
        """Whether it was called off."""
        return self.event.status == "cancelled"

    def live(self, now: datetime) -> bool:
        """Whether it is on now (and not cancelled)."""
        return not self.cancelled and self.start <= now < self.end

    def when(self) -> str:
        """ "Sunday 26 September 2027, 5.30pm to 7pm BST"."""
        start, end = self.start, self.end
        day = f"{start:%A} {start.day} {start:%B %Y}"
        until = f" to {spoken_time(end)}" if self.has_end and end.date() == start.date() else ""
        return f"{day}, {spoken_time(start)}{until} {start:%Z}"


def view(event: Event, groups: dict[str, str]) -> EventView:
    """The view of an event."""
    zone = ZoneInfo(event.timezone)
    start = event.starts_at.astimezone(zone)
    end = (event.ends_at or event.starts_at + DEFAULT_LENGTH).astimezone(zone)
    return EventView(event, start, end, event.ends_at is not None, groups.get(event.group_slug or "", ""))


def listed_events(
    session: Session, now: datetime, group: str | None = None, upcoming_only: bool = True
) -> list[EventView]:
    """Events soonest first: those not yet over (upcoming_only), or also those of the last 90 days
    (for calendar files). Cancelled ones are listed too: people who saw them must learn of it."""
    groups = {slug: name for slug, name in session.execute(select(Group.slug, Group.name))}
    if group is not None and group not in groups:
        raise EventsError(f"group: no group {group!r}; groups: {', '.join(sorted(groups))}", sorted(groups))
    since = now - (DEFAULT_LENGTH if upcoming_only else KEPT)
    query = (
        select(Event).where(Event.starts_at >= since - timedelta(days=2)).order_by(Event.starts_at, Event.id)
    )
    if group is not None:
        query = query.where(Event.group_slug == group)
    views = [view(e, groups) for e in session.scalars(query)]
    if upcoming_only:
        views = [v for v in views if v.end > now]
    return views
