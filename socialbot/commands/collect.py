"""`socialbot collect` and `socialbot sources`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import click
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.cli import App, pass_app
from socialbot.collect.summary import STATUSES
from socialbot.errors import SocialbotError
from socialbot.networks import NETWORKS
from socialbot.store import Source
from socialbot.store.engine import session_factory


@click.command("collect")
@click.option("--group", metavar="SLUG", help="Only this group's sources (due or not).")
@click.option("--source", "source_id", type=int, metavar="ID", help="Only this source (due or not).")
@click.option(
    "--sandbox", "sandbox", metavar="URL", help="Collect from the sandbox [env SOCIALBOT_SANDBOX_URL]."
)
@click.option("--dry-run", is_flag=True, help="Fetch and count, but store nothing.")
@pass_app
def collect(app: App, group: str | None, source_id: int | None, sandbox: str | None, dry_run: bool) -> None:
    """Run one collection round over the due sources, then print a summary."""
    from rich.progress import Progress

    from socialbot.collect.round import collect_round
    from socialbot.collect.summary import round_tables
    from socialbot.networks.routing import sandbox_url

    sessions = session_factory(app.engine)
    console = Console(stderr=True)
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("collecting", total=None)
        report = collect_round(
            sessions,
            app.config,
            sandbox_url=sandbox or sandbox_url(),
            group=group,
            source_id=source_id,
            dry_run=dry_run,
            progress=lambda outcome: progress.advance(bar),
        )
    if not report.outcomes:
        click.echo(nothing_due(sessions, group, source_id))
        return
    for table in round_tables(report):
        Console().print(table)
    if report.outcomes and report.count("error", "rate_limited", "parked") == len(report.outcomes):
        raise SocialbotError("socialbot: collect: every source failed; see the reasons above")


def nothing_due(sessions: sessionmaker[Session], group: str | None, source_id: int | None) -> str:
    """What to say when a round found no source to collect: which is due next, and how to force one."""
    from socialbot.store import Group

    with sessions() as session:
        if group is not None or source_id is not None:
            asked = f"--group {group}" if group else f"--source {source_id}"
            return f"collect: no enabled source matches {asked}; `socialbot sources` lists them"
        upcoming = session.execute(
            select(Source.next_attempt_at, Group.slug, Source.locator)
            .join(Group)
            .where(Source.enabled, Group.enabled, Source.next_attempt_at.is_not(None))
            .order_by(Source.next_attempt_at)
            .limit(1)
        ).first()
    if upcoming is None:
        return "collect: no enabled sources; `socialbot groups sync` loads them from feeds.toml"
    when, slug, locator = upcoming
    assert when is not None
    minutes = max(1, round((when - datetime.now(UTC)).total_seconds() / 60))
    return (
        f"collect: nothing is due; next: {slug}: {locator} in {minutes} min. "
        f"`socialbot collect --group {slug}` (or --source ID) collects a group now, due or not"
    )


@click.command("sources")
@click.option("--network", type=click.Choice(sorted(NETWORKS)), help="Only this network's sources.")
@click.option(
    "--status",
    type=click.Choice(sorted(STATUSES)),
    help="Only sources whose state is this (as the status column shows it).",
)
@click.option("--group", metavar="SLUG", help="Only this group's sources.")
@pass_app
def sources(app: App, network: str | None, status: str | None, group: str | None) -> None:
    """List every source's health: last outcome, errors, next poll (the worst first within a group)."""
    from sqlalchemy.orm import joinedload

    from socialbot.collect.summary import source_status, sources_table
    from socialbot.store import Group

    query = select(Source).join(Group).options(joinedload(Source.group)).order_by(Source.id)
    if network:
        query = query.where(Source.network == network)
    if group:
        query = query.where(Group.slug == group)
    with session_factory(app.engine)() as session:
        rows = [s for s in session.scalars(query) if status is None or source_status(s) == status]
        if rows:
            Console(width=200).print(sources_table(rows))
    counts = Counter(source_status(s) for s in rows)
    summary = ", ".join(f"{counts[name]} {name}" for name in sorted(counts))
    click.echo(f"{len(rows)} sources" + (f": {summary}" if summary else ""))
