"""Signing in and out of the desk, and setting a password from a one-time link."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from socialbot.access.passwords import WeakPassword
from socialbot.access.signin import SignInRefused, sign_in, sign_out
from socialbot.access.users import UserError, link_user, set_password_from_link
from socialbot.web.desk.guard import (
    FORM_COOKIE,
    SESSION_COOKIE,
    Desk,
    Refused,
    check_origin,
    check_session_token,
    posted,
    safe_next,
    session_cookie_age,
    set_cookie,
    signed_in,
)


def auth_routes(desk: Desk) -> list[Route]:
    """/desk/sign-in, /desk/sign-out, /desk/sign-out-everywhere and /desk/set-password."""

    def sign_in_form(request: Request, status: int = 200, message: str = "", email: str = "") -> Response:
        return desk.form_page(
            request,
            "desk_sign_in.html",
            status,
            next=safe_next(request.query_params.get("next")),
            message=message,
            email=email,
            done=request.query_params.get("done") == "1",
        )

    def sign_in_page(request: Request) -> Response:
        return sign_in_form(request)

    @desk.form_post
    def sign_in_post(request: Request, form: dict[str, str]) -> Response:
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        address = request.client.host if request.client else ""
        try:
            started = sign_in(desk.sessions, email, password, address, datetime.now(UTC))
        except SignInRefused as refused:
            if refused.retry_at is None:
                return sign_in_form(request, 401, str(refused), email)
            when = refused.retry_at.astimezone(desk.zone).strftime("%H:%M:%S")
            wait = max(1, int((refused.retry_at - datetime.now(UTC)).total_seconds()) + 1)
            page = sign_in_form(request, 429, f"{refused} You can try again at {when}.", email)
            page.headers["Retry-After"] = str(wait)
            return page
        response = RedirectResponse(safe_next(str(form.get("next", ""))), 303)
        # A new session secret at every sign-in: no cookie from before it is ever trusted.
        set_cookie(response, request, SESSION_COOKIE, started.secret, session_cookie_age())
        response.delete_cookie(FORM_COOKIE, path="/desk")
        return response

    def signing_out(everywhere: bool) -> Callable[[Request], Awaitable[Response]]:
        @posted
        def post(request: Request, form: dict[str, str]) -> Response:
            try:
                check_origin(request)
                with desk.sessions.begin() as session:
                    current = signed_in(session, request)
                    if current is not None:
                        check_session_token(request, form)
                        sign_out(session, current, everywhere)
            except Refused as refused:
                return desk.refused(request, refused)
            response = RedirectResponse("/desk/sign-in", 303)
            response.delete_cookie(SESSION_COOKIE, path="/desk")
            return response

        return post

    def set_password_page(request: Request) -> Response:
        secret = request.query_params.get("token", "")
        with desk.sessions() as session:
            try:
                _, user = link_user(session, secret, datetime.now(UTC))
            except UserError as exc:
                return desk.refused(request, Refused(410, str(exc)))
            email = user.username
        return desk.form_page(request, "desk_set_password.html", email=email, secret=secret)

    @desk.form_post
    def set_password_post(request: Request, form: dict[str, str]) -> Response:
        secret, password = str(form.get("token", "")), str(form.get("password", ""))
        if password != str(form.get("confirm", "")):
            return _password_again(request, secret, "The two passwords differ.")
        try:
            with desk.sessions.begin() as session:
                set_password_from_link(session, secret, password, datetime.now(UTC))
        except UserError as exc:
            return desk.refused(request, Refused(410, str(exc)))
        except WeakPassword as exc:
            return _password_again(request, secret, str(exc).capitalize() + ".")
        return RedirectResponse("/desk/sign-in?done=1", 303)

    def _password_again(request: Request, secret: str, message: str) -> Response:
        with desk.sessions() as session:
            _, user = link_user(session, secret, datetime.now(UTC))
            email = user.username
        return desk.form_page(
            request, "desk_set_password.html", 400, email=email, secret=secret, message=message
        )

    return [
        Route("/desk/sign-in", sign_in_page, methods=["GET"]),
        Route("/desk/sign-in", sign_in_post, methods=["POST"]),
        Route("/desk/sign-out", signing_out(False), methods=["POST"]),
        Route("/desk/sign-out-everywhere", signing_out(True), methods=["POST"]),
        Route("/desk/set-password", set_password_page, methods=["GET"]),
        Route("/desk/set-password", set_password_post, methods=["POST"]),
    ]
