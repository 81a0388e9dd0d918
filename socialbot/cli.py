"""The `socialbot` command: thin click commands over the modules that do the work."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from socialbot import __version__
from socialbot.config import Config, config_path, load_config, missing_secrets
from socialbot.errors import SocialbotError, UsageError
from socialbot.networks import NETWORKS
from socialbot.store import Group, Source
from socialbot.store.engine import make_engine, redacted, session_factory
from socialbot.store.migrate import current_revision, head_revision, upgrade
from socialbot.store.sync import sync_config

log = logging.getLogger("socialbot")


@dataclass
class App:
    """What every command shares: the options, and the config and engine loaded on first use."""

    config_option: str | None
    database_url: str | None
    verbose: int
    _config: Config | None = field(default=None, init=False)
    _engine: Engine | None = field(default=None, init=False)

    @property
    def config(self) -> Config:
        """feeds.toml, validated; loaded once."""
        if self._config is None:
            self._config = load_config(
                config_path(self.config_option, os.environ), os.environ, self.database_url
            )
        return self._config

    @property
    def engine(self) -> Engine:
        """The store's engine for the configured database URL."""
        if self._engine is None:
            self._engine = make_engine(self.config.database_url)
        return self._engine


pass_app = click.make_pass_decorator(App)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_option",
    metavar="FILE",
    help="feeds.toml to read [env SOCIALBOT_CONFIG; default ./feeds.toml].",
)
@click.option(
    "--database-url",
    metavar="URL",
    help="Database URL [env SOCIALBOT_DATABASE_URL; default from feeds.toml].",
)
@click.option("-v", "--verbose", count=True, help="More log output; tracebacks on errors.")
@click.version_option(__version__, prog_name="socialbot")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, database_url: str | None, verbose: int) -> None:
    """socialbot: the network's What's New feed and campaign publisher."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    ctx.obj = App(config_option, database_url, verbose)


@cli.group("config")
def config_group() -> None:
    """Inspect feeds.toml."""


@config_group.command("check")
@pass_app
def config_check(app: App) -> None:
    """Validate feeds.toml and the environment; print a summary."""
    config = app.config
    missing = missing_secrets(config)
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
    for account in config.accounts:
        # Names of the variables only: their values are secrets and never printed.
        env = ", ".join(f"${var}" for var in account.credentials.values())
        click.echo(
            f"  account           {account.key} ({account.network} {account.handle}), credentials {env}"
        )


@cli.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_app
def db_upgrade(app: App, revision: str) -> None:
    """Apply the migrations the database does not have yet."""
    upgrade(app.engine, revision)
    click.echo(f"{redacted(app.config.database_url)}: at revision {current_revision(app.engine)}")


@db_group.command("status")
@pass_app
def db_status(app: App) -> None:
    """Show the database's revision and the newest one."""
    current, head = current_revision(app.engine), head_revision()
    state = "up to date" if current == head else "run `socialbot db upgrade`"
    click.echo(f"{redacted(app.config.database_url)}: revision {current or 'none'}, newest {head} ({state})")


@cli.group("groups")
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


# Each family registers its commands on `cli` when imported (after `cli` exists).
from socialbot.commands import collect, feed, run, schedule  # noqa: E402, F401


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI: one clear line on stderr for failures; exit 0 ok, 1 failure, 2 bad usage."""
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in args)
    try:
        code = cli.main(args, prog_name="socialbot", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.Abort:
        click.echo("socialbot: aborted", err=True)
        code = 1
    except SocialbotError as exc:
        _report(str(exc), verbose)
        code = exc.exit_code
    except SQLAlchemyError as exc:
        _report(f"socialbot: database: {_first_line(exc)}", verbose)
        code = 1
    except Exception as exc:
        _report(
            f"socialbot: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
            verbose,
        )
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


def _report(message: str, verbose: bool) -> None:
    if verbose:
        traceback.print_exc()
    click.echo(message, err=True)


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0]
