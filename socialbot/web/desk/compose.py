"""/desk/compose: write a post once, see what each network receives, queue it (or send it for approval).

The preview is queue/preview.py, built from the same plan compose() validates, so the page and the
dispatcher cannot disagree. Without JavaScript the "Preview" button sends the form back; with it,
desk.js asks /desk/compose/preview as the officer types and swaps the panel in. Editing is for a
post made on the desk, the API or the command line that is not sent yet (a campaign file's post is
edited in its file: queue/sync.py's rule, raised by queue/ops.add_post).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from markupsafe import escape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from socialbot.access.roles import Action, Forbidden, authorize
from socialbot.queue import ops
from socialbot.queue.compose import ComposeError, PostRequest, Problem, compose
from socialbot.queue.errors import QueueError
from socialbot.queue.preview import DESK_WORDING, Preview, preview
from socialbot.queue.sync import UNSENT
from socialbot.store import ScheduledPost, UserSession
from socialbot.web.desk.guard import (
    Desk,
    Refused,
    actor_of,
    check_origin,
    check_session_token,
    signed_in,
    to_sign_in,
)
from socialbot.web.desk.uploads import MAX_UPLOAD, UploadError, store_upload, stored_path

IMAGES = 4
NETWORK_VARIANTS = ("twitter", "bluesky", "mastodon", "facebook")
# The line that separates explicit thread parts in the form.
PART_BREAK = "---"


@dataclass
class ComposeForm:
    """The compose form's values as the officer left them (strings, for redisplay)."""

    text: str = ""
    thread: str = "none"
    parts: str = ""
    variants: dict[str, str] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)
    day: str = ""
    at: str = ""
    not_after_day: str = ""
    not_after_at: str = ""
    requires_approval: bool = True
    campaign: str = "desk"
    key: str = ""
    # (stored name, alt text) per image slot; "" where none.
    images: list[tuple[str, str]] = field(default_factory=lambda: [("", "")] * IMAGES)

    @classmethod
    def read(cls, form: FormData) -> ComposeForm:
        """The form's fields (files are stored separately, see _store_files)."""

        def text(name: str) -> str:
            value = form.get(name, "")
            return value if isinstance(value, str) else ""

        return cls(
            text=text("text"),
            thread=text("thread") or "none",
            parts=text("parts"),
            variants={n: text(f"variant_{n}") for n in NETWORK_VARIANTS if text(f"variant_{n}").strip()},
            targets=[t for t in form.getlist("targets") if isinstance(t, str)],
            day=text("day"),
            at=text("at"),
            not_after_day=text("not_after_day"),
            not_after_at=text("not_after_at"),
            requires_approval=text("requires_approval") == "on",
            campaign=text("campaign").strip() or "desk",
            key=text("key"),
            images=[(text(f"kept_{i}"), text(f"alt_{i}")) for i in range(IMAGES)],
        )

    @classmethod
    def of_post(cls, post: ScheduledPost, targets: list[str], desk: Desk) -> ComposeForm:
        """The form filled from a queued post, to edit it."""
        local = post.run_at.astimezone(desk.zone) if post.run_at else None
        deadline = post.not_after.astimezone(desk.zone) if post.not_after else None
        kept = [(str(m["path"]).rsplit("/", 1)[-1], str(m.get("alt", ""))) for m in post.media]
        return cls(
            text=post.text,
            thread="parts" if post.thread else ("auto" if post.thread_auto else "none"),
            parts=f"\n{PART_BREAK}\n".join(post.thread),
            variants=dict(post.variants),
            targets=targets,
            day=f"{local:%Y-%m-%d}" if local else "",
            at=f"{local:%H:%M}" if local else "",
            not_after_day=f"{deadline:%Y-%m-%d}" if deadline else "",
            not_after_at=f"{deadline:%H:%M}" if deadline else "",
            requires_approval=post.requires_approval,
            campaign=post.campaign,
            key=post.key,
            images=(kept + [("", "")] * IMAGES)[:IMAGES],
        )

    def request(self, desk: Desk) -> tuple[PostRequest, list[Problem]]:
        """The PostRequest these fields ask for, and the problems reading them (dates, images)."""
        problems: list[Problem] = []
        at = _local(self.day, self.at, "at", problems, required=True)
        not_after = _local(self.not_after_day, self.not_after_at, "not_after", problems)
        media = []
        for i, (name, alt) in enumerate(self.images):
            if not name:
                if alt.strip():
                    problems.append(Problem(f"media[{i}].path", "choose the image this alt text describes"))
                continue
            path = stored_path(desk.media, name)
            if path is None:
                problems.append(Problem(f"media[{i}].path", "this upload is gone; choose the image again"))
                continue
            media.append((str(path), alt.strip()))
        parts = [p.strip() for p in self.parts.split(f"\n{PART_BREAK}") if p.strip()]
        request = PostRequest(
            targets=self.targets,
            text=self.text.strip() if self.thread != "parts" or not parts else "",
            at=at,
            not_after=not_after,
            thread=self.thread == "auto",
            parts=parts if self.thread == "parts" else [],
            requires_approval=self.requires_approval,
            variants={n: v.strip() for n, v in self.variants.items()},
            media=media,
            key=self.key or None,
            campaign=self.campaign,
        )
        if self.thread == "parts" and len(parts) < 2:
            problems.append(Problem("thread", f"write two parts or more, each after a line of {PART_BREAK}"))
        return request, problems


def _local(day: str, at: str, name: str, problems: list[Problem], required: bool = False) -> datetime | None:
    """A local date and time from the form's two fields; a problem at the field when unreadable."""
    if not day and not at:
        if required:
            problems.append(Problem(name, "give a date and a time"))
        return None
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(at or "00:00"))
    except ValueError:
        problems.append(Problem(name, f"{day} {at} is not a date (YYYY-MM-DD) and a time (HH:MM)"))
        return None


async def _store_files(desk: Desk, form: FormData, fields: ComposeForm) -> list[Problem]:
    """Each image chosen in the form, stored (replacing its slot's kept upload); problems by slot."""
    problems = []
    for i in range(IMAGES):
        upload = form.get(f"image_{i}")
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        content = await upload.read(MAX_UPLOAD + 1)
        try:
            name = await run_in_threadpool(store_upload, desk.media, upload.filename, content)
        except UploadError as exc:
            problems.append(Problem(f"media[{i}].path", str(exc)))
            continue
        fields.images[i] = (name, fields.images[i][1])
    return problems


def compose_routes(desk: Desk) -> list[Route]:
    """/desk/compose (GET, POST), /desk/compose/preview, /desk/compose/upload and /desk/media/NAME."""

    def accounts() -> list[Any]:
        return list(desk.config.accounts)

    def show(
        request: Request,
        current: UserSession,
        fields: ComposeForm,
        shown: Preview | None,
        status: int = 200,
    ) -> HTMLResponse:
        return desk.page(
            request,
            "desk_compose.html",
            status,
            current,
            form=fields,
            preview=shown,
            accounts=accounts(),
            zone=desk.zone,
            images=IMAGES,
            variants=NETWORK_VARIANTS,
            part_break=PART_BREAK,
            editing=bool(fields.key),
        )

    @desk.signed_in_page
    def page(request: Request, session: Session, current: UserSession) -> Response:
        try:
            authorize(actor_of(current), Action.COMPOSE)
            fields = _editable(session, request.query_params.get("edit", ""), desk)
        except Forbidden as exc:
            return desk.refused(request, Refused(403, str(exc)), current)
        except Refused as refused:
            return desk.refused(request, refused, current)
        if not fields.key:
            fields.targets = [a.key for a in accounts() if a.network != "facebook"]
        return show(request, current, fields, None)

    async def submit(request: Request) -> Response:
        async with request.form(max_files=IMAGES, max_fields=100) as form:
            fields = ComposeForm.read(form)
            with desk.sessions.begin() as session:
                try:
                    check_origin(request)
                    current = signed_in(session, request)
                    if current is None:
                        return to_sign_in(request)
                    check_session_token(request, {"csrf_token": form.get("csrf_token", "")})
                except Refused as refused:
                    return desk.refused(request, refused)
            upload_problems = await _store_files(desk, form, fields)
            queue = form.get("action") == "queue"
        return await run_in_threadpool(decide, request, fields, upload_problems, queue)

    def decide(request: Request, fields: ComposeForm, problems: list[Problem], queue: bool) -> Response:
        now = datetime.now(UTC)
        post_request, read_problems = fields.request(desk)
        problems = problems + read_problems
        with desk.sessions() as session:
            with session.begin():
                current = signed_in(session, request)
                if current is None:
                    return to_sign_in(request)
                actor = actor_of(current)
            if queue and not problems:
                try:
                    with session.begin():
                        campaign = compose(post_request, desk.config, now, desk.media, DESK_WORDING)
                        ops.add_post(session, campaign, actor, replace=bool(fields.key))
                    ref = f"{campaign.file.campaign}:{campaign.posts[0].table.key}"
                    return RedirectResponse(f"/desk/posts/{ref}?queued=1", 303)
                except ComposeError as exc:
                    problems = exc.problems
                except Forbidden as exc:
                    return desk.refused(request, Refused(403, str(exc)), current)
                except QueueError as exc:
                    problems = [Problem("campaign", str(exc))]
            shown = preview(post_request, desk.config, now, desk.media)
            shown.problems = problems + [p for p in shown.problems if p not in problems]
            return show(request, current, fields, shown, 422 if queue else 200)

    async def live_preview(request: Request) -> Response:
        async with request.form(max_files=0, max_fields=100) as form:
            fields = ComposeForm.read(form)
            token = form.get("csrf_token", "")

        def render() -> Response:
            with desk.sessions.begin() as session:
                current = signed_in(session, request)
                try:
                    check_origin(request)
                    if current is None:
                        raise Refused(401, "Sign in again to see the preview.")
                    check_session_token(request, {"csrf_token": token})
                except Refused as refused:
                    return HTMLResponse(f'<p class="desk-error">{escape(refused.reason)}</p>', refused.status)
                post_request, problems = fields.request(desk)
                shown = preview(post_request, desk.config, datetime.now(UTC), desk.media)
                shown.problems = problems + shown.problems
                body = desk.templates.get_template("desk_preview.html").render(preview=shown)
                return HTMLResponse(body, headers={"Cache-Control": "no-store"})

        return await run_in_threadpool(render)

    async def upload(request: Request) -> Response:
        """One image chosen on the page, stored at once (desk.js), so the live preview checks it."""
        async with request.form(max_files=1, max_fields=10) as form:
            with desk.sessions.begin() as session:
                try:
                    check_origin(request)
                    if signed_in(session, request) is None:
                        raise Refused(401, "Sign in again to add images.")
                    check_session_token(request, {"csrf_token": form.get("csrf_token", "")})
                except Refused as refused:
                    return JSONResponse({"error": refused.reason}, refused.status)
            image = form.get("image")
            if not isinstance(image, UploadFile) or not image.filename:
                return JSONResponse({"error": "choose an image"}, 400)
            content = await image.read(MAX_UPLOAD + 1)
            try:
                name = await run_in_threadpool(store_upload, desk.media, image.filename, content)
            except UploadError as exc:
                return JSONResponse({"error": str(exc)}, 422)
        return JSONResponse({"name": name}, headers={"Cache-Control": "no-store"})

    def media(request: Request) -> Response:
        with desk.sessions.begin() as session:
            if signed_in(session, request) is None:
                return Response(status_code=404)
        path = stored_path(desk.media, request.path_params["name"])
        if path is None:
            return Response(status_code=404)
        return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})

    return [
        Route("/desk/compose", page, methods=["GET"]),
        Route("/desk/compose", submit, methods=["POST"]),
        Route("/desk/compose/preview", live_preview, methods=["POST"]),
        Route("/desk/compose/upload", upload, methods=["POST"]),
        Route("/desk/media/{name}", media, methods=["GET"]),
    ]


def _editable(session: Any, ref: str, desk: Desk) -> ComposeForm:
    """The form for editing ref (a web post not sent yet), or an empty one."""
    if not ref:
        return ComposeForm()
    try:
        found = ops.find(session, ref)
    except QueueError as exc:
        raise Refused(404, str(exc)) from exc
    post = found[0].scheduled_post
    if post.source_file:
        raise Refused(409, f"{ref} comes from {post.source_file}: edit it there.")
    if not any(d.state in UNSENT for d in found):
        raise Refused(409, f"{ref} has nothing left to send; queue a new post instead.")
    return ComposeForm.of_post(post, sorted({d.account.key for d in found}), desk)
