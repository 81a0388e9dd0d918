"""The ASGI app: the public feed and events, the embed, the demo page, the desk, the API, the health
check and the metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from socialbot.config import Config
from socialbot.feed.formats import segments_html
from socialbot.feed.segments import Segment
from socialbot.web.api.app import create_api
from socialbot.web.desk.approvals import approval_routes
from socialbot.web.desk.auth import auth_routes
from socialbot.web.desk.calendar import calendar_routes
from socialbot.web.desk.compose import compose_routes
from socialbot.web.desk.events import event_routes
from socialbot.web.desk.guard import Desk
from socialbot.web.desk.home import home_routes
from socialbot.web.desk.moderation import moderation_routes
from socialbot.web.desk.my_calendar import my_calendar_routes
from socialbot.web.desk.posts import post_routes
from socialbot.web.desk.sources import source_routes
from socialbot.web.desk.uploads import media_dir
from socialbot.web.events import EventsSite
from socialbot.web.fast import CachedFeeds
from socialbot.web.feed import FeedSite
from socialbot.web.health import health
from socialbot.web.metrics import CONTENT_TYPE, Metrics
from socialbot.web.security import SecurityHeaders, TrustedHosts, allowed_hosts

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {
    "embed.js": "text/javascript; charset=utf-8",
    "embed.css": "text/css; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
    "desk.css": "text/css; charset=utf-8",
    "desk.js": "text/javascript; charset=utf-8",
}


def templates(zone: ZoneInfo) -> Environment:
    """Jinja2 with autoescaping; post text reaches HTML only through segments()."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def segments(parts: list[Segment]) -> Markup:
        return Markup(segments_html(parts))

    def local(when: datetime, fmt: str) -> str:
        return when.astimezone(zone).strftime(fmt)

    env.globals.update(segments=segments, local=local)
    return env


class FeedApp(Starlette):
    """Starlette with the cached-feed fast path outside its whole stack (even the error middleware).

    bench/feed.py measured the fast path inside the middleware list at about 35,000 requests/s and
    outside it at about 42,000 (granian, 2 workers, 2 cores); a cached answer cannot raise.
    """

    def __init__(self, site: FeedSite, extra_headers: list[tuple[bytes, bytes]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The one cached-feed front: the ASGI stack ends in it, and granian's WSGI front asks it
        # directly (socialbot/web/wsgi.py), so both share its parsed keys and header lists. It
        # passes misses to the router until the stack below it is built.
        self.cached_feeds = CachedFeeds(self.router, site, extra_headers)

    def build_middleware_stack(self) -> ASGIApp:
        self.cached_feeds.app = super().build_middleware_stack()
        return self.cached_feeds


def create_app(
    config: Config,
    sessions: sessionmaker[Session],
    sandbox_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> FeedApp:
    """The web app over a store and config (and the sandbox whose images its pages show, if any);
    environ gives the allowed hosts (SOCIALBOT_ALLOWED_HOSTS, SOCIALBOT_WEB_HOST)."""
    env = templates(config.timezone)
    site = FeedSite(sessions, config.feed, env)
    static = {name: (STATIC / name).read_bytes() for name in STATIC_TYPES}

    async def static_file(request: Request) -> Response:
        name = request.url.path.lstrip("/")
        return Response(
            static[name],
            media_type=STATIC_TYPES[name],
            headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
        )

    async def demo(request: Request) -> Response:
        base = config.feed.base_url or str(request.base_url).rstrip("/")
        group = request.query_params.get("group", "")
        return HTMLResponse(env.get_template("demo.html").render(base=base, group=group))

    async def healthz(request: Request) -> Response:
        healthy, report = await run_in_threadpool(health, sessions)
        return JSONResponse(report, 200 if healthy else 503, headers={"Cache-Control": "no-store"})

    registry = Metrics(sessions)

    async def metrics(request: Request) -> Response:
        body = await run_in_threadpool(registry.text)
        return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    events = EventsSite(sessions, config.feed, env, config.timezone)
    desk = Desk(sessions, env, config, media_dir(config, environ or {}), environ or {}, sandbox_url)
    routes = [
        Route("/", lambda request: RedirectResponse("/whats-new")),
        *auth_routes(desk),
        *home_routes(desk),
        *compose_routes(desk),
        *post_routes(desk),
        *approval_routes(desk),
        *calendar_routes(desk),
        *event_routes(desk),
        *my_calendar_routes(desk),
        *moderation_routes(desk),
        *source_routes(desk),
        *site.routes(),
        *events.routes(),
        *[Route(f"/{name}", static_file) for name in STATIC_TYPES],
        Route("/demo", demo),
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Mount("/api/v1", app=create_api(config, sessions)),
        # Browsers ask for it on every page; an empty answer keeps their consoles clean.
        Route("/favicon.ico", lambda request: Response(status_code=204)),
    ]
    middleware = [
        Middleware(TrustedHosts, hosts=allowed_hosts(config, environ or {})),
        Middleware(SecurityHeaders, privacy_mode=config.feed.privacy_mode, sandbox_url=sandbox_url),
        Middleware(GZipMiddleware, minimum_size=1024),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        caches = (site.cache, events.cache)
        for cache in caches:
            cache.start_refresher()
        yield
        # Both told first, then waited for: stopping takes the slower one's time, not the sum.
        for cache in caches:
            cache.stop.set()
        for cache in caches:
            cache.stop_refresher()

    security = SecurityHeaders.fixed_headers(config.feed.privacy_mode, sandbox_url)
    app = FeedApp(site, security, routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.site = site
    return app
