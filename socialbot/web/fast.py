"""Current cached feed answers, sent straight from ASGI: no request objects, no middleware layers.

Most requests for a feed ask for what the cache already holds; bench/feed.py measured the full
Starlette path (routing, request, response, two middlewares) at a small fraction of what a static
file server does with the same bytes. Everything else falls through to the app.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from socialbot.web.cache import Built
from socialbot.web.feed import FeedSite

# Parsed requests and header lists remembered; cleared when full (URLs with ever-new cursors).
MEMO = 4096


class CachedFeeds:
    """ASGI middleware answering GET/HEAD for a cached, current feed page."""

    def __init__(self, app: ASGIApp, site: FeedSite, extra_headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.site = site
        self.extra = extra_headers
        self.kinds = {path: kind for kind, path in site.paths().items()}
        self.keys: dict[tuple[object, ...], tuple[object, ...]] = {}
        self.header_lists: dict[tuple[object, ...], list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self.kinds.get(scope["path"]) if scope["type"] == "http" else None
        if kind is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = self._key(kind, scope, headers)
        built = self.site.cache.peek(key)
        if built is None:
            await self.app(scope, receive, send)
            return
        gzipped = b"gzip" in headers.get(b"accept-encoding", b"")
        if built.etag.encode() in headers.get(b"if-none-match", b""):
            await send(
                {"type": "http.response.start", "status": 304, "headers": self._headers(built, kind, None)}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        body = built.gzipped if gzipped else built.body
        await send(
            {"type": "http.response.start", "status": 200, "headers": self._headers(built, kind, gzipped)}
        )
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def _key(self, kind: str, scope: Scope, headers: dict[bytes, bytes]) -> tuple[object, ...]:
        # The same few URLs are asked for again and again: parse each once.
        raw = (kind, scope["query_string"], headers.get(b"host"), scope.get("scheme"))
        key = self.keys.get(raw)
        if key is None:
            query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
            key = self.site.key(kind, query, base_url(scope, headers))[0]
            if len(self.keys) > MEMO:
                self.keys.clear()
            self.keys[raw] = key
        return key

    def _headers(self, built: Built, kind: str, gzipped: bool | None) -> list[tuple[bytes, bytes]]:
        memo = (built.etag, kind, gzipped)
        found = self.header_lists.get(memo)
        if found is None:
            found = [(k.lower().encode(), v.encode()) for k, v in self.site.headers(built, kind).items()]
            found += self.extra
            if gzipped is not None:
                body = built.gzipped if gzipped else built.body
                found += [
                    (b"content-type", built.media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"vary", b"Accept-Encoding"),
                ]
                if gzipped:
                    found.append((b"content-encoding", b"gzip"))
            if len(self.header_lists) > MEMO:
                self.header_lists.clear()
            self.header_lists[memo] = found
        return found


def base_url(scope: Scope, headers: dict[bytes, bytes]) -> str:
    """scheme://host of the request, as Starlette's request.base_url would give it."""
    host = headers.get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        server_host, port = scope["server"]
        host = f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}"
