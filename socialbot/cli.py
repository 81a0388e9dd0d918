"""The `socialbot` command: thin click commands over the modules that do the work."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

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


@cli.command("collect")
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


@cli.command("sources")
@pass_app
def sources(app: App) -> None:
    """List every source's health: last outcome, errors, next poll."""
    from sqlalchemy.orm import joinedload

    from socialbot.collect.summary import sources_table

    with session_factory(app.engine)() as session:
        rows = list(session.scalars(select(Source).options(joinedload(Source.group)).order_by(Source.id)))
        Console(width=200).print(sources_table(rows))


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
@click.option("--port", default=8000, show_default=True, help="Port the web app listens on.")
@click.option(
    "--sandbox", "sandbox", metavar="URL", help="Use the sandbox at URL [env SOCIALBOT_SANDBOX_URL]."
)
@click.option(
    "--with-sandbox", is_flag=True, help="Start a sandbox beside the bot and use it (demo, rehearsal)."
)
@click.option(
    "--no-collect", is_flag=True, help="Run no collection rounds (the feed and dispatch still run)."
)
@pass_app
def run(app: App, host: str, port: int, sandbox: str | None, with_sandbox: bool, no_collect: bool) -> None:
    """Run the bot: migrate, load feeds.toml and campaigns, collect, dispatch due posts, serve the feed."""
    from contextlib import ExitStack

    from socialbot.networks.routing import sandbox_url
    from socialbot.sandbox.process import running_sandbox
    from socialbot.scheduler import start_scheduler
    from socialbot.web.app import create_app
    from socialbot.web.server import serve_web

    upgrade(app.engine)
    sessions = session_factory(app.engine)
    with sessions.begin() as session:
        sync_config(session, app.config)
    for line in _sync_shipped_campaigns(app, sessions):
        click.echo(line)
    with ExitStack() as stack:
        url = sandbox or sandbox_url()
        if with_sandbox:
            url, _ = stack.enter_context(
                running_sandbox("--state", "sandbox-state.json", config=app.config.path, env=os.environ)
            )
            click.echo(f"sandbox: {url} (what the bot publishes: {url}/_sandbox/published.html)")
        jobs = start_scheduler(app.engine, sessions, app.config, os.environ, url, collect=not no_collect)
        stack.callback(jobs.stop)
        click.echo(
            f"socialbot: the feed at http://{host}:{port}/whats-new, the demo page at http://{host}:{port}/demo"
        )
        serve_web(create_app(app.config, sessions), host, port)


def _sync_shipped_campaigns(app: App, sessions: Any) -> list[str]:
    """Queue schedules/*.toml at start-up (idempotent); a bad file is reported and skipped, not fatal."""
    from socialbot.queue.campaign import load_campaign
    from socialbot.queue.sync import describe, sync_campaign
    from socialbot.tomlfile import ConfigError

    lines = []
    for path in sorted(Path("schedules").glob("*.toml")):
        try:
            campaign = load_campaign(path, app.config)
        except ConfigError as exc:
            lines += [f"schedule: skipped {line}" for line in exc.lines]
            continue
        with sessions.begin() as session:
            lines.append(
                describe(
                    sync_campaign(session, campaign, actor="socialbot run"),
                    campaign.file.campaign,
                    prune=False,
                )
            )
    return lines


@cli.group("feed")
def feed_group() -> None:
    """The What's New feed: list and moderate posts."""


@feed_group.command("list")
@click.option("--limit", default=20, show_default=True, help="How many posts.")
@pass_app
def feed_list(app: App, limit: int) -> None:
    """The newest posts with the ids that moderation commands take."""
    from socialbot.feed.query import FeedFilter, feed_page

    table = Table("id", "group", "network", "published", "text", "shared by")
    with session_factory(app.engine)() as session:
        for item in feed_page(
            session, FeedFilter(), min(limit, 50), None, app.config.feed.banned_words
        ).items:
            text = " ".join(item.text.split())
            table.add_row(
                str(item.id) + (" (pinned)" if item.pinned else ""),
                item.group_slug,
                item.network,
                item.published_at.astimezone(app.config.timezone).strftime("%d %b %H:%M"),
                text[:60] + ("…" if len(text) > 60 else ""),
                str(len(item.shared_by)),
            )
    Console(width=160).print(table)


def _moderation_command(action: str) -> None:
    @feed_group.command(action)
    @click.argument("post")
    @pass_app
    def command(app: App, post: str) -> None:
        from socialbot.feed.moderation import ModerationError, moderate

        try:
            with session_factory(app.engine).begin() as session:
                moderated = moderate(session, post, action, actor=os.environ.get("USER", "cli"))
                click.echo(f"post {moderated.id}: {moderated.moderation.value}")
        except ModerationError as exc:
            raise UsageError(str(exc)) from exc

    command.__doc__ = {
        "hide": "Hide a post from the feed.",
        "unhide": "Show a hidden post again.",
        "pin": "Pin a post to the top of the feed.",
        "unpin": "Unpin a post.",
    }[action]


for _action in ("hide", "unhide", "pin", "unpin"):
    _moderation_command(_action)


@cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", metavar="URL", help="Where DIRECTORY will be served [default: [feed] base_url].")
@click.option("--pages", default=20, show_default=True, help="How many pages to write.")
@pass_app
def export(app: App, directory: Path, base_url: str | None, pages: int) -> None:
    """Write the feed as static files (feeds, pages with static Load More, embed.js) to DIRECTORY."""
    from socialbot.feed.export import export_feed
    from socialbot.web.app import templates

    base = base_url or app.config.feed.base_url
    if not base:
        raise UsageError(
            "socialbot: export: give --base-url (where the files will be served) or set [feed] base_url"
        )
    report = export_feed(
        session_factory(app.engine), app.config.feed, templates(app.config.timezone), directory, base, pages
    )
    click.echo(f"{directory}: {report.pages} pages, {report.items} posts, {len(report.files)} files")


@cli.group("schedule")
def schedule_group() -> None:
    """Campaign files in schedules/: check, queue and show them."""


def _campaign_files(files: tuple[Path, ...]) -> list[Path]:
    found = list(files) or sorted(Path("schedules").glob("*.toml"))
    if not found:
        raise UsageError("socialbot: schedule: no campaign files given and none in schedules/")
    return found


def _load_campaigns(app: App, files: tuple[Path, ...]) -> list[Any]:
    """Every file loaded, or one ConfigError with every file's problems."""
    from socialbot.queue.campaign import load_campaign
    from socialbot.tomlfile import ConfigError

    campaigns, problems = [], []
    for path in _campaign_files(files):
        try:
            campaigns.append(load_campaign(path, app.config))
        except ConfigError as exc:
            problems += exc.lines
    if problems:
        raise ConfigError(problems)
    return campaigns


@schedule_group.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def schedule_validate(app: App, files: tuple[Path, ...]) -> None:
    """Check campaign files (default: schedules/*.toml); every problem with its file, line and key."""
    for campaign in _load_campaigns(app, files):
        deliveries = sum(len(p.deliveries) for p in campaign.posts)
        click.echo(f"{campaign.path}: OK ({len(campaign.posts)} posts, {deliveries} deliveries)")


@schedule_group.command("sync")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--prune", is_flag=True, help="Cancel unsent deliveries of posts no longer in the file.")
@pass_app
def schedule_sync(app: App, files: tuple[Path, ...], prune: bool) -> None:
    """Queue campaign files' posts: unsent ones follow the file, sent ones are never touched."""
    from socialbot.queue.sync import describe, sync_campaign

    campaigns = _load_campaigns(app, files)
    sessions = session_factory(app.engine)
    with sessions.begin() as session:
        sync_config(session, app.config)
        results = [
            (c, sync_campaign(session, c, actor=os.environ.get("USER", "cli"), prune=prune))
            for c in campaigns
        ]
    for campaign, result in results:
        click.echo(describe(result, campaign.file.campaign, prune))


@schedule_group.command("plan")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def schedule_plan(app: App, files: tuple[Path, ...]) -> None:
    """The campaigns' timeline in local time: when each post goes to each account, and in how many parts."""
    rows = []
    for campaign in _load_campaigns(app, files):
        for post in campaign.posts:
            for d in post.deliveries:
                first = " ".join(d.parts[0].split())
                rows.append((d.due_at, campaign.file.campaign, d, first, campaign.zone))
    table = Table("when (local)", "campaign", "post", "account", "parts", "text")
    for due, name, d, first, zone in sorted(rows, key=lambda r: (r[0], r[2].account)):
        table.add_row(
            due.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z"),
            name,
            d.post_key,
            d.account,
            str(len(d.parts)),
            first[:50] + ("…" if len(first) > 50 else ""),
        )
    Console(width=180).print(table)


@schedule_group.command("rehearse")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sandbox", "sandbox", metavar="URL", help="Use this sandbox instead of starting one.")
@pass_app
def schedule_rehearse(app: App, files: tuple[Path, ...], sandbox: str | None) -> None:
    """Play campaigns against the sandbox on a virtual clock; print what appeared where, and when."""
    from contextlib import ExitStack

    from socialbot.queue.rehearse import rehearse
    from socialbot.sandbox.process import running_sandbox

    campaigns = _load_campaigns(app, files)
    failed = 0
    with ExitStack() as stack:
        url = sandbox or stack.enter_context(running_sandbox(config=app.config.path, env=os.environ))[0]
        for campaign in campaigns:
            result = rehearse(campaign, app.config, dict(os.environ), url)
            table = Table(
                "when (local)",
                "post",
                "account",
                "result",
                "parts",
                "where",
                title=campaign.file.name or campaign.file.campaign,
            )
            for d in result.deliveries:
                table.add_row(
                    d.when.strftime("%a %d %b %H:%M %Z"),
                    d.post,
                    d.account,
                    d.state.value,
                    str(len(d.parts)),
                    d.permalink or d.error or "",
                )
            Console(width=200).print(table)
            sent = len(result.deliveries) - len(result.problems)
            click.echo(
                f"{campaign.path}: {sent} of {len(result.deliveries)} deliveries sent, "
                f"{len(result.problems)} problems"
            )
            failed += len(result.problems)
    if failed:
        raise SocialbotError(f"socialbot: schedule rehearse: {failed} deliveries would not go out; see above")


@cli.command("dispatch")
@click.option(
    "--sandbox", "sandbox", metavar="URL", help="Publish to the sandbox at URL [env SOCIALBOT_SANDBOX_URL]."
)
@click.option("--until-idle", is_flag=True, help="Stop when nothing is due or being sent.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds.")
@pass_app
def dispatch(app: App, sandbox: str | None, until_idle: bool, interval: float) -> None:
    """Send due posts: settle what a crash left in sending, then dispatch (--until-idle: stop when done)."""
    import socket
    import time
    from datetime import UTC, datetime

    from socialbot.dispatch.alerts import alerts_from_env
    from socialbot.dispatch.publishers import Publishers
    from socialbot.dispatch.reconcile import reconcile_sending
    from socialbot.dispatch.run import dispatch_round
    from socialbot.networks.routing import sandbox_url
    from socialbot.store import Delivery, DeliveryState

    sessions = session_factory(app.engine)
    publishers = Publishers(app.config, os.environ, sandbox or sandbox_url())
    alerts = alerts_from_env(os.environ)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        for settled in reconcile_sending(sessions, publishers, datetime.now(UTC), alerts):
            click.echo(f"reconcile: delivery {settled.delivery_id}: {settled.message}")
        while True:
            report = dispatch_round(sessions, publishers, worker, alerts=alerts)
            for outcome in report.outcomes:
                click.echo(
                    f"delivery {outcome.delivery_id}: {outcome.state.value}"
                    + (f": {outcome.message}" if outcome.message else "")
                )
            if until_idle and not report.outcomes:
                with sessions() as session:
                    now = datetime.now(UTC)
                    waiting = session.scalar(
                        select(func.count())
                        .select_from(Delivery)
                        .where(
                            (Delivery.state == DeliveryState.SENDING)
                            | ((Delivery.state == DeliveryState.SCHEDULED) & (Delivery.due_at <= now))
                        )
                    )
                if not waiting:
                    return
            time.sleep(interval if not report.outcomes else 0)
    finally:
        publishers.close()


@cli.group("queue")
def queue_group() -> None:
    """Queued posts: list them; approve, cancel, reschedule or retry deliveries."""


@queue_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also sent, cancelled and expired deliveries.")
@pass_app
def queue_list(app: App, show_all: bool) -> None:
    """Deliveries in due order, times in the configured zone."""
    from sqlalchemy.orm import joinedload

    from socialbot.store import Delivery, DeliveryState

    table = Table("id", "due (local)", "post", "account", "state", "parts", "note")
    finished = {DeliveryState.SENT, DeliveryState.CANCELLED, DeliveryState.EXPIRED}
    with session_factory(app.engine)() as session:
        query = (
            select(Delivery)
            .options(
                joinedload(Delivery.account),
                joinedload(Delivery.scheduled_post),
                selectinload(Delivery.parts),
            )
            .order_by(Delivery.due_at, Delivery.id)
        )
        for d in session.scalars(query):
            if d.state in finished and not show_all:
                continue
            table.add_row(
                str(d.id),
                d.due_at.astimezone(app.config.timezone).strftime("%a %d %b %H:%M %Z"),
                f"{d.scheduled_post.campaign}:{d.scheduled_post.key}",
                d.account.key,
                d.state.value,
                str(len(d.parts)),
                d.last_error or "",
            )
    Console(width=180).print(table)


def _queue_command(name: str, doc: str) -> None:
    @queue_group.command(name, help=doc)
    @click.argument("ref")
    @pass_app
    def command(app: App, ref: str) -> None:
        from socialbot.queue import ops

        try:
            with session_factory(app.engine).begin() as session:
                changed = getattr(ops, name)(session, ref, actor=os.environ.get("USER", "cli"))
                click.echo(
                    f"{name}: {len(changed)} deliveries: "
                    + ", ".join(f"{d.id} {d.state.value}" for d in changed)
                )
        except ops.QueueError as exc:
            raise UsageError(str(exc)) from exc


_queue_command("approve", "Approve deliveries awaiting approval (REF: id or campaign:key).")
_queue_command("cancel", "Cancel unsent deliveries (REF: id or campaign:key).")
_queue_command("retry", "Send failed, unknown or expired deliveries again, now (REF: id or campaign:key).")


@queue_group.command("reschedule")
@click.argument("ref")
@click.argument("when", metavar="LOCAL-TIME")
@pass_app
def queue_reschedule(app: App, ref: str, when: str) -> None:
    """Move unsent deliveries to LOCAL-TIME ("2026-12-09 19:30"), in the configured zone."""
    from datetime import datetime as dt

    from socialbot.queue import ops

    try:
        local = dt.fromisoformat(when)
    except ValueError as exc:
        raise UsageError(
            f"socialbot: queue reschedule: {when!r} is not a local time like 2026-12-09 19:30"
        ) from exc
    try:
        with session_factory(app.engine).begin() as session:
            changed = ops.reschedule(
                session,
                ref,
                local.replace(tzinfo=None),
                app.config.timezone,
                actor=os.environ.get("USER", "cli"),
            )
            zone = app.config.timezone.key
            click.echo(f"reschedule: {len(changed)} deliveries now due {local:%a %d %b %H:%M} {zone}")
    except ops.QueueError as exc:
        raise UsageError(str(exc)) from exc


@cli.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8099, show_default=True, help="Port to listen on.")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated accounts and posts.")
@click.option("--latency", "latency_ms", default=0, show_default=True, help="Added to every answer, in ms.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the published record (and the clock) in FILE across restarts.",
)
@click.option("--frozen-clock", is_flag=True, help="Time moves only by POST /_sandbox/tick (for tests).")
@pass_app
def sandbox(
    app: App, host: str, port: int, seed: int, latency_ms: int, state_file: Path | None, frozen_clock: bool
) -> None:
    """Serve the local imitation of X, Facebook, Bluesky, Mastodon and the groups' websites."""
    from socialbot.sandbox.app import create_app
    from socialbot.sandbox.server import serve

    asgi = create_app(
        app.config,
        os.environ,
        seed=seed,
        latency_ms=latency_ms,
        state_file=state_file,
        real_time=not frozen_clock,
    )
    click.echo(f"sandbox: http://{host}:{port} ({len(asgi.state.world.accounts)} accounts, seed {seed})")
    serve(asgi, host, port)


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
