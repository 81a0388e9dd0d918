"""`socialbot schedule …` (campaign files) and `socialbot dispatch`."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from socialbot.access.roles import Actor
from socialbot.cli import App, pass_app
from socialbot.commands.tables import fitted_table
from socialbot.errors import SocialbotError, UsageError
from socialbot.store.engine import session_factory
from socialbot.store.sync import sync_config


@click.group("schedule")
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
    from datetime import UTC, datetime

    from socialbot.networks.routing import sandbox_url
    from socialbot.queue.sync import describe, example_not_queued, sync_campaign

    wanted = []
    for campaign in _load_campaigns(app, files):
        refused = example_not_queued(campaign, sandbox_url())
        if refused:
            click.echo(refused)
        else:
            wanted.append(campaign)
    sessions = session_factory(app.engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        sync_config(session, app.config)
        results = [
            (c, sync_campaign(session, c, actor=Actor.command_line(), prune=prune, now=now)) for c in wanted
        ]
    for campaign, result in results:
        click.echo(describe(result, campaign.file.campaign, prune))


@schedule_group.command("plan")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def schedule_plan(app: App, files: tuple[Path, ...]) -> None:
    """The campaigns' timeline in local time: when each post goes to each account, in how many parts,
    whether it needs approval, and its state in the queue."""
    from socialbot.queue.sync import requires_approval

    campaigns = _load_campaigns(app, files)
    states = _queued_states(app, [c.file.campaign for c in campaigns])
    planned = []
    for campaign in campaigns:
        for post in campaign.posts:
            approval = "needed" if requires_approval(post, campaign) else "no"
            for d in post.deliveries:
                key = (campaign.file.campaign, d.post_key, d.account, d.occurrence)
                planned.append((d.due_at, campaign, d, approval, states.get(key, "not queued")))
    timed = [
        (
            due,
            (
                due.astimezone(campaign.zone).strftime("%a %d %b %Y %H:%M %Z"),
                campaign.file.campaign,
                d.post_key,
                d.account,
                str(len(d.parts)),
                approval,
                state,
                " ".join(d.parts[0].split()),
            ),
        )
        for due, campaign, d, approval, state in sorted(planned, key=lambda r: (r[0], r[2].account))
    ]
    rows = _with_events(
        timed,
        campaigns,
        "%a %d %b %Y %H:%M %Z",
        lambda c, e, when: (when, c.file.campaign, e.key, "(event)", "", "", e.status, _event_title(e)),
    )
    fixed = ["when (local)", "campaign", "post", "account", "parts", "approval", "state"]
    click.echo(fitted_table(fixed, ["text"], rows))


def _with_events(
    timed: Sequence[tuple[Any, tuple[str, ...]]],
    campaigns: Sequence[Any],
    fmt: str,
    event_row: Callable[[Any, Any, str], tuple[str, ...]],
) -> list[tuple[str, ...]]:
    """Rows (each with its time) and each campaign's events at their start times (event_row makes
    an event's cells from its campaign, table and formatted time), in time order: officers see each
    reminder beside what it announces."""
    from datetime import UTC

    from socialbot.queue.occurrences import local_to_utc

    rows = [(when.astimezone(UTC), 1, cells) for when, cells in timed]
    for campaign in campaigns:
        for planned in campaign.events:
            start, _ = local_to_utc(planned.table.start.replace(tzinfo=None), campaign.zone)
            if start is not None:
                when = start.astimezone(campaign.zone).strftime(fmt)
                rows.append((start, 0, event_row(campaign, planned.table, when)))
    return [cells for _, _, cells in sorted(rows, key=lambda r: (r[0], r[1]))]


def _event_title(event: Any) -> str:
    """An event's title, its place or link, and whether it is cancelled."""
    where = event.location or event.online_url
    return (
        f"EVENT: {event.title}"
        + (f" ({where})" if where else "")
        + (" (cancelled)" if event.status == "cancelled" else "")
    )


def _queued_states(app: App, campaigns: list[str]) -> dict[tuple[str, str, str, str], str]:
    """(campaign, post key, account, occurrence) → the delivery's state, for what is queued already;
    nothing when there is no migrated database."""
    from socialbot.store import Account, Delivery, ScheduledPost
    from socialbot.store.migrate import store_problem

    if store_problem(app.engine_to_migrate):
        return {}
    with session_factory(app.engine)() as session:
        rows = session.execute(
            select(
                ScheduledPost.campaign, ScheduledPost.key, Account.key, Delivery.occurrence, Delivery.state
            )
            .join(Delivery.scheduled_post)
            .join(Delivery.account)
            .where(ScheduledPost.campaign.in_(campaigns))
        ).all()
    return {(c, k, a, o): state.value for c, k, a, o, state in rows}


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
    failed = total = 0
    with ExitStack() as stack:
        url = sandbox or stack.enter_context(running_sandbox(config=app.config.path, env=os.environ))[0]
        for campaign in campaigns:
            result = rehearse(campaign, app.config, dict(os.environ), url)
            click.echo(f"\n{campaign.file.name or campaign.file.campaign} ({campaign.path})")
            timed = [
                (
                    d.when,
                    (
                        d.when.strftime("%a %d %b %H:%M %Z"),
                        d.post,
                        d.account,
                        d.state.value + (" (approved for the rehearsal)" if d.approved_for_rehearsal else ""),
                        str(len(d.parts)),
                        d.permalink or "",
                    ),
                )
                for d in result.deliveries
            ]
            rows = _with_events(
                timed,
                [campaign],
                "%a %d %b %H:%M %Z",
                lambda c, e, when: (when, e.key, "(event)", _event_title(e), "", ""),
            )
            # Links whole, however wide: a cut link leads nowhere.
            click.echo(
                fitted_table(["when (local)", "post", "account", "result", "parts", "where"], [], rows)
            )
            # Problems whole, below the table: their reasons are what an officer must read.
            for d in result.problems:
                click.echo(f"  problem: {d.post} to {d.account}: {d.error or d.state.value}")
            sent = len(result.deliveries) - len(result.problems)
            click.echo(
                f"{campaign.path}: {sent} of {len(result.deliveries)} deliveries sent, "
                f"{len(result.problems)} problems"
            )
            failed += len(result.problems)
            total += len(result.deliveries)
    if len(campaigns) > 1:
        click.echo(f"rehearsal: {total - failed} of {total} deliveries sent, {failed} problems")
    if failed:
        raise SocialbotError(f"socialbot: schedule rehearse: {failed} deliveries would not go out; see above")


@click.command("dispatch")
@click.option(
    "--sandbox", "sandbox", metavar="URL", help="Publish to the sandbox at URL [env SOCIALBOT_SANDBOX_URL]."
)
@click.option("--until-idle", is_flag=True, help="Stop when nothing is due or being sent.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds.")
@click.option("--dry-run", is_flag=True, help="Post nothing: log each part and mark deliveries sent.")
@pass_app
def dispatch(app: App, sandbox: str | None, until_idle: bool, interval: float, dry_run: bool) -> None:
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
    publishers = Publishers(app.config, os.environ, sandbox or sandbox_url(), dry_run=dry_run)
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
