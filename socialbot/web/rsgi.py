"""The web app as granian serves it: RSGI, with cached feed answers sent straight from its scope.

bench/feed.py measured, taking turns with nginx on 2 cores: granian's ASGI about 0.4 of nginx's
requests/s for the cached /feed.json, and this RSGI fast path about 0.5 or more (one call into the
server, header lists made once). Every other request goes to the Starlette app through a small
RSGI-to-ASGI bridge; `Served` is also a plain ASGI app, for uvicorn and the tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from socialbot.web.app import FeedApp
from socialbot.web.fast import CachedFeeds

log = logging.getLogger(__name__)

TRUSTED_PROXIES = "SOCIALBOT_TRUSTED_PROXIES"


def trusted_proxies(env: Mapping[str, str]) -> list[str]:
    """The addresses or networks (CIDR) in SOCIALBOT_TRUSTED_PROXIES (default 127.0.0.1), or ["*"].

    ValueError names an entry that is neither (uvicorn's middleware would silently take it as a name).
    """
    spec = env.get(TRUSTED_PROXIES, "127.0.0.1")
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


class Served:
    """The FeedApp behind trusted proxies' headers, as an ASGI app and as an RSGI app."""

    def __init__(self, app: FeedApp, trusted: list[str]) -> None:
        self.feed_app = app
        self.proxy_headers = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type]
        # uvicorn's typed ASGI signatures are stricter than Starlette's; the middleware is plain ASGI 3.
        self.asgi: ASGIApp = self.proxy_headers  # type: ignore[assignment]
        self.fast = CachedFeeds(self.asgi, app.site, app.extra_headers)
        self.lifespan: AbstractAsyncContextManager[Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # granian calls this in each worker before serving (RSGI has no lifespan messages).
        self.lifespan = self.feed_app.router.lifespan_context(self.feed_app)
        loop.run_until_complete(self.lifespan.__aenter__())

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.lifespan is not None:
            loop.run_until_complete(self.lifespan.__aexit__(None, None, None))
            self.lifespan = None

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        kind = self.fast.kinds.get(scope.path)
        if kind is not None and scope.method in ("GET", "HEAD"):
            headers = scope.headers
            host = headers.get("host") or scope.server
            answer = self.fast.answer(
                kind,
                scope.query_string,
                f"{self.scheme(scope, headers)}://{host}",
                headers.get("if-none-match", ""),
                "gzip" in headers.get("accept-encoding", ""),
            )
            if answer is not None:
                if scope.method == "HEAD":
                    proto.response_empty(answer.status, answer.headers.text)
                else:
                    proto.response_bytes(answer.status, answer.headers.text, answer.body)
                return
        await bridge(self.asgi, scope, proto)

    def scheme(self, scope: Any, headers: Any) -> str:
        """The request's scheme as the ASGI path sees it after uvicorn's ProxyHeadersMiddleware (the
        same trusted peers, the same reading of X-Forwarded-Proto), so both paths build one cache key."""
        forwarded = headers.get("x-forwarded-proto")
        if forwarded is not None:  # the peer's address is looked at only when there is something to believe
            client = address(scope.client)
            value = forwarded.strip()
            if client and client[0] in self.proxy_headers.trusted_hosts and value in ("http", "https"):
                return str(value)
        return str(scope.scheme)


def address(value: str) -> tuple[str, int] | None:
    """RSGI's "host:port" as ASGI's (host, port)."""
    if not value:
        return None
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port) if port.isdigit() else 0


async def bridge(app: Any, scope: Any, proto: Any) -> None:
    """Run an ASGI app for one RSGI HTTP request: its body is read on demand, its answer sent whole
    (or streamed when the app sends more_body)."""
    asgi_scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": scope.http_version,
        "method": scope.method,
        "scheme": scope.scheme,
        "path": scope.path,
        "raw_path": scope.path.encode("utf-8"),
        "query_string": scope.query_string.encode("latin-1"),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in scope.headers.items()],
        "server": address(scope.server),
        "client": address(scope.client),
        "state": {},
    }
    received = False
    start: Message | None = None
    chunks: list[bytes] = []
    stream: Any = None

    async def receive() -> Message:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": await proto(), "more_body": False}
        await proto.client_disconnect()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal start, stream
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body" and start is not None:
            body = message.get("body", b"")
            if stream is None and not message.get("more_body", False):
                chunks.append(body)
                return
            if stream is None:
                stream = proto.response_stream(start["status"], text_headers(start))
                for chunk in chunks:
                    await stream.send_bytes(chunk)
                chunks.clear()
            if body:
                await stream.send_bytes(body)

    try:
        await app(asgi_scope, receive, send)
    except Exception:
        # Starlette has answered 500 already (kept in `start`/`chunks`) and raised again, for servers
        # to log: log it here, and still send that answer.
        log.exception("web: %s %s failed", scope.method, scope.path)
    if stream is not None:
        return
    if start is None:
        proto.response_bytes(500, [("content-type", "text/plain; charset=utf-8")], b"Internal Server Error\n")
    elif scope.method == "HEAD" or not chunks:
        proto.response_empty(start["status"], text_headers(start))
    else:
        proto.response_bytes(start["status"], text_headers(start), b"".join(chunks))


def text_headers(start: Message) -> list[tuple[str, str]]:
    """An ASGI response start's headers as RSGI's strings."""
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in start.get("headers", [])]
