"""`socialbot config check`, `socialbot db …` and `socialbot groups …`: feeds.toml and the store."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from socialbot.cli import App, pass_app
from socialbot.errors import UsageError
from socialbot.networks import NETWORKS
from socialbot.store import Group, Source
from socialbot.store.engine import redacted, session_factory
from socialbot.store.migrate import current_revision, head_revision, store_problem, upgrade
from socialbot.store.sync import sync_config


@click.group("config")
def config_group() -> None:
    """Inspect feeds.toml."""


@config_group.command("check")
@pass_app
def config_check(app: App) -> None:
    """Validate feeds.toml and the environment; print a summary."""
    import os

    from socialbot.networks.credentials import missing_secrets, publishing_blocker, with_sandbox_credentials
    from socialbot.networks.routing import sandbox_url

    config = app.config
    env = with_sandbox_credentials(config, os.environ, sandbox_url())
    missing = missing_secrets(config, env)
    if missing:
        raise UsageError("\n".join(missing))
    sources = [s for g in config.groups for s in g.source]
    placeholders = sum(1 for s in sources if s.placeholder)
    by_network = ", ".join(f"{n} {sum(1 for s in sources if s.network == n)}" for n in NETWORKS)
    click.echo(f"{config.path}: OK")
    click.echo(f"  database          {redacted(config.database_url)}")
    click.echo(f"  timezone          {config.timezone.key}")
    click.echo(f"  collect interval  {config.collect_interval}s")
    click.echo(f"  groups            {len(config.groups)}")
    click.echo(f"  sources           {len(sources)} ({by_network}); {placeholders} placeholders")
    blocked = []
    for account in config.accounts:
        # Names of the variables only: their values are secrets and never printed.
        names = ", ".join(f"${var}" for var in account.credentials.values())
        click.echo(
            f"  account           {account.key} ({account.network} {account.handle}), credentials {names}"
        )
        reason = publishing_blocker(account, os.environ)
        if reason:
            blocked.append(reason)
    today = datetime.now(UTC).date()
    for name in NETWORKS:
        for warning in config.network(name).warnings(today):
            click.echo(f"{config.path}: [network.{name}] warning: {warning}")
    if blocked:
        click.echo(
            f"{len(blocked)} of {len(config.accounts)} accounts cannot publish for real: outside a sandbox "
            "their deliveries are held, not sent:"
        )
        for reason in blocked:
            click.echo(f"  {reason}")


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_app
def db_upgrade(app: App, revision: str) -> None:
    """Apply the migrations the database does not have yet."""
    upgrade(app.engine_to_migrate, revision)
    click.echo(f"{redacted(app.config.database_url)}: at revision {current_revision(app.engine_to_migrate)}")


@db_group.command("status")
@pass_app
def db_status(app: App) -> None:
    """Show the database's revision and the newest one."""
    problem = store_problem(app.engine_to_migrate)
    if problem and problem.startswith("no database"):
        click.echo(problem)
        return
    current, head = current_revision(app.engine_to_migrate), head_revision()
    state = "up to date" if current == head else "run `socialbot db upgrade`"
    click.echo(f"{redacted(app.config.database_url)}: revision {current or 'none'}, newest {head} ({state})")


@click.group("groups")
def groups_group() -> None:
    """The affiliated groups and their sources."""


@groups_group.command("sync")
@pass_app
def groups_sync(app: App) -> None:
    """Load groups, sources and accounts from feeds.toml into the store."""
    with session_factory(app.engine).begin() as session:
        report = sync_config(session, app.config)
    for kind in ("group", "source", "account"):
        click.echo(
            f"{kind}s: {report.created[kind]} created, {report.updated[kind]} updated, "
            f"{report.disabled[kind]} disabled"
        )


@groups_group.command("list")
@pass_app
def groups_list(app: App) -> None:
    """List the groups in the store with their sources."""
    table = Table("slug", "name", "sources", "enabled")
    with session_factory(app.engine)() as session:
        counts = dict(
            session.execute(
                select(Source.group_id, func.count()).where(Source.enabled).group_by(Source.group_id)
            ).all()
        )
        for group in session.scalars(select(Group).order_by(Group.slug)):
            table.add_row(
                group.slug,
                group.name,
                str(counts.get(group.id, 0)),
                "yes" if group.enabled else "no",
            )
    Console().print(table)
