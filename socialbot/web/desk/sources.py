"""/desk/sources: every group's sources with their health, the worst first; an admin may collect one
source now (the same collect_round that `socialbot collect --source ID` runs)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from socialbot.access.audit import record
from socialbot.access.roles import Action, Actor, authorize, can
from socialbot.collect.round import collect_round
from socialbot.collect.summary import source_status
from socialbot.store import Group, Source, UserSession
from socialbot.web.desk.guard import (
    Desk,
    Refused,
    actor_of,
    posted,
)

# The worst first: what needs someone, then what failed last, then the rest.
ORDER = ("parked", "error", "rate_limited", "new", "skipped", "ok", "not_modified", "disabled")


def health_order(source: Source) -> tuple[int, int, str, str]:
    """Sort key: status by ORDER, more errors in a row first, then group and locator."""
    status = source_status(source)
    rank = ORDER.index(status) if status in ORDER else len(ORDER)
    return rank, -source.consecutive_errors, source.group.slug, source.locator


def source_routes(desk: Desk) -> list[Route]:
    """/desk/sources and /desk/sources/ID/collect."""

    @desk.signed_in_page
    def page(request: Request, session: Session, current: UserSession) -> Response:
        listed = sorted(
            session.scalars(select(Source).join(Group).options(joinedload(Source.group))),
            key=health_order,
        )
        return desk.page(
            request,
            "desk_sources.html",
            current=current,
            sources=[(s, source_status(s)) for s in listed],
            may_collect=can(actor_of(current), Action.MANAGE_SOURCES),
            now=datetime.now(UTC),
            done=request.query_params.get("collected", ""),
            zone=desk.zone,
        )

    @posted
    def collect_now(request: Request, form: dict[str, str]) -> Response:
        source_id = request.path_params["source_id"]

        def allow(session: Session, actor: Actor) -> object:
            authorize(actor, Action.MANAGE_SOURCES)
            if session.get(Source, source_id) is None:
                raise Refused(404, f"No source {source_id}.")
            return record(session, actor, "source.collect_now", "source", source_id)

        refused = desk.change(request, form, allow)
        if refused is not None:
            return refused
        report = collect_round(
            desk.sessions, desk.config, env=desk.environ, sandbox_url=desk.sandbox_url, source_id=source_id
        )
        outcome = report.outcomes[0].status if report.outcomes else "skipped"
        return RedirectResponse(f"/desk/sources?collected={source_id}:{outcome}", 303)

    return [
        Route("/desk/sources", page, methods=["GET"]),
        Route("/desk/sources/{source_id:int}/collect", collect_now, methods=["POST"]),
    ]
