"""/desk/approvals: the posts waiting for an approver, each with what every account would receive, and
approve or send back with a note; the officer's own posts waiting for someone else; and posts sent
back to their author with the approver's note."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from socialbot.access.roles import Action, Actor, can
from socialbot.dispatch.send import parts_of
from socialbot.queue import ops
from socialbot.queue.text import LIMITS, measure
from socialbot.store import Delivery, DeliveryState, ScheduledPost, UserSession
from socialbot.web.desk.guard import Desk, actor_of

WAITING = (DeliveryState.PENDING_APPROVAL, DeliveryState.DRAFT)


@dataclass
class Waiting:
    """A post waiting (or sent back), with each account's parts and their counts."""

    post: ScheduledPost
    deliveries: list[Delivery]
    # (account, [(text, length, maximum)]) per delivery.
    parts: list[tuple[str, list[tuple[str, int, int]]]]
    note: tuple[str, str] | None = None

    @property
    def ref(self) -> str:
        """campaign:key."""
        return f"{self.post.campaign}:{self.post.key}"


def waiting(session: Session, actor: Actor) -> dict[str, list[Waiting]]:
    """for_me: others' posts this officer may approve; mine: their own posts waiting for someone
    else; sent_back: their own posts sent back, with the note."""
    posts = session.scalars(
        select(ScheduledPost)
        .where(ScheduledPost.id.in_(select(Delivery.scheduled_post_id).where(Delivery.state.in_(WAITING))))
        .options(
            selectinload(ScheduledPost.deliveries).joinedload(Delivery.account),
            selectinload(ScheduledPost.deliveries).selectinload(Delivery.parts),
        )
        .order_by(ScheduledPost.run_at, ScheduledPost.id)
        .limit(200)
    ).all()
    lists: dict[str, list[Waiting]] = {"for_me": [], "others": [], "mine": [], "sent_back": []}
    approver = can(actor, Action.APPROVE)
    for post in posts:
        shown = [
            d for d in post.deliveries if d.state in (DeliveryState.PENDING_APPROVAL, DeliveryState.DRAFT)
        ]
        item = Waiting(post, shown, [(d.account.key, _counted(d)) for d in shown])
        mine = post.created_by == actor.name
        if any(d.state is DeliveryState.DRAFT for d in shown):
            if mine:
                item.note = ops.sent_back_note(session, post)
                lists["sent_back"].append(item)
            continue
        lists["mine" if mine else ("for_me" if approver else "others")].append(item)
    return lists


def _counted(delivery: Delivery) -> list[tuple[str, int, int]]:
    network = delivery.account.network
    return [(text, measure(network, text), LIMITS[network].maximum) for text in parts_of(delivery)]


def approval_routes(desk: Desk) -> list[Route]:
    """/desk/approvals."""

    @desk.signed_in_page
    def page(request: Request, session: Session, current: UserSession) -> Response:
        actor = actor_of(current)
        return desk.page(
            request,
            "desk_approvals.html",
            current=current,
            lists=waiting(session, actor),
            may_approve=can(actor, Action.APPROVE),
            zone=desk.zone,
        )

    return [Route("/desk/approvals", page, methods=["GET"])]
