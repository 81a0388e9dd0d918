"""`socialbot run`: the bot (collection, dispatch and the web app in one command)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from socialbot.cli import App, pass_app
from socialbot.errors import SocialbotError
from socialbot.store.engine import session_factory
from socialbot.store.migrate import upgrade
from socialbot.store.sync import sync_config


@click.command("run")
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
@click.option(
    "--web-workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="SOCIALBOT_WEB_WORKERS",
    # One worker answers a cached feed tens of thousands of times a second (bench/feed.py); more
    # help on machines with cores to spare beyond collection and dispatch.
    help="Web server processes [env SOCIALBOT_WEB_WORKERS].",
)
@click.option(
    "--web-threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="SOCIALBOT_WEB_THREADS",
    # A cached feed is answered in microseconds in the thread granian calls; every thread more costs
    # throughput and p99 in lock hand-overs (bench/feed.py). More let a slow page or health check
    # (a slow database) not hold up the feed answers behind it.
    help="Python threads answering requests in each web server process [env SOCIALBOT_WEB_THREADS].",
)
@pass_app
def run(
    app: App,
    host: str,
    port: int,
    sandbox: str | None,
    with_sandbox: bool,
    no_collect: bool,
    web_workers: int,
    web_threads: int,
) -> None:
    """Run the bot: migrate, load feeds.toml and campaigns, collect, dispatch due posts, serve the feed."""
    import contextlib
    import signal
    from contextlib import ExitStack

    from socialbot.networks.routing import SANDBOX_ENV, sandbox_url
    from socialbot.sandbox.process import running_sandbox
    from socialbot.scheduler import start_scheduler
    from socialbot.subprocesses import stop_requested
    from socialbot.web.server import port_in_use, running_web

    # Before anything is migrated, queued or sent: a second bot on the same port would otherwise
    # dispatch beside the first one and only then fail to serve.
    if port_in_use(host, port):
        raise SocialbotError(f"socialbot: run: port {port} is in use (set --port)")
    # `docker stop` and service managers send SIGTERM: unwind as for Ctrl-C, so the scheduler
    # stops cleanly and the web server and sandbox processes are not left behind.
    signal.signal(signal.SIGTERM, stop_requested)
    signal.signal(signal.SIGINT, stop_requested)

    url = sandbox or sandbox_url()
    upgrade(app.engine_to_migrate)
    sessions = session_factory(app.engine)
    with sessions.begin() as session:
        sync_config(session, app.config)
        _first_admin(app, session)
    for line in _sync_shipped_campaigns(app, sessions, against_sandbox=bool(url) or with_sandbox):
        click.echo(line)
    # A stop (Ctrl-C, SIGTERM) at any moment, starting included, unwinds what was started, in order.
    with ExitStack() as stack, contextlib.suppress(KeyboardInterrupt):
        if with_sandbox:
            url, _ = stack.enter_context(
                running_sandbox("--state", "sandbox-state.json", config=app.config.path, env=os.environ)
            )
            click.echo(f"sandbox: {url} (what the bot publishes: {url}/_sandbox/published.html)")
        # The web workers show the sandbox's images (their CSP allows its origin).
        web_env = {**os.environ, SANDBOX_ENV: url} if url else dict(os.environ)
        jobs = start_scheduler(app.engine, sessions, app.config, os.environ, url, collect=not no_collect)
        stack.callback(jobs.stop)
        try:
            web = stack.enter_context(
                running_web(app.config, host, port, web_workers, web_env, threads=web_threads)
            )
        except (ValueError, RuntimeError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"socialbot: the feed at http://{host}:{port}/whats-new, the demo page at http://{host}:{port}/demo"
        )
        code = web.wait()
        raise click.ClickException(f"the web server stopped unexpectedly (exit code {code})")


def _first_admin(app: App, session: Any) -> None:
    """SOCIALBOT_ADMIN_EMAIL on a store with no users: that admin, and a one-time link in the log."""
    from datetime import UTC, datetime

    from socialbot.access.users import UserError, first_admin
    from socialbot.commands.users import desk_url

    email = os.environ.get("SOCIALBOT_ADMIN_EMAIL", "").strip()
    if not email:
        return
    try:
        secret = first_admin(session, email, datetime.now(UTC))
    except UserError as exc:
        raise SocialbotError(f"socialbot: SOCIALBOT_ADMIN_EMAIL: {exc}") from exc
    if secret:
        # On the bot's own output (the container's log), once: the only way in for the first admin.
        url = f"{desk_url(app, '/desk/set-password')}?token={secret}"
        click.echo(f"desk: first admin {email}: set a password at {url} (usable once, for 48 hours)")


def _sync_shipped_campaigns(app: App, sessions: Any, against_sandbox: bool) -> list[str]:
    """Queue schedules/*.toml at start-up (idempotent); a bad file is reported and skipped, not fatal.

    Example campaigns are queued only against a sandbox, and without their posts already past.
    """
    from datetime import UTC, datetime

    from socialbot.access.roles import Actor
    from socialbot.queue.campaign import load_campaign
    from socialbot.queue.sync import describe, example_not_queued, sync_campaign
    from socialbot.tomlfile import ConfigError

    lines = []
    for path in sorted(Path("schedules").glob("*.toml")):
        try:
            campaign = load_campaign(path, app.config)
        except ConfigError as exc:
            lines += [f"schedule: skipped {line}" for line in exc.lines]
            continue
        refused = example_not_queued(campaign, "sandbox" if against_sandbox else None)
        if refused:
            lines.append(f"schedule: {refused}")
            continue
        with sessions.begin() as session:
            result = sync_campaign(session, campaign, actor=Actor.command_line(), now=datetime.now(UTC))
            lines.append(describe(result, campaign.file.campaign, prune=False))
    return lines
