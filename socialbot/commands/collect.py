"""`socialbot collect` and `socialbot sources`."""

from __future__ import annotations

import click
from rich.console import Console
from sqlalchemy import select

from socialbot.cli import App, pass_app
from socialbot.errors import SocialbotError
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
    for table in round_tables(report):
        Console().print(table)
    if report.outcomes and report.count("error", "rate_limited", "parked") == len(report.outcomes):
        raise SocialbotError("socialbot: collect: every source failed; see the reasons above")


@click.command("sources")
@pass_app
def sources(app: App) -> None:
    """List every source's health: last outcome, errors, next poll."""
    from sqlalchemy.orm import joinedload

    from socialbot.collect.summary import sources_table

    with session_factory(app.engine)() as session:
        rows = list(session.scalars(select(Source).options(joinedload(Source.group)).order_by(Source.id)))
        Console(width=200).print(sources_table(rows))
