"""The sandbox's Mastodon REST API, as Mastodon.py calls it (docs.joinmastodon.org/methods/).

mastodon.social is served under /mastodon; other servers' API under /web/HOST/api/.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from socialbot.networks.mastodon.sandbox_shapes import (
    URL,
    account_json,
    is_boost,
    masto_time,
    status_json,
    timeline_json,
)
from socialbot.networks.mastodon.sandbox_shapes import (
    make_id as make_id,  # every network's sandbox module names its ids (sandbox/app.py)
)
from socialbot.sandbox.http import RateLimits, bearer_token, json_response, token_problem
from socialbot.sandbox.world import SandboxAccount, World

MAX_CHARS, URL_CHARS = 500, 23
# Documented default: 300 requests per 5 minutes per account (docs.joinmastodon.org/api/rate-limits).
LIMIT, WINDOW = 300, 300
IDEMPOTENCY_SECONDS = 3600


def counted_length(text: str) -> int:
    """Mastodon's count: every URL is 23 characters, whatever its length."""
    return len(URL.sub("x" * URL_CHARS, text))


def api_error(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """Mastodon's error body: {"error": …}."""
    return json_response({"error": message}, status, headers)


class MastodonSandbox:
    """Handlers for the Mastodon methods socialbot uses, over one World."""

    def __init__(self, world: World, tokens: dict[str, str]) -> None:
        self.world = world
        self.tokens = tokens  # access token → user@server
        self.limits = RateLimits()
        self.idempotent: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self.media_ids = itertools.count(110_000_000_000_000_000)
        # Uploaded attachments by id; an id is processed once its first GET has been answered.
        self.attachments: dict[str, dict[str, Any]] = {}
        self.processed: set[str] = set()

    def routes(self) -> dict[str, list[BaseRoute]]:
        """The same API for mastodon.social and for every other server under /web/HOST."""

        def api(prefix: str) -> list[BaseRoute]:
            return [
                Route(f"{prefix}/v1/accounts/lookup", self.lookup),
                Route(f"{prefix}/v1/accounts/verify_credentials", self.verify_credentials),
                Route(f"{prefix}/v1/accounts/{{id}}/statuses", self.statuses),
                Route(f"{prefix}/v1/statuses", self.post_status, methods=["POST"]),
                Route(f"{prefix}/v1/statuses/{{id}}", self.status, methods=["GET", "DELETE"]),
                Route(f"{prefix}/v1/instance", self.instance),
                Route(f"{prefix}/v2/instance", self.instance),
                Route(f"{prefix}/v2/media", self.upload_media, methods=["POST"]),
                Route(f"{prefix}/v1/media/{{id}}", self.media),
            ]

        # Other servers' API is mounted at /web/HOST/api, ahead of the websites' catch-all.
        return {"mastodon": api("/api"), "web/{host}/api": api("")}

    def _server(self, request: Request) -> str:
        return str(request.path_params.get("host", "mastodon.social"))

    def _headers(self, caller: str) -> tuple[dict[str, str], bool]:
        window = self.limits.take("api", caller, LIMIT, WINDOW)
        reset = datetime.fromtimestamp(window.reset, UTC)
        headers = {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(max(window.remaining, 0)),
            "X-RateLimit-Reset": masto_time(reset),
        }
        return headers, window.remaining < 0

    def _user(self, request: Request) -> tuple[SandboxAccount | None, Response | None]:
        token = bearer_token(request.headers.get("authorization"))
        problem = token_problem(token)
        if problem:
            message = (
                "The access token was revoked" if problem == "revoked" else "The access token is invalid"
            )
            return None, api_error(message, 401)
        owner = (
            self.tokens.get(str(token))
            or f"user_{hashlib.sha256(str(token).encode()).hexdigest()[:8]}@{self._server(request)}"
        )
        return self.world.ensure_account("mastodon", owner), None

    def _account(self, key: str, server: str) -> SandboxAccount | None:
        acct = key.lstrip("@")
        if "@" not in acct:
            acct = f"{acct}@{server}"
        return self.world.account("mastodon", acct) or self.world.account("mastodon", key)

    async def lookup(self, request: Request) -> Response:
        account = self._account(request.query_params.get("acct", ""), self._server(request))
        if account is None:
            return api_error("Record not found", 404)
        return json_response(account_json(account, self._server(request)))

    async def verify_credentials(self, request: Request) -> Response:
        account, refusal = self._user(request)
        if refusal or account is None:
            return refusal or api_error("The access token is invalid", 401)
        return json_response(account_json(account, self._server(request)))

    async def instance(self, request: Request) -> Response:
        return json_response(
            {
                "uri": self._server(request),
                "title": "Sandbox Mastodon",
                "version": "4.3.0",
                # Since 4.3.0 the instance states its API version (docs.joinmastodon.org/entities/Instance).
                "api_versions": {"mastodon": 2},
                "configuration": {
                    "statuses": {"max_characters": MAX_CHARS, "characters_reserved_per_url": URL_CHARS}
                },
            }
        )

    async def statuses(self, request: Request) -> Response:
        caller = request.client.host if request.client else ""
        headers, limited = self._headers(caller)
        if limited:
            return fault_response("rate_limited", int(time.time()) + WINDOW)
        account = self.world.account("mastodon", request.path_params["id"])
        if account is None:
            return api_error("Record not found", 404, headers)
        q = request.query_params
        limit = min(max(int(q.get("limit", "20")), 1), 40)
        posts = list(reversed(account.visible(self.world.now())))
        if q.get("exclude_replies") in ("true", "1"):
            posts = [p for p in posts if p.reply_to is None or p.reply_to.account is account]
        if q.get("exclude_reblogs") == "true":
            posts = [p for p in posts if not is_boost(p)]
        if q.get("max_id"):
            posts = [p for p in posts if int(p.id) < int(q["max_id"])]
        if q.get("since_id"):
            posts = [p for p in posts if int(p.id) > int(q["since_id"])]
        if q.get("min_id"):
            # min_id pages forward from it: the oldest newer posts first, returned newest first.
            posts = sorted([p for p in posts if int(p.id) > int(q["min_id"])], key=lambda p: int(p.id))[
                :limit
            ]
            posts.reverse()
        page = posts[:limit]
        server = self._server(request)
        if page:
            base = (
                str(request.url).split("?")[0].replace(str(request.base_url).rstrip("/"), f"https://{server}")
            )
            base = re.sub(r"https://[^/]+/(mastodon|web/[^/]+)/", f"https://{server}/", base)
            keep = {k: v for k, v in q.items() if k not in ("max_id", "min_id", "since_id")}
            headers["Link"] = (
                f'<{base}?{urlencode(keep | {"max_id": page[-1].id})}>; rel="next", '
                f'<{base}?{urlencode(keep | {"min_id": page[0].id})}>; rel="prev"'
            )
        return json_response([timeline_json(p, server) for p in page], headers=headers)

    async def status(self, request: Request) -> Response:
        post = self.world.post("mastodon", request.path_params["id"])
        if post is None:
            return api_error("Record not found", 404)
        if request.method == "DELETE":
            account, refusal = self._user(request)
            if refusal or account is not post.account:
                return refusal or api_error("This action is not allowed", 403)
            self.world.delete(post)
        return json_response(status_json(post, self._server(request)))

    async def upload_media(self, request: Request) -> Response:
        """POST /api/v2/media: an image (multipart "file") and its description. Answered as Mastodon
        answers a file it processes in the background: 202 without a url, until GET /api/v1/media/:id
        has answered 206 once; a status naming it before then is refused."""
        account, refusal = self._user(request)
        if refusal or account is None:
            return refusal or api_error("The access token is invalid", 401)
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return api_error("Validation failed: File can't be blank", 422)
        data = await upload.read()
        media_id = str(next(self.media_ids))
        self.world.record_media("mastodon", media_id, len(data), upload.content_type or "image/png")
        host = self._server(request)
        self.attachments[media_id] = {
            "id": media_id,
            "type": "image",
            "url": f"https://{host}/media/sandbox{media_id}.png",
            "preview_url": f"https://{host}/media/sandbox{media_id}_small.png",
            "description": str(form.get("description") or ""),
            "meta": {},
            "blurhash": None,
        }
        return json_response(self.attachments[media_id] | {"url": None}, 202)

    async def media(self, request: Request) -> Response:
        """GET /api/v1/media/:id: 206 without a url while still processing (the first look), then the
        attachment with its url (docs.joinmastodon.org/methods/media)."""
        account, refusal = self._user(request)
        if refusal or account is None:
            return refusal or api_error("The access token is invalid", 401)
        media_id = request.path_params["id"]
        if media_id not in self.attachments:
            return api_error("Record not found", 404)
        if media_id not in self.processed:
            self.processed.add(media_id)
            return json_response(self.attachments[media_id] | {"url": None}, 206)
        return json_response(self.attachments[media_id])

    async def post_status(self, request: Request) -> Response:
        account, refusal = self._user(request)
        if refusal or account is None:
            return refusal or api_error("The access token is invalid", 401)
        headers, limited = self._headers(account.locator)
        if limited:
            return fault_response("rate_limited", int(time.time()) + WINDOW)
        key = request.headers.get("idempotency-key")
        if key:
            # Replays of the same Idempotency-Key return the first result for an hour.
            seen = self.idempotent.get((account.locator, key))
            if seen and time.time() - seen[0] < IDEMPOTENCY_SECONDS:
                return json_response(seen[1], headers=headers)
        form = await request.form()
        text = str(form.get("status", ""))
        media_ids = [str(v) for v in form.getlist("media_ids[]")]
        if not text and not media_ids:
            return api_error("Validation failed: Text can't be blank", 422, headers)
        if counted_length(text) > MAX_CHARS:
            return api_error(f"Validation failed: Text character limit of {MAX_CHARS} exceeded", 422, headers)
        if any(m in self.attachments and m not in self.processed for m in media_ids):
            return api_error(
                "Cannot attach files that have not finished processing. Try again in a moment!", 422, headers
            )
        reply_id = form.get("in_reply_to_id")
        parent = self.world.post("mastodon", str(reply_id)) if reply_id else None
        if reply_id and parent is None:
            return api_error("Record not found", 404, headers)
        post = self.world.publish(
            account,
            text,
            reply_to=parent,
            links=URL.findall(text),
            media_ids=media_ids,
            meta={"idempotency_key": key} if key else None,
        )
        body = status_json(post, self._server(request))
        if key:
            self.idempotent[(account.locator, key)] = (time.time(), body)
        return json_response(body, headers=headers)


def fault_response(kind: str, reset: int) -> Response:
    """Mastodon's answer for a fault the sandbox injects."""
    if kind == "rate_limited":
        at = masto_time(datetime.fromtimestamp(reset, UTC))
        return api_error(
            "Too many requests",
            429,
            {"X-RateLimit-Limit": str(LIMIT), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": at},
        )
    if kind == "expired_token":
        return api_error("The access token is invalid", 401)
    return api_error("We're sorry, but something went wrong on our end.", 503)


def build(world: World, tokens: dict[str, str]) -> MastodonSandbox:
    """The Mastodon sandbox over world."""
    return MastodonSandbox(world, tokens)
