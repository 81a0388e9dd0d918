"""The web app as granian serves it: WSGI, with cached feed answers sent straight from the environ.

bench/feed.py measured, taking turns with nginx serving the same bytes on 2 cores: granian's RSGI
(asyncio) with this same fast path at 0.55-0.66 of nginx's requests/s, its WSGI interface with one
Python thread at 0.76-0.95 (p99 4.7-5.7 ms; two threads 0.59-0.77). Under RSGI every request
crosses from granian's Rust threads to the asyncio loop's thread and back (two wake-ups); under
WSGI granian calls straight into the thread that answers. A cached feed answer needs no event
loop: it is a dictionary lookup.

Everything else (pages not yet built, /healthz, the embed, 404s, forms) goes to the Starlette app
through `AsgiBridge`, which runs it on an asyncio loop in a thread of its own, as asgiref's
AsyncToSync does for Django; the app's lifespan runs there too. `Served` is also a plain ASGI app,
for uvicorn and the tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from http import HTTPStatus
from multiprocessing import util
from typing import Any
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from socialbot.web.app import FeedApp

log = logging.getLogger(__name__)

TRUSTED_PROXIES = "SOCIALBOT_TRUSTED_PROXIES"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]


def trusted_proxies(env: Mapping[str, str]) -> list[str]:
    """The addresses or networks (CIDR) in SOCIALBOT_TRUSTED_PROXIES (default 127.0.0.1), or ["*"].

    ValueError names an entry that is neither (uvicorn's middleware would silently take it as a name).
    """
    # An empty value (an env file's `NAME=` line) means the default, as an unset one does.
    spec = env.get(TRUSTED_PROXIES) or "127.0.0.1"
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if "*" in items:
        return ["*"]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                f"{TRUSTED_PROXIES}: {item!r} is not an address, a network (CIDR) or *"
            ) from None
    return items


def status_line(status: int) -> str:
    """'200 OK' for 200: WSGI's status string."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


STATUS_LINES = {status: status_line(status) for status in (200, 304)}


class Served:
    """The FeedApp behind trusted proxies' headers, as an ASGI app and as a WSGI app (`wsgi`)."""

    def __init__(self, app: FeedApp, trusted: list[str]) -> None:
        self.proxy_headers = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type]
        # uvicorn's typed ASGI signatures are stricter than Starlette's; the middleware is plain ASGI 3.
        self.asgi: ASGIApp = self.proxy_headers  # type: ignore[assignment]
        self.fast = app.cached_feeds
        self.bridge = AsgiBridge(self.asgi, lambda: app.router.lifespan_context(app))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    def wsgi(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI app: a cached feed answer from here, anything else from the ASGI app."""
        kind = self.fast.kinds.get(environ["PATH_INFO"])
        if kind is not None and environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
            answer = self.fast.answer(
                kind,
                environ.get("QUERY_STRING", ""),
                f"{self.scheme(environ)}://{host}",
                environ.get("HTTP_IF_NONE_MATCH", ""),
                "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""),
            )
            if answer is not None:
                start_response(STATUS_LINES[answer.status], answer.headers.text)
                # For HEAD the server sends the headers only (content-length as given).
                return [answer.body]
        return self.bridge(environ, start_response)

    def scheme(self, environ: Environ) -> str:
        """The request's scheme as the ASGI path sees it after uvicorn's ProxyHeadersMiddleware (the
        same trusted peers, the same reading of X-Forwarded-Proto), so both paths build one cache key."""
        forwarded = environ.get("HTTP_X_FORWARDED_PROTO")
        if forwarded is not None:  # the peer's address is looked at only when there is something to believe
            value = forwarded.strip()
            if environ.get("REMOTE_ADDR") in self.proxy_headers.trusted_hosts and value in ("http", "https"):
                return str(value)
        return str(environ["wsgi.url_scheme"])


class AsgiBridge:
    """Runs an ASGI app for WSGI requests, on an asyncio loop in a thread of its own.

    The loop and the app's lifespan start with the first request and stop when the process exits.
    The request body is read before the app runs; the answer is returned whole, or as it comes when
    the app streams (more_body).
    """

    def __init__(
        self, app: ASGIApp, lifespan: Callable[[], AbstractAsyncContextManager[Any]] | None = None
    ) -> None:
        self.app = app
        self.make_lifespan = lifespan
        self.lifespan: AbstractAsyncContextManager[Any] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        loop = self.loop or self.start()
        body = environ["wsgi.input"].read() if "wsgi.input" in environ else b""
        # The app's messages as it sends them; None when it has returned (or failed, which it logs).
        answers: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        asyncio.run_coroutine_threadsafe(self._run(asgi_scope(environ), body, answers), loop)
        start = answers.get()
        if start is None:
            start_response("500 Internal Server Error", [("content-type", "text/plain; charset=utf-8")])
            return [b"Internal Server Error\n"]
        start_response(status_line(start["status"]), text_headers(start))
        first = answers.get()
        if first is None or not first.get("more_body", False):
            return [first.get("body", b"") if first else b""]
        return self._stream(first["body"], answers)

    @staticmethod
    def _stream(first: bytes, answers: queue.SimpleQueue[Message | None]) -> Iterator[bytes]:
        yield first
        while (message := answers.get()) is not None:
            if message.get("body"):
                yield message["body"]
            if not message.get("more_body", False):
                return

    async def _run(self, scope: Scope, body: bytes, answers: queue.SimpleQueue[Message | None]) -> None:
        finished = asyncio.Event()
        received = False
        started = False

        async def receive() -> Message:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()  # the client counts as gone once the answer is sent
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                answers.put(message)
            elif message["type"] == "http.response.body" and started:
                answers.put(message)
                if not message.get("more_body", False):
                    finished.set()

        try:
            await self.app(scope, receive, send)
        except Exception:
            # Starlette has answered 500 already and raised again for servers to log: that answer is
            # kept (or, when nothing was sent, the WSGI side answers 500).
            log.exception("web: %s %s failed", scope["method"], scope["path"])
        finally:
            finished.set()
            answers.put(None)

    def start(self) -> asyncio.AbstractEventLoop:
        """Start the loop's thread and the app's lifespan (once; later calls return the loop)."""
        with self.lock:
            if self.loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="asgi-loop", daemon=True)
                thread.start()
                try:
                    if self.make_lifespan is not None:
                        self.lifespan = self.make_lifespan()
                        asyncio.run_coroutine_threadsafe(self.lifespan.__aenter__(), loop).result()
                except BaseException:
                    # Not started: the next request tries again, with a new loop.
                    self.lifespan = None
                    loop.call_soon_threadsafe(loop.stop)
                    thread.join(10)
                    loop.close()
                    raise
                self.thread = thread
                # At the process's exit: granian's workers are multiprocessing children, which end
                # without atexit handlers but with multiprocessing's finalizers (which run at exit too).
                util.Finalize(None, self.stop, exitpriority=10)
                self.loop = loop
            return self.loop

    def stop(self) -> None:
        """End the app's lifespan and the loop."""
        with self.lock:
            loop, self.loop, thread, self.thread = self.loop, None, self.thread, None
            lifespan, self.lifespan = self.lifespan, None
        if loop is None or thread is None:
            return
        try:
            if lifespan is not None:
                asyncio.run_coroutine_threadsafe(lifespan.__aexit__(None, None, None), loop).result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            if not loop.is_running():
                loop.close()


def asgi_scope(environ: Environ) -> Scope:
    """A WSGI environ as an ASGI HTTP scope (PATH_INFO is the path's bytes as latin-1, per PEP 3333)."""
    raw = environ["PATH_INFO"].encode("latin-1")
    headers = [
        (name[5:].replace("_", "-").lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in environ.items()
        if name.startswith("HTTP_")
    ]
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers.append((name.replace("_", "-").lower().encode(), environ[name].encode("latin-1")))
    remote = environ.get("REMOTE_ADDR")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").partition("/")[2] or "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": environ["wsgi.url_scheme"],
        "path": raw.decode("utf-8", "replace"),
        "raw_path": quote(raw, safe="/!$&'()*+,;=:@-._~").encode("ascii"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": environ.get("SCRIPT_NAME", ""),
        "headers": headers,
        "server": (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0)),
        "client": (remote, int(environ.get("REMOTE_PORT") or 0)) if remote else None,
        "state": {},
    }


def text_headers(start: Message) -> list[tuple[str, str]]:
    """An ASGI response start's headers as WSGI's strings."""
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in start.get("headers", [])]
