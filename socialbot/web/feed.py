"""Public routes: the What's New page, JSON Feed / Atom / RSS, and the data behind embed.js."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from socialbot.config import FeedTable
from socialbot.feed.formats import render_atom, render_json_feed, render_rss
from socialbot.feed.query import FeedError, FeedPage, feed_page, parse_filter
from socialbot.feed.view import ItemView, item_view
from socialbot.store import Group
from socialbot.web.cache import Built, FeedCache
from socialbot.web.security import CORS_OPEN

KINDS = {
    "json": ("application/feed+json", "/feed.json"),
    "atom": ("application/atom+xml; charset=utf-8", "/feed.atom"),
    "rss": ("application/rss+xml; charset=utf-8", "/feed.rss"),
    "html": ("text/html; charset=utf-8", "/whats-new"),
}
PARAMS = ("group", "network", "hashtag", "since", "until", "cursor", "limit", "fragment")


class FeedSite:
    """The feed's routes over one store and [feed] settings."""

    def __init__(self, sessions: sessionmaker[Session], settings: FeedTable, templates: Environment) -> None:
        self.sessions = sessions
        self.settings = settings
        self.templates = templates
        self.cache = FeedCache(sessions)

    def paths(self) -> dict[str, str]:
        """Each feed kind's path."""
        return {kind: path for kind, (_, path) in KINDS.items()}

    def routes(self) -> list[Route]:
        """The public feed routes."""
        return [
            Route("/whats-new", self.endpoint("html")),
            Route("/feed.json", self.endpoint("json")),
            Route("/feed.atom", self.endpoint("atom")),
            Route("/feed.rss", self.endpoint("rss")),
        ]

    def key(
        self, kind: str, query: Mapping[str, str], base_url: str
    ) -> tuple[tuple[object, ...], dict[str, str], str]:
        """The cache key of a request, its feed parameters, and the base URL its links use."""
        params = {k: v for k, v in query.items() if k in PARAMS and v}
        base = self.settings.base_url or base_url.rstrip("/")
        return (kind, base, tuple(sorted(params.items()))), params, base

    def endpoint(self, kind: str) -> Any:
        async def serve(request: Request) -> Response:
            key, params, base = self.key(kind, request.query_params, str(request.base_url))
            try:
                # A current cached answer is served here; building (or checking the version) is database
                # work and goes to a worker thread.
                built = self.cache.peek(key)
                if built is None:
                    built = await run_in_threadpool(
                        self.cache.get, key, lambda: self.build(kind, params, base)
                    )
            except FeedError as exc:
                return self.bad_request(kind, exc)
            return self.respond(request, built, kind)

        return serve

    def bad_request(self, kind: str, error: FeedError) -> Response:
        """400 naming the parameter."""
        return bad_request(error, kind == "json", self.cors(kind))

    def headers(self, built: Built, kind: str) -> dict[str, str]:
        """Validators, caching and CORS headers of a built answer."""
        return {
            "ETag": built.etag,
            "Last-Modified": built.last_modified,
            "Cache-Control": f"public, max-age={self.settings.cache_max_age}, "
            f"stale-while-revalidate={self.settings.stale_while_revalidate}",
            **self.cors(kind),
        }

    def respond(self, request: Request, built: Built, kind: str) -> Response:
        """The built body, or 304 when the client holds the same version."""
        headers = self.headers(built, kind)
        if built.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(built.body, media_type=built.media_type, headers=headers)

    def cors(self, kind: str) -> dict[str, str]:
        """Feeds may be read from any site; the HTML page is not an API."""
        return CORS_OPEN if kind != "html" else {}

    def page(self, params: dict[str, str]) -> FeedPage:
        """The page of items these parameters ask for."""
        flt = parse_filter(params)
        try:
            limit = int(params.get("limit", self.settings.page_size))
        except ValueError as exc:
            raise FeedError(f"limit: {params['limit']!r} is not a number") from exc
        with self.sessions() as session:
            if flt.group:
                # A misspelt data-group would otherwise show an empty feed and no reason.
                slugs = sorted(session.scalars(select(Group.slug).where(Group.enabled)))
                if flt.group not in slugs:
                    raise FeedError(f"group: no group {flt.group!r}; groups: {', '.join(slugs)}", slugs)
            return feed_page(session, flt, limit, params.get("cursor"), self.settings.banned_words)

    def build(self, kind: str, params: dict[str, str], base: str) -> tuple[bytes, str]:
        """Render one response body."""
        page = self.page(params)
        views = [item_view(item, base, self.settings.privacy_mode) for item in page.items]
        media_type = KINDS[kind][0]
        meta = self.meta(kind, params, page, base)
        if kind == "json":
            return render_json_feed(views, page, meta), media_type
        if kind == "atom":
            return render_atom(views, meta), media_type
        if kind == "rss":
            return render_rss(views, meta), media_type
        return self.render_page(views, params, meta).encode(), media_type

    def meta(self, kind: str, params: dict[str, str], page: FeedPage, base: str) -> dict[str, Any]:
        """Title and the feed's own, home page and next-page URLs."""
        path = KINDS[kind][1]
        keep = {k: v for k, v in params.items() if k not in ("cursor",)}
        query = f"?{urlencode(keep)}" if keep else ""
        meta: dict[str, Any] = {
            "title": self.settings.title,
            "home_page_url": f"{base}/whats-new",
            "feed_url": f"{base}{path}{query}",
            "base": base,
        }
        if page.next_cursor:
            meta["next_url"] = f"{base}{path}?{urlencode(keep | {'cursor': page.next_cursor})}"
            # The page's "Load More" link leads to the next page of the same page (or fragment).
            meta["more_url"] = f"{base}/whats-new?{urlencode(keep | {'cursor': page.next_cursor})}"
        return meta

    def render_page(self, views: list[ItemView], params: dict[str, str], meta: dict[str, Any]) -> str:
        """The accessible, script-free page (or just its list, for server-side includes)."""
        template = "feed_fragment.html" if params.get("fragment") else "whats_new.html"
        return self.templates.get_template(template).render(
            views=views, meta=meta, params=params, title=self.settings.title
        )


def bad_request(error: FeedError, problem_json: bool, headers: dict[str, str]) -> Response:
    """400 naming the parameter (and the values it may take): RFC 9457 problem JSON where a script
    reads the answer (the embeds show its detail in place of the list), plain text elsewhere."""
    if problem_json:
        problem = {
            "type": "about:blank",
            "title": "Bad request",
            "status": 400,
            "detail": str(error),
            "parameter": error.parameter,
            "valid": error.valid,
        }
        return JSONResponse(problem, 400, headers=headers, media_type="application/problem+json")
    return PlainTextResponse(f"Bad request: {error}\n", 400, headers=headers)
