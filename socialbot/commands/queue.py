"""`socialbot queue …`: list, show, add, approve, send back, cancel, retry and reschedule queued posts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from socialbot.access.roles import Actor, Forbidden
from socialbot.cli import App, pass_app
from socialbot.commands.tables import fitted_table
from socialbot.errors import UsageError
from socialbot.queue.campaign import Wording
from socialbot.queue.errors import QueueError
from socialbot.store.engine import session_factory
from socialbot.store.sync import sync_config


@click.group("queue")
def queue_group() -> None:
    """Queued posts: list them; approve, cancel, reschedule or retry deliveries."""


@queue_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also sent, cancelled and expired deliveries.")
@pass_app
def queue_list(app: App, show_all: bool) -> None:
    """Deliveries in due order, times in the configured zone."""
    from socialbot.dispatch.send import parts_of
    from socialbot.queue.ops import in_due_order
    from socialbot.store import DeliveryState

    finished = {DeliveryState.SENT, DeliveryState.CANCELLED, DeliveryState.EXPIRED}
    rows = []
    with session_factory(app.engine)() as session:
        for d in session.scalars(in_due_order()):
            if d.state in finished and not show_all:
                continue
            texts = parts_of(d)
            rows.append(
                (
                    str(d.id),
                    d.due_at.astimezone(app.config.timezone).strftime("%a %d %b %H:%M %Z"),
                    d.account.key,
                    d.state.value,
                    f"{len(d.parts)}/{len(texts)}",
                    f"{d.scheduled_post.campaign}:{d.scheduled_post.key}",
                    texts[0].strip().splitlines()[0] if texts and texts[0].strip() else "",
                    d.last_error or "",
                )
            )
    click.echo(
        fitted_table(["id", "due (local)", "account", "state", "sent"], ["post", "text", "note"], rows)
    )
    click.echo(
        f"{len(rows)} deliveries" + ("" if show_all else " (--all shows sent, cancelled and expired ones)")
    )


def _queue_command(name: str, doc: str) -> None:
    @queue_group.command(name, help=doc)
    @click.argument("ref")
    @pass_app
    def command(app: App, ref: str) -> None:
        from socialbot.queue import ops

        try:
            with session_factory(app.engine).begin() as session:
                changed = getattr(ops, name)(session, ref, actor=Actor.command_line())
                click.echo(
                    f"{name}: {len(changed)} deliveries: "
                    + ", ".join(f"{d.id} {d.state.value}" for d in changed)
                )
        except (QueueError, Forbidden) as exc:
            raise UsageError(str(exc)) from exc


_queue_command("approve", "Approve deliveries awaiting approval (REF: id or campaign:key).")
_queue_command("cancel", "Cancel unsent deliveries (REF: id or campaign:key).")
_queue_command("retry", "Send failed, unknown or expired deliveries again, now (REF: id or campaign:key).")


@queue_group.command("send-back")
@click.argument("ref")
@click.option("--note", required=True, help="What should change; the author reads it on the desk.")
@pass_app
def queue_send_back(app: App, ref: str, note: str) -> None:
    """Send a post awaiting approval back to its author with a note (REF: id or campaign:key)."""
    from socialbot.queue import ops

    try:
        with session_factory(app.engine).begin() as session:
            changed = ops.send_back(session, ref, Actor.command_line(), note)
            click.echo(f"send-back: {len(changed)} deliveries back to their author as drafts")
    except (QueueError, Forbidden) as exc:
        raise UsageError(str(exc)) from exc


@queue_group.command("show")
@click.argument("ref")
@pass_app
def queue_show(app: App, ref: str) -> None:
    """One post's deliveries (REF: id or campaign:key): state, times, each part sent, and the audit trail."""
    import textwrap

    from socialbot.access.audit import describe, trail
    from socialbot.dispatch.send import parts_of
    from socialbot.queue import ops

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
                    # The whole text, as it will appear: officers proofread here.
                    click.echo(f"  part {i + 1}: {mark}")
                    click.echo(textwrap.indent(text.strip(), "    | ", lambda line: True))
                if d.last_error:
                    click.echo(f"  last error: {d.last_error}")
                for event in trail(session, [("delivery", d.id), ("scheduled_post", post.id)]):
                    click.echo(f"  {describe(event, zone)}")
    except (QueueError, Forbidden) as exc:
        raise UsageError(str(exc)) from exc


# A request's fields (queue/compose.py) as `queue add` spells them.
ADD_OPTIONS = {
    "at": "--at",
    "not_after": "--not-after",
    "text": "--text",
    "thread": "--thread",
    "targets": "--to",
    "media": "--image",
    "variants": "--variant",
    "key": "--key",
    "requires_approval": "--approval",
}
ADD_WORDING = Wording(thread_auto="add --thread", variant="a shorter --variant {network}=TEXT")


def _local_time(option: str, value: str | None) -> Any:
    from datetime import datetime as dt

    if value is None:
        return None
    try:
        return dt.fromisoformat(value).replace(tzinfo=None)
    except ValueError as exc:
        raise UsageError(
            f"socialbot: queue add: {option} {value!r} is not a local time like 2026-12-09 19:30"
        ) from exc


def _option(field_name: str) -> str:
    """The option a request's field comes from: "media[0].path" → "--image 1", "variants.twitter" →
    "--variant twitter"."""
    import re

    head = re.split(r"[.\[]", field_name, maxsplit=1)[0]
    option = ADD_OPTIONS.get(head, field_name)
    index = re.match(r"media\[(\d+)\]", field_name)
    if index:
        return f"{option} {int(index.group(1)) + 1}"
    if head == "variants" and "." in field_name:
        return f"{option} {field_name.split('.', 1)[1]}"
    return option


@queue_group.command("add")
@click.option("--at", "when", metavar="LOCAL-TIME", help="When, in the configured zone (or --now).")
@click.option("--now", "send_now", is_flag=True, help="Send it now.")
@click.option("--to", "targets", required=True, metavar="ACCOUNTS", help="Account keys, comma-separated.")
@click.option("--text", default="", help="The post's text.")
@click.option(
    "--thread", "thread_auto", is_flag=True, help="Split a long text into a numbered thread where needed."
)
@click.option("--approval", is_flag=True, help="Queue as awaiting approval.")
@click.option("--not-after", metavar="LOCAL-TIME", help="If not sent by then, expire it instead.")
@click.option(
    "--image", "images", multiple=True, metavar="PATH", help="An image to attach (repeat for more)."
)
@click.option("--alt", "alts", multiple=True, metavar="TEXT", help="Each image's alt text, in order.")
@click.option(
    "--variant", "variants", multiple=True, metavar="NETWORK=TEXT", help="Another text for one network."
)
@click.option("--key", help="A stable key of your own (default: a new one).")
@click.option("--replace", is_flag=True, help="Change the post queued with --key, if there is one.")
@pass_app
def queue_add(
    app: App,
    when: str | None,
    send_now: bool,
    targets: str,
    text: str,
    thread_auto: bool,
    approval: bool,
    not_after: str | None,
    images: tuple[str, ...],
    alts: tuple[str, ...],
    variants: tuple[str, ...],
    key: str | None,
    replace: bool,
) -> None:
    """Queue one post from the command line (campaign "cli"), checked like a campaign file's."""
    from datetime import UTC, datetime

    from socialbot.queue import ops
    from socialbot.queue.compose import ComposeError, PostRequest, compose
    from socialbot.queue.sync import describe

    if (when is None) == (not send_now):
        raise UsageError("socialbot: queue add: give --at LOCAL-TIME or --now")
    if replace and not key:
        raise UsageError("socialbot: queue add: --replace changes the post of a --key; give the key")
    if len(images) != len(alts):
        raise UsageError(
            f"socialbot: queue add: {len(images)} --image and {len(alts)} --alt; every image needs its alt "
            "text (what a screen reader says), in the same order"
        )
    split = [v.split("=", 1) for v in variants]
    if any(len(pair) != 2 for pair in split):
        raise UsageError("socialbot: queue add: --variant takes NETWORK=TEXT, e.g. --variant facebook='…'")
    request = PostRequest(
        targets=[t.strip() for t in targets.split(",") if t.strip()],
        text=text,
        at=_local_time("--at", when),
        not_after=_local_time("--not-after", not_after),
        thread=thread_auto,
        requires_approval=approval,
        variants={network.strip(): value for network, value in split},
        media=list(zip(images, alts, strict=True)),
        key=key,
    )
    try:
        campaign = compose(request, app.config, datetime.now(UTC), Path.cwd(), ADD_WORDING)
        with session_factory(app.engine).begin() as session:
            sync_config(session, app.config)
            result = ops.add_post(session, campaign, actor=Actor.command_line(), replace=replace)
    except ComposeError as exc:
        raise UsageError(
            "\n".join(f"socialbot: queue add: {_option(p.field)}: {p.message}" for p in exc.problems)
        ) from exc
    except ops.KeyExists as exc:
        raise UsageError(f"socialbot: {exc}; --replace changes it") from exc
    ref = f"cli:{campaign.posts[0].table.key}"
    if replace and not result.posts_created:
        click.echo(f"replaced {ref}: its unsent deliveries now follow this post")
    click.echo(describe(result, ref, prune=False))


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
                actor=Actor.command_line(),
            )
            zone = app.config.timezone.key
            click.echo(f"reschedule: {len(changed)} deliveries now due {local:%a %d %b %H:%M} {zone}")
    except (QueueError, Forbidden) as exc:
        raise UsageError(str(exc)) from exc
