"""/_sandbox/…: the host map, the clock, faults, edits, and the record of what was published."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from socialbot.networks import NETWORKS, sandbox_prefixes
from socialbot.sandbox.faults import Faults, Stats
from socialbot.sandbox.http import json_response
from socialbot.sandbox.world import World

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


def host_map(base_url: str) -> dict[str, str]:
    """What GET /_sandbox/hosts answers: real host → sandbox URL; "*" for every other host."""
    base = base_url.rstrip("/")
    mapping = {host: f"{base}/{prefix}" for host, prefix in sandbox_prefixes().items()}
    mapping["*"] = f"{base}/web/{{host}}"
    return mapping


class Control:
    """The sandbox's own endpoints, for tests, rehearsals and people."""

    def __init__(self, world: World, faults: Faults, platforms: dict[str, Any], stats: Stats) -> None:
        self.stats = stats
        self.received: list[Any] = []
        self.world = world
        self.faults = faults
        self.platforms = platforms

    def routes(self) -> list[BaseRoute]:
        """Everything under /_sandbox."""
        return [
            Route("/_sandbox/health", self.health),
            Route("/_sandbox/hosts", self.hosts),
            Route("/_sandbox/accounts", self.accounts),
            Route("/_sandbox/tick", self.tick, methods=["POST"]),
            Route("/_sandbox/faults", self.faults_endpoint, methods=["GET", "POST", "DELETE"]),
            Route("/_sandbox/edit", self.edit, methods=["POST"]),
            Route("/_sandbox/stats", self.stats_endpoint, methods=["GET", "DELETE"]),
            Route("/_sandbox/alerts", self.alerts, methods=["GET", "POST"]),
            Route("/_sandbox/published", self.published),
            Route("/_sandbox/published.html", self.published_html),
            # Browsers ask for it on every page; an empty answer keeps their consoles clean.
            Route("/favicon.ico", lambda request: Response(status_code=204)),
        ]

    def base_url(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def health(self, request: Request) -> Response:
        return json_response(
            {"ok": True, "now": self.world.now().isoformat(), "accounts": len(self.world.accounts)}
        )

    async def hosts(self, request: Request) -> Response:
        return json_response(host_map(self.base_url(request)))

    async def accounts(self, request: Request) -> Response:
        now = self.world.now()
        return json_response(
            [
                {
                    "network": a.network,
                    "locator": a.locator,
                    "id": a.numeric_id,
                    "name": a.name,
                    "group": a.group,
                    "posts": len(a.visible(now)),
                }
                for a in sorted(self.world.accounts.values(), key=lambda a: (a.network, a.locator))
            ]
        )

    async def tick(self, request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        seconds = float(body.get("seconds", request.query_params.get("seconds", 3600)))
        now = self.world.tick(seconds)
        return json_response({"now": now.isoformat()})

    async def faults_endpoint(self, request: Request) -> Response:
        twitter = self.platforms.get("twitter")
        if request.method == "DELETE":
            self.faults.clear()
            if twitter:
                twitter.reply_rule = False
            return json_response({"faults": []})
        if request.method == "POST":
            specs = await request.json()
            specs = specs if isinstance(specs, list) else [specs]
            try:
                for spec in specs:
                    if "x_reply_rule" in spec and twitter:
                        # X's 2026 rule for self-serve plans: replies only where the author mentioned you.
                        twitter.reply_rule = spec.pop("x_reply_rule")
                    if spec:
                        self.faults.add(spec)
            except (TypeError, ValueError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response({"faults": self.faults.describe()})

    async def alerts(self, request: Request) -> Response:
        """A notification sink: apprise's json:// URLs can point here, so tests and rehearsals see alerts."""
        if request.method == "POST":
            self.received.append(await request.json())
        return json_response({"alerts": self.received})

    async def stats_endpoint(self, request: Request) -> Response:
        counts = self.stats.describe()
        if request.method == "DELETE":
            # Answers the counts up to now, then starts afresh: one call reads and resets.
            self.stats.clear()
        return json_response(counts)

    async def edit(self, request: Request) -> Response:
        body = await request.json()
        post = self.world.edit(body.get("network", ""), str(body.get("id", "")), str(body.get("text", "")))
        if post is None:
            return json_response({"error": "no such post"}, 404)
        return json_response({"id": post.id, "text": post.text})

    async def published(self, request: Request) -> Response:
        return json_response({"published": self.world.record})

    async def published_html(self, request: Request) -> Response:
        timelines: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for entry in self.world.record:
            if entry.get("kind") != "media":
                timelines[(entry["network"], entry["account"])].append(entry)
        accounts = [
            {"network": NETWORKS[n].label, "key": n, "account": a, "posts": list(reversed(posts))}
            for (n, a), posts in sorted(timelines.items())
        ]
        html = TEMPLATES.get_template("published.html").render(
            accounts=accounts, now=self.world.now(), total=sum(len(a["posts"]) for a in accounts)
        )
        return HTMLResponse(html)
