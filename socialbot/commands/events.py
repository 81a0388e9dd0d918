"""`socialbot events …`: the events campaign files have put in the store."""

from __future__ import annotations

import click

from socialbot.cli import App, pass_app
from socialbot.commands.tables import fitted_table
from socialbot.store.engine import session_factory


@click.group("events")
def events_group() -> None:
    """Rallies, fringe meetings and livestreams from campaign files ([[event]])."""


@events_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also the events of the last 90 days.")
@click.option("--group", metavar="SLUG", help="Only this group's events.")
@pass_app
def events_list(app: App, show_all: bool, group: str | None) -> None:
    """Events soonest first, in their local time: where, status, and the calendar's SEQUENCE."""
    from datetime import UTC, datetime

    from socialbot.errors import UsageError
    from socialbot.events.query import EventsError, listed_events

    with session_factory(app.engine)() as session:
        try:
            views = listed_events(session, datetime.now(UTC), group, upcoming_only=not show_all)
        except EventsError as exc:
            raise UsageError(f"socialbot: events list: {exc}") from exc
    rows = [
        (
            v.start.strftime("%a %d %b %Y %H:%M %Z"),
            f"{v.event.campaign}:{v.event.key}",
            v.event.status,
            str(v.event.sequence),
            v.event.title,
            v.event.location or v.event.online_url,
        )
        for v in views
    ]
    click.echo(fitted_table(["when (local)", "event", "status", "seq"], ["title", "where"], rows))
    click.echo(f"{len(rows)} events" + ("" if show_all else " (--all adds the last 90 days)"))
