"""socialbot/web/wsgi.py in this process: the ASGI bridge's lifespan, errors and streams, and the scope."""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from socialbot.web.wsgi import AsgiBridge, asgi_scope, status_line
from tests.web.wsgi_echo import echo


def environ(path: str, method: str = "GET", body: bytes = b"", **extra: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        **extra,
    }


def call(bridge: AsgiBridge, env: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    answer: list[Any] = []
    body: Iterable[bytes] = bridge(env, lambda status, headers: answer.extend([status, headers]))
    return answer[0], answer[1], b"".join(body)


def test_lifespan_runs_once_on_the_first_request_and_ends_with_stop() -> None:
    events = []

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        events.append("start")
        yield
        events.append("stop")

    bridge = AsgiBridge(echo, lifespan)
    assert events == []
    for _ in range(2):
        status, headers, body = call(bridge, environ("/echo", "POST", b"vote", CONTENT_TYPE="text/plain"))
        assert status == "201 Created" and ("x-echo", "yes") in headers
        assert b'"length": 4' in body and b'"client": "10.0.0.7"' in body
    assert events == ["start"]
    bridge.stop()
    assert events == ["start", "stop"]
    bridge.stop()  # again: nothing to do
    assert events == ["start", "stop"]


def test_failures_and_streams(caplog: pytest.LogCaptureFixture) -> None:
    bridge = AsgiBridge(echo)
    try:
        assert call(bridge, environ("/silent"))[:2] == (
            "500 Internal Server Error",
            [("content-type", "text/plain; charset=utf-8")],
        )
        with caplog.at_level(logging.ERROR, logger="socialbot.web.wsgi"):
            status, headers, body = call(bridge, environ("/raises"))
            # Starlette's own 500 is kept, and the error is logged with the request, by the loop's
            # thread once the app has raised (the answer may have gone out just before).
            deadline = time.monotonic() + 5
            while "the app failed" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.01)
        assert (status, headers, body) == (
            "500 Internal Server Error",
            [("x-error", "kept")],
            b"Internal Server Error",
        )
        assert "GET /raises failed" in caplog.text and "the app failed" in caplog.text
        status, _, body = call(bridge, environ("/stream"))
        assert status == "200 OK" and body == b"part 0\npart 1\npart 2\n"
    finally:
        bridge.stop()


def test_a_failure_before_any_answer_is_a_500() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("no database")

    bridge = AsgiBridge(broken)
    try:
        assert call(bridge, environ("/healthz")) == (
            "500 Internal Server Error",
            [("content-type", "text/plain; charset=utf-8")],
            b"Internal Server Error\n",
        )
    finally:
        bridge.stop()


def test_asgi_scope_from_a_wsgi_environ() -> None:
    # PEP 3333: PATH_INFO holds the path's bytes as latin-1; ASGI's path is the UTF-8 text.
    scope = asgi_scope(
        environ(
            "/caf\u00c3\u00a9/a b",
            QUERY_STRING="x=1",
            HTTP_HOST="feed.example.org",
            HTTP_X_FORWARDED_PROTO="https",
            CONTENT_LENGTH="0",
        )
    )
    assert scope["path"] == "/café/a b" and scope["raw_path"] == b"/caf%C3%A9/a%20b"
    assert scope["query_string"] == b"x=1" and scope["http_version"] == "1.1"
    assert (b"host", b"feed.example.org") in scope["headers"]
    assert (b"x-forwarded-proto", b"https") in scope["headers"]
    assert (b"content-length", b"0") in scope["headers"]
    assert scope["client"] == ("10.0.0.7", 0) and scope["server"] == ("127.0.0.1", 8000)


def test_status_lines() -> None:
    assert status_line(304) == "304 Not Modified" and status_line(599) == "599 Unknown"


def test_a_lifespan_that_fails_to_start_is_tried_again() -> None:
    tries = []

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        tries.append(len(tries))
        if len(tries) == 1:
            raise RuntimeError("database not up yet")
        yield

    bridge = AsgiBridge(echo, lifespan)
    with pytest.raises(RuntimeError, match="database not up yet"):
        call(bridge, environ("/echo"))
    assert bridge.loop is None and bridge.thread is None
    try:
        assert call(bridge, environ("/echo"))[0] == "201 Created"
        assert tries == [0, 1]
    finally:
        bridge.stop()
