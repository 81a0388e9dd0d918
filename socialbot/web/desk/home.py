"""/desk: what waits for approval, what needs attention and what goes out next; the actions on it;
and /desk/users for admins. Every action is a POST with the session's CSRF token."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from socialbot.access.roles import Action, Forbidden, authorize, can
from socialbot.store import Delivery, DeliveryState, ScheduledPost, User, UserSession
from socialbot.web.desk.guard import (
    Desk,
    Refused,
    actor_of,
)
from socialbot.web.desk.posts import STATE_WORDS

ATTENTION = {DeliveryState.FAILED, DeliveryState.UNKNOWN, DeliveryState.HELD, DeliveryState.EXPIRED}
KIND = {
    DeliveryState.PENDING_APPROVAL: "approval",
    DeliveryState.DRAFT: "sent_back",
    **{state: "attention" for state in ATTENTION},
}


@dataclass
class PostRow:
    """A post and its deliveries, as the desk lists it."""

    post: ScheduledPost
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """campaign:key."""
        return f"{self.post.campaign}:{self.post.key}"


def grouped(deliveries: list[Delivery]) -> list[PostRow]:
    """Deliveries grouped by their post, in the order first seen."""
    rows: dict[int, PostRow] = {}
    for d in deliveries:
        rows.setdefault(d.scheduled_post_id, PostRow(d.scheduled_post)).deliveries.append(d)
    return list(rows.values())


def overview(session: Session, now: datetime) -> dict[str, list[PostRow]]:
    """Waiting for approval, needing attention, and the next seven days."""
    query = (
        select(Delivery)
        .options(joinedload(Delivery.scheduled_post), joinedload(Delivery.account))
        .order_by(Delivery.due_at, Delivery.id)
    )
    found: dict[str, list[Delivery]] = defaultdict(list)
    for d in session.scalars(
        query.where(
            (Delivery.state.in_([DeliveryState.PENDING_APPROVAL, DeliveryState.DRAFT, *ATTENTION]))
            | ((Delivery.state == DeliveryState.SCHEDULED) & (Delivery.due_at < now + timedelta(days=7)))
        ).limit(500)
    ):
        found[KIND.get(d.state, "coming")].append(d)
    return {kind: grouped(found[kind]) for kind in ("approval", "sent_back", "attention", "coming")}


def home_routes(desk: Desk) -> list[Route]:
    """/desk, its actions, and /desk/users."""

    @desk.signed_in_page
    def home(request: Request, session: Session, current: UserSession) -> Response:
        actor = actor_of(current)
        return desk.page(
            request,
            "desk_home.html",
            current=current,
            actor=actor,
            lists=overview(session, datetime.now(UTC)),
            words=STATE_WORDS,
            may_approve=can(actor, Action.APPROVE),
            zone=desk.zone,
        )

    @desk.signed_in_page
    def users(request: Request, session: Session, current: UserSession) -> Response:
        try:
            authorize(actor_of(current), Action.MANAGE_USERS)
        except Forbidden as exc:
            return desk.refused(request, Refused(403, str(exc)), current)
        listed = list(session.scalars(select(User).order_by(User.username)))
        live = {s.user_id for s in session.scalars(select(UserSession))}
        return desk.page(
            request,
            "desk_users.html",
            current=current,
            users=listed,
            live=live,
            zone=desk.zone,
        )

    return [
        Route("/desk", home, methods=["GET"]),
        Route("/desk/users", users, methods=["GET"]),
    ]
