"""With every logger at DEBUG (as `-v` and more), signing in, using a token and failing both log no
password, token, cookie or CSRF secret."""

from __future__ import annotations

import logging

import pytest
import requests

from socialbot.access.api_tokens import create_token
from tests.conftest import ADMIN, remember_secret
from tests.web.desk_fixtures import EMAILS, PASSWORDS, DeskSite

LOGGERS = (
    "",
    "socialbot",
    "urllib3",
    "requests",
    "httpx",
    "starlette",
    "fastapi",
    "uvicorn",
    "sqlalchemy.engine",
)


def test_verbose_logs_hold_no_secret(desk: DeskSite, caplog: pytest.LogCaptureFixture) -> None:
    with desk.db.begin() as session:
        secret = remember_secret(create_token(session, ADMIN, EMAILS["officer"], "logs")[1])
    with caplog.at_level(logging.DEBUG):
        for name in LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
        try:
            browser = desk.browser()
            browser.sign_in("officer", "a wrong passphrase here")
            browser.sign_in("officer")
            csrf = remember_secret(browser.csrf())
            browser.post("/desk/sign-out", {"csrf_token": csrf})
            headers = {"Authorization": f"Bearer {secret}"}
            requests.get(f"{desk.base}/api/v1/me", headers=headers, timeout=10)
            requests.post(f"{desk.base}/api/v1/posts", json={"targets": []}, headers=headers, timeout=10)
        finally:
            for name in LOGGERS:
                logging.getLogger(name).setLevel(logging.NOTSET if name else logging.WARNING)
    logged = caplog.text
    assert len(logged) > 1000, "the loggers were talking"
    for value in (*PASSWORDS.values(), "a wrong passphrase here", secret, csrf):
        assert value not in logged
