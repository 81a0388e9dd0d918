"""Current cached feed answers, sent with no request objects and no middleware layers.

Most requests for a feed ask for what the cache already holds; bench/feed.py measured the full
Starlette path (routing, request, response, two middlewares) at a small fraction of what a static
file server does with the same bytes. `CachedFeeds.answer` decides from a handful of request
fields; `CachedFeeds` sends it over ASGI (uvicorn, tests) and socialbot/web/wsgi.py over granian's
WSGI. Everything else falls through to the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from socialbot.web.cache import Built
from socialbot.web.feed import FeedSite

# Parsed requests and header lists remembered; cleared when full (URLs with ever-new cursors).
MEMO = 4096


@dataclass(frozen=True)
class Headers:
    """One answer's headers, in both forms the servers take."""

    raw: list[tuple[bytes, bytes]]
    text: list[tuple[str, str]]


@dataclass(frozen=True)
class Answer:
    """A cached answer ready to send."""

    status: int
    headers: Headers
    body: bytes


class CachedFeeds:
    """ASGI middleware answering GET/HEAD for a cached, current feed page."""

    def __init__(self, app: ASGIApp, site: FeedSite, extra_headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.site = site
        self.extra = extra_headers
        self.kinds = {path: kind for kind, path in site.paths().items()}
        self.keys: dict[tuple[object, ...], tuple[object, ...]] = {}
        self.header_lists: dict[tuple[object, ...], Headers] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self.kinds.get(scope["path"]) if scope["type"] == "http" else None
        answer = None
        if kind is not None and scope["method"] in ("GET", "HEAD"):
            headers = dict(scope["headers"])
            answer = self.answer(
                kind,
                scope["query_string"],
                base_url(scope, headers),
                headers.get(b"if-none-match", b"").decode("latin-1"),
                b"gzip" in headers.get(b"accept-encoding", b""),
            )
        if answer is None:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers.raw})
        body = b"" if scope["method"] == "HEAD" else answer.body
        await send({"type": "http.response.body", "body": body})

    def answer(
        self, kind: str, query_string: bytes | str, base: str, if_none_match: str, gzip_ok: bool
    ) -> Answer | None:
        """The cached answer to a GET of this feed, or None when the app must build it."""
        key = self._key(kind, query_string, base)
        built = self.site.cache.peek(key)
        if built is None:
            return None
        if if_none_match and built.etag in if_none_match:
            return Answer(304, self._headers(built, kind, None), b"")
        return Answer(200, self._headers(built, kind, gzip_ok), built.gzipped if gzip_ok else built.body)

    def _key(self, kind: str, query_string: bytes | str, base: str) -> tuple[object, ...]:
        # The same few URLs are asked for again and again: parse each once.
        raw = (kind, query_string, base)
        key = self.keys.get(raw)
        if key is None:
            text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
            key = self.site.key(kind, dict(parse_qsl(text, keep_blank_values=True)), base)[0]
            if len(self.keys) > MEMO:
                self.keys.clear()
            self.keys[raw] = key
        return key

    def _headers(self, built: Built, kind: str, gzipped: bool | None) -> Headers:
        memo = (built.etag, kind, gzipped)
        found = self.header_lists.get(memo)
        if found is None:
            raw = [(k.lower().encode(), v.encode()) for k, v in self.site.headers(built, kind).items()]
            raw += self.extra
            if gzipped is not None:
                body = built.gzipped if gzipped else built.body
                raw += [
                    (b"content-type", built.media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"vary", b"Accept-Encoding"),
                ]
                if gzipped:
                    raw.append((b"content-encoding", b"gzip"))
            found = Headers(raw, [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw])
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
