"""`socialbot schedule …`, `socialbot dispatch` and `socialbot queue …`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from socialbot.cli import App, pass_app
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
            (c, sync_campaign(session, c, actor=os.environ.get("USER", "cli"), prune=prune, now=now))
            for c in wanted
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


@click.group("queue")
def queue_group() -> None:
    """Queued posts: list them; approve, cancel, reschedule or retry deliveries."""


@queue_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also sent, cancelled and expired deliveries.")
@pass_app
def queue_list(app: App, show_all: bool) -> None:
    """Deliveries in due order, times in the configured zone."""
    from socialbot.queue.ops import in_due_order
    from socialbot.store import DeliveryState

    table = Table("id", "due (local)", "post", "account", "state", "parts", "note")
    finished = {DeliveryState.SENT, DeliveryState.CANCELLED, DeliveryState.EXPIRED}
    with session_factory(app.engine)() as session:
        for d in session.scalars(in_due_order()):
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


@queue_group.command("show")
@click.argument("ref")
@pass_app
def queue_show(app: App, ref: str) -> None:
    """One post's deliveries (REF: id or campaign:key): state, times, each part sent, and the audit trail."""
    from socialbot.dispatch.send import parts_of
    from socialbot.queue import ops
    from socialbot.store import AuditEvent

    zone = app.config.timezone
    try:
        with session_factory(app.engine)() as session:
            for d in ops.find(session, ref):
                post = d.scheduled_post
                click.echo(
                    f"delivery {d.id}: {post.campaign}:{post.key} to {d.account.key} — {d.state.value}"
                )
                click.echo(
                    f"  due {d.due_at.astimezone(zone):%a %d %b %Y %H:%M %Z}"
                    + (f", not after {d.not_after.astimezone(zone):%a %d %b %H:%M}" if d.not_after else "")
                    + f", attempts {d.attempts}"
                )
                sent = {p.position: p for p in d.parts}
                for i, text in enumerate(parts_of(d)):
                    mark = f"sent {sent[i].permalink}" if i in sent else "not sent"
                    click.echo(f"  part {i + 1}: {mark}\n    {' '.join(text.split())[:100]}")
                if d.last_error:
                    click.echo(f"  last error: {d.last_error}")
                events = session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.subject_type == "delivery", AuditEvent.subject_id == str(d.id))
                    .order_by(AuditEvent.at)
                )
                for e in events:
                    click.echo(
                        f"  {e.at.astimezone(zone):%d %b %H:%M:%S} {e.actor}: {e.action} {e.message}".rstrip()
                    )
    except ops.QueueError as exc:
        raise UsageError(str(exc)) from exc


@queue_group.command("add")
@click.option("--at", "when", required=True, metavar="LOCAL-TIME", help="When, in the configured zone.")
@click.option("--to", "targets", required=True, metavar="ACCOUNTS", help="Account keys, comma-separated.")
@click.option("--text", required=True, help="The post's text.")
@click.option(
    "--thread", "thread_auto", is_flag=True, help="Split a long text into a numbered thread where needed."
)
@click.option("--approval", is_flag=True, help="Queue as awaiting approval.")
@click.option("--key", help="A stable key (default: one is made from the time).")
@pass_app
def queue_add(
    app: App, when: str, targets: str, text: str, thread_auto: bool, approval: bool, key: str | None
) -> None:
    """Queue one post from the command line (campaign "cli"), checked like a campaign file."""
    import tempfile
    from datetime import datetime as dt

    from socialbot.queue.campaign import load_campaign
    from socialbot.queue.sync import describe, sync_campaign

    try:
        local = dt.fromisoformat(when)
    except ValueError as exc:
        raise UsageError(
            f"socialbot: queue add: --at {when!r} is not a local time like 2026-12-09 19:30"
        ) from exc
    key = key or f"post-{local:%Y%m%d-%H%M}"
    accounts = [t.strip() for t in targets.split(",") if t.strip()]
    body = {"campaign": "cli", "timezone": app.config.timezone.key, "targets": accounts}
    post = {"key": key, "at": local.replace(tzinfo=None), "text": text, "requires_approval": approval}
    if thread_auto:
        post["thread"] = "auto"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cli.toml"
        path.write_text(_toml(body, post), encoding="utf-8")
        campaign = load_campaign(path, app.config)
        with session_factory(app.engine).begin() as session:
            sync_config(session, app.config)
            result = sync_campaign(session, campaign, actor=os.environ.get("USER", "cli"), keep_others=True)
    click.echo(describe(result, f"cli:{key}", prune=False))


def _toml(table: dict[str, Any], post: dict[str, Any]) -> str:
    """A one-post campaign file, so the command line gets exactly the campaign files' checks."""
    import json

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if hasattr(v, "isoformat"):
            return str(v.isoformat())
        return json.dumps(v, ensure_ascii=False)

    lines = [f"{k} = {value(v)}" for k, v in table.items()] + ["", "[[post]]"]
    return "\n".join(lines + [f"{k} = {value(v)}" for k, v in post.items()]) + "\n"


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
