"""The API's routes: each parses a request, calls `queue/` or `feed/moderation.py` as the signed-in
token's officer, and answers JSON; every refusal is an RFC 9457 problem."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker
from starlette.exceptions import HTTPException

from socialbot import __version__
from socialbot.access.api_tokens import token_user
from socialbot.access.roles import Actor, Forbidden
from socialbot.config import Config
from socialbot.feed.moderation import ModerationError, moderate
from socialbot.queue import ops
from socialbot.queue.compose import ComposeError, PostRequest, compose
from socialbot.queue.errors import QueueError
from socialbot.queue.event_compose import EventRequest, add_event, compose_event
from socialbot.store import Delivery, DeliveryState, Event, ScheduledPost
from socialbot.web.api.models import (
    DeliveriesOut,
    DeliveryOut,
    EventCreated,
    EventIn,
    FeedPostOut,
    FieldProblem,
    Me,
    ModerationIn,
    PostCreated,
    PostIn,
    Problem,
    RescheduleIn,
    SendBackIn,
)

BEARER = HTTPBearer(auto_error=False, description="A personal token from `socialbot tokens create`.")
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text, "content": {"application/problem+json": {}}}
    for status, text in (
        (401, "No token, or one that is revoked or unknown."),
        (403, "The token's officer may not do this (role, or four-eyes)."),
        (404, "Nothing has that id or campaign:key."),
        (409, "The state or the owning campaign file does not allow it."),
        (422, "The request does not validate; every problem is listed by field."),
    )
}


class Problematic(Exception):
    """Answer with this problem."""

    def __init__(
        self, status: int, title: str, detail: str, errors: list[FieldProblem] | None = None
    ) -> None:
        super().__init__(detail)
        self.problem = Problem(title=title, status=status, detail=detail, errors=errors or [])


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    """The problem as application/problem+json."""
    return JSONResponse(
        problem.model_dump(), problem.status, headers=headers, media_type="application/problem+json"
    )


def store(request: Request) -> Iterator[Session]:
    """The request's transaction: committed when the answer is a success, rolled back on any problem."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session, session.begin():
        yield session


# "function": committed before the answer is sent (FastAPI's default ends a yield dependency after
# it, and a client could read a 201 for a change not yet committed, or one whose commit then fails).
Db = Annotated[Session, Depends(store, scope="function")]


def actor(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)], session: Db) -> Actor:
    """The officer whose live token the request carries; a 401 problem otherwise."""
    user = token_user(session, credentials.credentials, datetime.now(UTC)) if credentials else None
    if user is None:
        raise Problematic(401, "Unauthorized", "Send a live token: Authorization: Bearer sbt_…")
    return Actor.for_user(user, "api")


Who = Annotated[Actor, Depends(actor)]


def create_api(config: Config, sessions: sessionmaker[Session]) -> FastAPI:
    """The API app, to mount at /api/v1."""
    api = FastAPI(
        title="socialbot API",
        version=__version__,
        description="Queue, approve and moderate the network's posts with a personal token.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.sessions = sessions
    zone = config.timezone

    def shown(d: Delivery) -> DeliveryOut:
        post = d.scheduled_post
        return DeliveryOut(
            id=d.id,
            post=f"{post.campaign}:{post.key}",
            account=d.account.key,
            network=d.account.network,
            state=d.state.value,
            due_at=d.due_at,
            due_local=d.due_at.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z"),
            not_after=d.not_after,
            attempts=d.attempts,
            parts_sent=len(d.parts),
            permalink=d.permalink,
            last_error=d.last_error,
            created_by=post.created_by,
            approved_by=post.approved_by,
        )

    def local(value: datetime) -> datetime:
        return value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value

    @api.exception_handler(Problematic)
    async def problematic(request: Request, exc: Problematic) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.problem.status == 401 else None
        return problem_response(exc.problem, headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldProblem(field=".".join(str(p) for p in e["loc"][1:]) or "body", message=e["msg"])
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        return problem_response(
            Problem(title="Unprocessable request", status=422, detail=detail, errors=errors)
        )

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return problem_response(Problem(title="Error", status=exc.status_code, detail=str(exc.detail)))

    def refusing(exc: Exception) -> Problematic:
        if isinstance(exc, Forbidden):
            return Problematic(403, "Forbidden", str(exc))
        if isinstance(exc, ComposeError):
            errors = [FieldProblem(field=p.field, message=p.message) for p in exc.problems]
            return Problematic(422, "It cannot be queued", str(exc), errors)
        if isinstance(exc, ModerationError) or (
            isinstance(exc, QueueError) and "nothing matches" in str(exc)
        ):
            return Problematic(404, "Not found", str(exc))
        return Problematic(409, "Conflict", str(exc))

    @api.get("/me", response_model=Me, responses=PROBLEMS, summary="Whose token this is")
    def me(who: Who, session: Db) -> Me:
        return Me(email=who.name, name="", role=who.role.value)

    @api.get(
        "/deliveries", response_model=DeliveriesOut, responses=PROBLEMS, summary="Deliveries, soonest first"
    )
    def deliveries(
        who: Who,
        session: Db,
        state: DeliveryState | None = None,
        campaign: str | None = None,
        limit: int = 100,
    ) -> DeliveriesOut:
        query = ops.in_due_order().limit(max(1, min(limit, 1000)))
        if state is not None:
            query = query.where(Delivery.state == state)
        if campaign:
            query = query.join(Delivery.scheduled_post).where(ScheduledPost.campaign == campaign)
        return DeliveriesOut(deliveries=[shown(d) for d in session.scalars(query).unique()])

    @api.get(
        "/deliveries/{delivery_id}", response_model=DeliveryOut, responses=PROBLEMS, summary="One delivery"
    )
    def delivery(delivery_id: int, who: Who, session: Db) -> DeliveryOut:
        found = session.scalar(
            select(Delivery)
            .where(Delivery.id == delivery_id)
            .options(
                joinedload(Delivery.scheduled_post),
                joinedload(Delivery.account),
                selectinload(Delivery.parts),
            )
        )
        if found is None:
            raise Problematic(404, "Not found", f"no delivery {delivery_id}")
        return shown(found)

    @api.post(
        "/posts", status_code=201, response_model=PostCreated, responses=PROBLEMS, summary="Queue a post"
    )
    def create_post(body: PostIn, who: Who, session: Db) -> PostCreated:
        request = PostRequest(
            targets=body.targets,
            text=body.text,
            at=local(body.at) if body.at else None,
            not_after=local(body.not_after) if body.not_after else None,
            thread=body.thread,
            requires_approval=body.requires_approval,
            variants=body.variants,
            key=body.key,
            campaign=body.campaign,
        )
        try:
            # Images come with the desk's uploads (part 2): a path on this machine is not the API's to give.
            campaign = compose(request, config, datetime.now(UTC), Path("/nonexistent"))
            result = ops.add_post(session, campaign, who, replace=body.replace)
        except (ComposeError, QueueError, Forbidden) as exc:
            raise refusing(exc) from exc
        ref = f"{body.campaign}:{campaign.posts[0].table.key}"
        return PostCreated(
            post=ref,
            replaced=not result.posts_created,
            deliveries=[shown(d) for d in ops.find(session, ref)],
        )

    def delivery_action(name: str, summary: str) -> None:
        change = getattr(ops, name)

        @api.post(
            f"/deliveries/{{ref}}/{name}",
            response_model=DeliveriesOut,
            responses=PROBLEMS,
            summary=summary,
            name=name,
        )
        def endpoint(ref: str, who: Who, session: Db) -> DeliveriesOut:
            try:
                return DeliveriesOut(deliveries=[shown(d) for d in change(session, ref, who)])
            except (QueueError, Forbidden) as exc:
                raise refusing(exc) from exc

    delivery_action("approve", "Approve what waits for approval (not your own post)")
    delivery_action("cancel", "Cancel unsent deliveries")
    delivery_action("retry", "Send again what failed, expired, is unknown or was held")

    @api.post(
        "/events",
        status_code=201,
        response_model=EventCreated,
        responses=PROBLEMS,
        summary="Queue an event and its reminders",
    )
    def create_event(body: EventIn, who: Who, session: Db) -> EventCreated:
        request = EventRequest(
            title=body.title,
            start=local(body.start),
            end=local(body.end) if body.end else None,
            targets=body.targets,
            location=body.location,
            online_url=body.online_url,
            description=body.description,
            group=body.group,
            status=body.status,
            announce=[a.model_dump(exclude_none=True, exclude_defaults=True) for a in body.announce],
            requires_approval=body.requires_approval,
            key=body.key,
            campaign=body.campaign,
        )
        try:
            campaign = compose_event(request, config, datetime.now(UTC))
            (planned,) = campaign.events
            existed = session.scalar(
                select(Event.id).where(Event.campaign == body.campaign, Event.key == planned.table.key)
            )
            add_event(session, campaign, who, replace=body.replace)
        except (ComposeError, QueueError, Forbidden) as exc:
            raise refusing(exc) from exc
        reminders = [f"{body.campaign}:{key}" for key in planned.post_keys]
        found = [d for ref in reminders for d in ops.find(session, ref)] if reminders else []
        return EventCreated(
            event=f"{body.campaign}:{planned.table.key}",
            replaced=existed is not None,
            reminders=reminders,
            deliveries=[shown(d) for d in found],
        )

    @api.post(
        "/deliveries/{ref}/send-back",
        response_model=DeliveriesOut,
        responses=PROBLEMS,
        summary="Send what waits for approval back to its author with a note (not your own post)",
    )
    def send_back(ref: str, body: SendBackIn, who: Who, session: Db) -> DeliveriesOut:
        try:
            returned = ops.send_back(session, ref, who, body.note)
        except (QueueError, Forbidden) as exc:
            raise refusing(exc) from exc
        return DeliveriesOut(deliveries=[shown(d) for d in returned])

    @api.post(
        "/deliveries/{ref}/reschedule",
        response_model=DeliveriesOut,
        responses=PROBLEMS,
        summary="Move unsent deliveries",
    )
    def reschedule(ref: str, body: RescheduleIn, who: Who, session: Db) -> DeliveriesOut:
        try:
            moved = ops.reschedule(session, ref, local(body.at), zone, who)
        except (QueueError, Forbidden) as exc:
            raise refusing(exc) from exc
        return DeliveriesOut(deliveries=[shown(d) for d in moved])

    def moderation_action(name: str) -> None:
        @api.post(
            f"/feed/{{post_ref}}/{name}",
            response_model=FeedPostOut,
            responses=PROBLEMS,
            summary=f"{name.capitalize()} a post of the What's New feed",
            name=f"feed_{name}",
        )
        def endpoint(post_ref: str, who: Who, session: Db, body: ModerationIn | None = None) -> FeedPostOut:
            try:
                post = moderate(session, post_ref, name, who, body.reason if body else "")
            except (ModerationError, Forbidden) as exc:
                raise refusing(exc) from exc
            return FeedPostOut(
                id=post.id,
                network=post.network,
                external_id=post.external_id,
                moderation=post.moderation.value,
            )

    for name in ("hide", "unhide", "pin", "unpin"):
        moderation_action(name)

    def described() -> dict[str, Any]:
        """FastAPI's description, with problems under their own media type (RFC 9457)."""
        if api.openapi_schema is None:
            spec = FastAPI.openapi(api)
            for operation in (op for path in spec["paths"].values() for op in path.values()):
                for answer in operation.get("responses", {}).values():
                    content = answer.get("content", {})
                    if "application/problem+json" in content and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
            api.openapi_schema = spec
        return api.openapi_schema

    api.openapi = described  # type: ignore[method-assign]
    return api
