"""The `socialbot` command: thin click commands over the modules that do the work."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from socialbot import __version__
from socialbot.config import Config, config_path, load_config
from socialbot.errors import SocialbotError
from socialbot.redaction import REDACTOR, configured_secrets
from socialbot.redaction import install as install_redaction

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger("socialbot")

# Every top-level command or family, and where it lives. A command's module is imported only when
# it runs (or when help lists them all), so `socialbot sandbox` loads no database code.
COMMANDS = {
    "config": "socialbot.commands.store:config_group",
    "db": "socialbot.commands.store:db_group",
    "groups": "socialbot.commands.store:groups_group",
    "collect": "socialbot.commands.collect:collect",
    "sources": "socialbot.commands.collect:sources",
    "feed": "socialbot.commands.feed:feed_group",
    "export": "socialbot.commands.feed:export",
    "events": "socialbot.commands.events:events_group",
    "schedule": "socialbot.commands.schedule:schedule_group",
    "queue": "socialbot.commands.queue:queue_group",
    "dispatch": "socialbot.commands.schedule:dispatch",
    "run": "socialbot.commands.run:run",
    "sandbox": "socialbot.commands.sandbox:sandbox",
    "users": "socialbot.commands.users:users_group",
    "tokens": "socialbot.commands.users:tokens_group",
}


class LazyGroup(click.Group):
    """A click group whose commands are imported by name when needed (click's lazy-loading recipe)."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The group's own commands and the lazy ones, sorted (as --help shows them)."""
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command called name, importing its module the first time."""
        if name in self.lazy_commands and name not in self.commands:
            module, attribute = self.lazy_commands[name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command) or command.name != name:
                raise TypeError(f"{self.lazy_commands[name]} is not the click command {name!r}")
            self.add_command(command)
        return super().get_command(ctx, name)


@dataclass
class App:
    """What every command shares: the options, and the config and engine loaded on first use."""

    config_option: str | None
    database_url: str | None
    verbose: int
    _config: Config | None = field(default=None, init=False)
    _engine: Engine | None = field(default=None, init=False)
    _checked: bool = field(default=False, init=False)

    @property
    def config(self) -> Config:
        """feeds.toml, validated; loaded once."""
        if self._config is None:
            self._config = load_config(
                config_path(self.config_option, os.environ), os.environ, self.database_url
            )
            REDACTOR.add(configured_secrets(self._config, os.environ))
        return self._config

    @property
    def engine(self) -> Engine:
        """The store's engine; SocialbotError (creating nothing) when the database is absent or not
        migrated to this version."""
        if not self._checked:
            from socialbot.store.migrate import store_problem

            problem = store_problem(self.engine_to_migrate)
            if problem:
                raise SocialbotError(f"socialbot: {problem}")
            self._checked = True
        return self.engine_to_migrate

    @property
    def engine_to_migrate(self) -> Engine:
        """The engine for the configured database URL, unchecked: for the commands that migrate."""
        if self._engine is None:
            from socialbot.store.engine import make_engine

            self._engine = make_engine(self.config.database_url)
        return self._engine


pass_app = click.make_pass_decorator(App)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
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
    install_redaction(verbose, os.environ)
    ctx.obj = App(config_option, database_url, verbose)


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
    except Exception as exc:
        if _is_database_error(exc):
            _report(f"socialbot: database: {_first_line(exc)}", verbose)
        else:
            message = f"unexpected error: {type(exc).__name__}: {exc} (run with -v for details)"
            _report(f"socialbot: {message}", verbose)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


def _report(message: str, verbose: bool) -> None:
    if verbose:
        traceback.print_exc()
    click.echo(message, err=True)


def _is_database_error(exc: Exception) -> bool:
    # Only a command that loaded SQLAlchemy can have raised its errors; others need not import it.
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0]
