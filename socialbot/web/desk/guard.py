"""What every desk request shares: the signed-in session, the CSRF checks, cookies and refusals.

CSRF: every state-changing form carries the session's synchroniser token (a hidden field checked
against the store), or, before sign-in, a double-submit token (a cookie and a field that must
match); a POST whose Origin is another site's is refused before either is looked at. Cookies are
HttpOnly, SameSite=Lax, and Secure whenever the request came over https (through the trusted proxy).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from socialbot.access.roles import Actor, Forbidden
from socialbot.access.signin import ABSOLUTE, current_session
from socialbot.access.tokens import csrf_token, new_secret, same
from socialbot.config import Config
from socialbot.store import UserSession

SESSION_COOKIE = "socialbot_session"
FORM_COOKIE = "socialbot_form"


class Refused(Exception):
    """A desk request that is refused: status and a reason for people; nothing was changed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Desk:
    """The desk's store, templates and settings."""

    sessions: sessionmaker[Session]
    templates: Environment
    config: Config
    # Where uploaded images are kept (web/desk/uploads.py).
    media: Path
    # The environment (the networks' secrets) and the sandbox, for "collect now".
    environ: Mapping[str, str] = field(default_factory=dict)
    sandbox_url: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The zone officers read and write times in."""
        return self.config.timezone

    def page(
        self,
        request: Request,
        template: str,
        status: int = 200,
        current: UserSession | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """A desk page; never cached, never framed, and no referrer leaves it (links carry tokens).
        With the signed-in session, its officer and CSRF token go to the header and the forms."""
        if current is not None:
            values |= {"me": current.user, "csrf_token": session_csrf(request)}
        body = self.templates.get_template(template).render(request=request, **values)
        return HTMLResponse(
            body,
            status,
            headers={
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Frame-Options": "DENY",
            },
        )

    def form_page(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        """A page whose form is sent before sign-in: it carries a double-submit token, set as a cookie too."""
        token = form_token(request)
        page = self.page(request, template, status, form_token=token, **values)
        set_cookie(page, request, FORM_COOKIE, token, 3600)
        return page

    def form_post(
        self, handler: Callable[[Request, dict[str, Any]], Response]
    ) -> Callable[[Request], Awaitable[Response]]:
        """A POST of a form shown before sign-in: refused (nothing done) unless it comes from our own
        site with its double-submit token; then handler, in a worker thread."""

        def checked(request: Request, form: dict[str, Any]) -> Response:
            try:
                check_origin(request)
                check_form_token(request, form)
            except Refused as refused:
                return self.refused(request, refused)
            return handler(request, form)

        return posted(checked)

    def change(
        self,
        request: Request,
        form: dict[str, Any],
        apply: Callable[[Session, Actor], object],
        refusals: Mapping[type[Exception], int] | None = None,
    ) -> Response | None:
        """apply, as the signed-in officer, in one transaction, once the request's Origin and CSRF
        token are checked; None when it is done. Otherwise the answer: to the sign-in page, or the
        refusal page (Forbidden is a 403; refusals maps other errors to their status), nothing changed."""
        with self.sessions() as session:
            try:
                check_origin(request)
                with session.begin():
                    current = signed_in(session, request)
                    if current is None:
                        return to_sign_in(request)
                    check_session_token(request, form)
                    apply(session, actor_of(current))
            except Refused as refused:
                return self.refused(request, refused)
            except Forbidden as exc:
                return self.refused(request, Refused(403, str(exc)))
            except Exception as exc:
                status = next(
                    (code for kind, code in (refusals or {}).items() if isinstance(exc, kind)), None
                )
                if status is None:
                    raise
                return self.refused(request, Refused(status, str(exc)))
        return None

    def signed_in_page(
        self, show: Callable[[Request, Session, UserSession], Response]
    ) -> Callable[[Request], Response]:
        """A GET endpoint for signed-in officers: show(request, session, the signed-in session) in one
        transaction; anyone else goes to the sign-in page, coming back here afterwards."""

        def endpoint(request: Request) -> Response:
            with self.sessions.begin() as session:
                current = signed_in(session, request)
                if current is None:
                    return to_sign_in(request)
                return show(request, session, current)

        return endpoint

    def refused(self, request: Request, error: Refused, current: UserSession | None = None) -> HTMLResponse:
        """The 403 (or other) page: what was refused and why."""
        return self.page(request, "desk_refused.html", error.status, current, reason=error.reason)


def posted(
    handler: Callable[[Request, dict[str, Any]], Response],
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint for a form POST: the form is read on the event loop, then handler runs in a worker
    thread (it uses the database, and password hashing takes tens of milliseconds)."""

    async def endpoint(request: Request) -> Response:
        form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
        return await run_in_threadpool(handler, request, form)

    return endpoint


def secure(request: Request) -> bool:
    """Whether the visitor reached us over https (behind a trusted proxy, as it says)."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    """A cookie with the desk's flags."""
    response.set_cookie(
        name, value, max_age=max_age, path="/desk", httponly=True, samesite="lax", secure=secure(request)
    )


def signed_in(session: Session, request: Request) -> UserSession | None:
    """The live session of this request's cookie, or None."""
    return current_session(session, request.cookies.get(SESSION_COOKIE), datetime.now(UTC))


def actor_of(current: UserSession) -> Actor:
    """The signed-in officer as the queue sees them."""
    return Actor.for_user(current.user, "web")


def check_origin(request: Request) -> None:
    """Refused when a POST says it comes from another site (browsers send Origin on every POST)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        ours = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") != ours and urlsplit(origin).netloc != request.headers.get("host"):
            raise Refused(403, "This form was sent from another site; nothing was changed.")


def session_csrf(request: Request) -> str:
    """The CSRF token the signed-in session's forms carry (derived from its cookie)."""
    return csrf_token(request.cookies.get(SESSION_COOKIE, ""))


def check_session_token(request: Request, form: dict[str, Any]) -> None:
    """Refused unless the form carries the CSRF token of the session this request's cookie holds."""
    token = str(form.get("csrf_token", ""))
    if not token or not request.cookies.get(SESSION_COOKIE) or not same(token, session_csrf(request)):
        raise Refused(
            403, "This form has expired or did not come from the desk; reload the page and try again."
        )


def form_token(request: Request) -> str:
    """The double-submit token of a form shown before sign-in (the cookie's, or a new one)."""
    return request.cookies.get(FORM_COOKIE) or new_secret()


def check_form_token(request: Request, form: dict[str, Any]) -> None:
    """Refused unless the pre-sign-in form's token matches its cookie."""
    cookie, field = request.cookies.get(FORM_COOKIE, ""), str(form.get("form_token", ""))
    if not cookie or not field or not same(cookie, field):
        raise Refused(403, "This form has expired; reload the page and try again.")


def to_sign_in(request: Request) -> Response:
    """303 to the sign-in page, coming back here afterwards."""
    return RedirectResponse(f"/desk/sign-in?next={request.url.path}", 303)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a desk path only, never another site."""
    if value and value.startswith("/desk") and "\\" not in value and "//" not in value:
        return value
    return "/desk"


def session_cookie_age() -> int:
    """Seconds a session cookie lives at most (the absolute timeout)."""
    return int(ABSOLUTE.total_seconds())
