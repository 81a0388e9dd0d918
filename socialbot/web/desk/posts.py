"""/desk/posts/REF: every delivery of a post with its parts, links, errors and history; and the actions
on a post (approve, send back, cancel, retry, reschedule), each a POST through queue/ops with the
session's CSRF token, back to the page it came from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from socialbot.access.audit import describe, trail
from socialbot.access.roles import Action, Actor, can
from socialbot.dispatch.send import parts_of
from socialbot.queue import ops
from socialbot.queue.errors import QueueError
from socialbot.queue.sync import UNSENT
from socialbot.store import Delivery, DeliveryState, UserSession
from socialbot.web.desk.guard import (
    Desk,
    Refused,
    actor_of,
    posted,
    safe_next,
)

# What each state means to an officer, and what to do about it.
STATE_WORDS = {
    DeliveryState.DRAFT: "sent back to its author: edit it to submit it again",
    DeliveryState.PENDING_APPROVAL: "waits for approval by someone other than its author",
    DeliveryState.SCHEDULED: "scheduled",
    DeliveryState.HELD: "held: its account must not reach the real platform; fix it, then Retry",
    DeliveryState.SENDING: "being sent now",
    DeliveryState.SENT: "sent",
    DeliveryState.FAILED: "failed: the platform refused it; fix the cause, then Retry",
    DeliveryState.CANCELLED: "cancelled",
    DeliveryState.EXPIRED: "expired: it missed its not-after time; Retry sends it now",
    DeliveryState.UNKNOWN: "unknown: the bot stopped while sending; check the account, then Retry or Cancel",
}


def _reschedule(desk: Desk) -> Callable[[Session, str, Actor, dict[str, str]], list[Delivery]]:
    def reschedule(session: Session, ref: str, actor: Actor, form: dict[str, str]) -> list[Delivery]:
        try:
            day, at = date.fromisoformat(form.get("day", "")), time.fromisoformat(form.get("at", ""))
        except ValueError as exc:
            raise QueueError("queue: reschedule: give a date (YYYY-MM-DD) and a time (HH:MM)") from exc
        return ops.reschedule(session, ref, datetime.combine(day, at), desk.zone, actor)

    return reschedule


def post_actions(desk: Desk) -> dict[str, Callable[[Session, str, Actor, dict[str, str]], list[Delivery]]]:
    """Each action's name in the URL → the queue operation it calls."""
    return {
        "approve": lambda session, ref, actor, form: ops.approve(session, ref, actor),
        "send-back": lambda session, ref, actor, form: ops.send_back(
            session, ref, actor, form.get("note", "")
        ),
        "cancel": lambda session, ref, actor, form: ops.cancel(session, ref, actor),
        "retry": lambda session, ref, actor, form: ops.retry(session, ref, actor),
        "reschedule": _reschedule(desk),
    }


def post_routes(desk: Desk) -> list[Route]:
    """/desk/posts/REF and /desk/deliveries/REF/ACTION."""
    actions = post_actions(desk)

    @posted
    def act(request: Request, form: dict[str, str]) -> Response:
        name, ref = request.path_params["action"], request.path_params["ref"]

        def apply(session: Session, actor: Actor) -> object:
            if name not in actions:
                raise Refused(404, f"No action {name!r}.")
            return actions[name](session, ref, actor, form)

        refused = desk.change(request, form, apply, {QueueError: 409})
        return refused or RedirectResponse(safe_next(form.get("back")), 303)

    @desk.signed_in_page
    def post_page(request: Request, session: Session, current: UserSession) -> Response:
        ref = request.path_params["ref"]
        try:
            found = ops.find(session, ref)
        except QueueError as exc:
            return desk.refused(request, Refused(404, str(exc)), current)
        post = found[0].scheduled_post
        actor = actor_of(current)
        events = trail(session, [("scheduled_post", post.id), *(("delivery", d.id) for d in found)])
        states = {d.state for d in found}
        return desk.page(
            request,
            "desk_post.html",
            current=current,
            post=post,
            ref=f"{post.campaign}:{post.key}",
            deliveries=[(d, parts_of(d), STATE_WORDS[d.state]) for d in found],
            trail=[describe(e, desk.zone) for e in events],
            zone=desk.zone,
            offers=_offers(actor, post.created_by, post.source_file, states),
            sent_back=ops.sent_back_note(session, post),
            queued=request.query_params.get("queued") == "1",
            next_due=min((d.due_at for d in found if d.state in UNSENT), default=None),
        )

    return [
        Route("/desk/posts/{ref}", post_page, methods=["GET"]),
        Route("/desk/deliveries/{ref}/{action}", act, methods=["POST"]),
    ]


def _offers(actor: Actor, author: str, source_file: str | None, states: set[DeliveryState]) -> dict[str, Any]:
    """Which actions the page offers this officer for a post whose deliveries are in these states
    (queue/ops decides again when one is sent; this only leaves out buttons that would be refused)."""
    pending = DeliveryState.PENDING_APPROVAL in states
    approver = can(actor, Action.APPROVE) and author != actor.name
    unsent = bool(states & set(UNSENT))
    return {
        "approve": pending and approver,
        "send_back": pending and approver,
        "own_post": pending and can(actor, Action.APPROVE) and author == actor.name,
        "cancel": bool(states & {*UNSENT, DeliveryState.HELD}),
        "retry": bool(states & ops.RETRYABLE),
        "reschedule": unsent and not source_file,
        "edit": unsent and not source_file,
    }
