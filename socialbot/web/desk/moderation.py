"""/desk/feed: the What's New feed as visitors see it, with hide / pin / unpin per post and the reason;
the hidden posts with unhide; the banned words. Every change goes through feed/moderation.py, as
`socialbot feed hide` and the API's do."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from socialbot.access.roles import Action, Actor, can
from socialbot.feed.moderation import ACTIONS, ModerationError, moderate
from socialbot.feed.query import FeedError, FeedFilter, feed_page
from socialbot.feed.view import item_view
from socialbot.store import AuditEvent, Moderation, Post, UserSession
from socialbot.web.desk.guard import (
    Desk,
    Refused,
    actor_of,
    posted,
)

PAGE = 30


def reasons(session: Session, post_ids: list[int]) -> dict[int, str]:
    """The latest moderation reason (and who gave it) of each post."""
    if not post_ids:
        return {}
    found: dict[int, str] = {}
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "feed_post", AuditEvent.subject_id.in_([str(i) for i in post_ids]))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    for event in events:
        found[int(event.subject_id)] = f"{event.action.removeprefix('feed.')} by {event.actor}" + (
            f": {event.message}" if event.message else ""
        )
    return found


def moderation_routes(desk: Desk) -> list[Route]:
    """/desk/feed and /desk/feed/ID/ACTION."""

    @desk.signed_in_page
    def page(request: Request, session: Session, current: UserSession) -> Response:
        cursor = request.query_params.get("cursor") or None
        banned = desk.config.feed.banned_words
        try:
            shown = feed_page(session, FeedFilter(), PAGE, cursor, banned)
        except FeedError as exc:
            return desk.refused(request, Refused(400, str(exc)), current)
        hidden = list(
            session.scalars(
                select(Post)
                .where(Post.moderation == Moderation.HIDDEN)
                .order_by(Post.published_at.desc())
                .limit(50)
            )
        )
        base = desk.config.feed.base_url or str(request.base_url).rstrip("/")
        views = [item_view(item, base, True) for item in shown.items]
        return desk.page(
            request,
            "desk_feed.html",
            current=current,
            items=views,
            hidden=hidden,
            reasons=reasons(session, [v.item.id for v in views] + [p.id for p in hidden]),
            banned=banned,
            next_cursor=shown.next_cursor,
            may_moderate=can(actor_of(current), Action.MODERATE),
            zone=desk.zone,
        )

    @posted
    def act(request: Request, form: dict[str, str]) -> Response:
        action, post_id = request.path_params["action"], request.path_params["post_id"]

        def apply(session: Session, actor: Actor) -> object:
            if action not in ACTIONS:
                raise Refused(404, f"No action {action!r}.")
            return moderate(session, str(post_id), action, actor, form.get("reason", "")[:500])

        refused = desk.change(request, form, apply, {ModerationError: 404})
        return refused or RedirectResponse("/desk/feed", 303)

    return [
        Route("/desk/feed", page, methods=["GET"]),
        Route("/desk/feed/{post_id:int}/{action}", act, methods=["POST"]),
    ]
