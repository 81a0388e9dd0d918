"""The sandbox's Facebook Graph API, as facebook-sdk 3.1.0's GraphAPI calls it, under any vNN.N.

Shapes follow the Graph API reference ("Page Feed", "Pagination", "Handling Errors",
"Rate Limiting": developers.facebook.com/docs/graph-api). facebook-sdk ignores the HTTP status
and reads the body, so every answer is JSON and every error is {"error": {...}}.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from socialbot.sandbox.http import RateLimits, json_response, token_problem
from socialbot.sandbox.world import SandboxAccount, SandboxPost, World

DEFAULT_FIELDS = ("id", "message", "created_time")
PAGE_LIMIT = (1, 100)
# Page-level calls per hour before code 32 (Business Use Case limits are per page, per hour).
HOURLY_CALLS = 4800
ERRORS = {
    "missing": (104, None, "An access token is required to request this resource."),
    "expired": (
        190,
        463,
        "Error validating access token: Session has expired on Tuesday, 01-Jul-25 "
        "10:00:00 PDT. The current time is Wednesday, 02-Jul-25 10:00:00 PDT.",
    ),
    "revoked": (
        190,
        460,
        "Error validating access token: The session has been invalidated because the user "
        "changed their password or Facebook has changed the session for security reasons.",
    ),
}


def make_id(post: SandboxPost) -> str:
    """A page post id: the page's id, an underscore, the post's own id."""
    return f"{post.account.numeric_id}_{10**15 + post.seq}"


def fb_time(at: datetime) -> str:
    """Graph's created_time: 2025-01-02T03:04:05+0000."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(
    code: int,
    message: str,
    subcode: int | None = None,
    kind: str = "OAuthException",
    status: int = 400,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error in the Graph shape, with a fresh fbtrace_id."""
    error: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(8),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status, headers)


class FacebookSandbox:
    """Handlers for the Graph endpoints socialbot uses, over one World."""

    def __init__(self, world: World, tokens: dict[str, str]) -> None:
        self.world = world
        self.tokens = tokens  # page token → the page it belongs to
        self.limits = RateLimits()

    def routes(self) -> dict[str, list[BaseRoute]]:
        """Everything lives under one version segment, e.g. /v21.0/…"""
        return {
            "facebook": [
                Route("/{version:str}/{page}/posts", self.page_posts, methods=["GET"]),
                Route("/{version:str}/{page}/feed", self.page_posts, methods=["GET"]),
                Route("/{version:str}/{page}/feed", self.publish, methods=["POST"]),
                Route("/{version:str}/{page}/photos", self.publish, methods=["POST"]),
                Route("/{version:str}/{node}", self.node, methods=["GET", "DELETE"]),
            ]
        }

    async def _auth(
        self, request: Request, version: str
    ) -> tuple[str | None, Response | None, dict[str, str]]:
        headers = {"facebook-api-version": version}
        if not (version.startswith("v") and version[1:].replace(".", "").isdigit()):
            return (
                None,
                graph_error(
                    2500, f"Unknown path components: /{version}", kind="OAuthException", headers=headers
                ),
                headers,
            )
        form = await request.form() if request.method == "POST" else {}
        token = str(form.get("access_token") or request.query_params.get("access_token") or "")
        problem = token_problem(token)
        if problem:
            code, subcode, message = ERRORS[problem]
            return None, graph_error(code, message, subcode, headers=headers), headers
        window = self.limits.take("page", token, HOURLY_CALLS, 3600)
        used = round(100 * (window.limit - max(window.remaining, 0)) / window.limit)
        headers["X-App-Usage"] = json.dumps(
            {"call_count": used, "total_cputime": used // 2, "total_time": used // 2}
        )
        headers["X-Business-Use-Case-Usage"] = json.dumps(
            {
                "sandbox": [
                    {
                        "type": "pages",
                        "call_count": used,
                        "total_cputime": used // 2,
                        "total_time": used // 2,
                        "estimated_time_to_regain_access": regain_after(window.reset)
                        if window.remaining < 0
                        else 0,
                    }
                ]
            }
        )
        if window.remaining < 0:
            return None, graph_error(32, "Page request limit reached", headers=headers), headers
        return token, None, headers

    def _page(self, name: str) -> SandboxAccount | None:
        return self.world.account("facebook", name)

    async def page_posts(self, request: Request) -> Response:
        _, refusal, headers = await self._auth(request, request.path_params["version"])
        if refusal:
            return refusal
        page = self._page(request.path_params["page"])
        if page is None:
            return unknown_object(request.path_params["page"], headers)
        q = request.query_params
        fields = [f for f in q.get("fields", "").split(",") if f] or list(DEFAULT_FIELDS)
        try:
            limit = min(max(int(q.get("limit", "25")), PAGE_LIMIT[0]), PAGE_LIMIT[1])
        except ValueError:
            return graph_error(
                100, "(#100) The value of limit must be an integer", kind="OAuthException", headers=headers
            )
        posts = list(reversed(page.visible(self.world.now())))
        posts = [p for p in posts if p.reply_to is None]
        since, until = parse_time(q.get("since")), parse_time(q.get("until"))
        posts = [
            p
            for p in posts
            if (since is None or p.created_at.timestamp() >= since)
            and (until is None or p.created_at.timestamp() <= until)
        ]
        if q.get("after"):
            after = decode_cursor(q["after"])
            posts = [p for p in posts if p.seq < after]
        chunk = posts[:limit]
        body: dict[str, Any] = {"data": [post_json(p, fields) for p in chunk]}
        if chunk and since is not None:
            body["paging"] = time_paging(request, chunk, len(posts) > limit)
        elif chunk:
            body["paging"] = {
                "cursors": {"before": encode_cursor(chunk[0].seq), "after": encode_cursor(chunk[-1].seq)}
            }
            if len(posts) > limit:
                # paging.next repeats every original parameter, access_token included: facebook-sdk's
                # get_all_connections deletes access_token from it and crashes when it is missing.
                params = {k: v for k, v in q.items() if k not in ("after", "before")}
                params["after"] = encode_cursor(chunk[-1].seq)
                path = request.url.path.split("/facebook", 1)[-1]
                body["paging"]["next"] = f"https://graph.facebook.com{path}?{urlencode(params)}"
        return json_response(body, headers=headers)

    async def node(self, request: Request) -> Response:
        token, refusal, headers = await self._auth(request, request.path_params["version"])
        if refusal:
            return refusal
        node = request.path_params["node"]
        if node == "me":
            page = self._page(self.tokens.get(str(token), "")) if token else None
            return json_response(
                {
                    "id": page.numeric_id if page else "100000000000001",
                    "name": page.name if page else "Sandbox User",
                },
                headers=headers,
            )
        post = self.world.post("facebook", node)
        if post is not None:
            if request.method == "DELETE":
                self.world.delete(post)
                return json_response({"success": True}, headers=headers)
            fields = [f for f in request.query_params.get("fields", "").split(",") if f] or list(
                DEFAULT_FIELDS
            )
            return json_response(post_json(post, fields), headers=headers)
        page = self._page(node)
        if page is None:
            return unknown_object(node, headers)
        return json_response({"name": page.name, "id": page.numeric_id}, headers=headers)

    async def publish(self, request: Request) -> Response:
        token, refusal, headers = await self._auth(request, request.path_params["version"])
        if refusal or token is None:
            return refusal or graph_error(104, ERRORS["missing"][2])
        page = self._page(request.path_params["page"])
        if page is None:
            return unknown_object(request.path_params["page"], headers)
        owner = self.tokens.get(token)
        if owner is not None and self._page(owner) is not page:
            return graph_error(
                200,
                "(#200) If posting to a page, requires both pages_read_engagement and "
                "pages_manage_posts permission with page token",
                headers=headers,
            )
        form = await request.form()
        message, link = str(form.get("message", "")), str(form.get("link", ""))
        photo = form.get("source")
        is_photo = request.url.path.endswith("/photos")
        if is_photo and (photo is None or isinstance(photo, str)):
            return graph_error(324, "(#324) Requires upload file", headers=headers)
        if not message and not link and not is_photo:
            return graph_error(100, "(#100) Missing message or attachment", headers=headers)
        if len(message) > 63206:
            return graph_error(
                100, "(#100) Param message must be at most 63206 characters long", headers=headers
            )
        if any(p.text == message and p.published for p in page.visible(self.world.now())[-50:]):
            return graph_error(506, "Duplicate status message", 1455006, headers=headers)
        scheduled = None
        if str(form.get("published", "true")).lower() == "false" and form.get("scheduled_publish_time"):
            scheduled = int(str(form.get("scheduled_publish_time")))
            if not 600 <= scheduled - time.time() <= 75 * 86400:
                return graph_error(
                    100, "(#100) The specified scheduled publish time is invalid.", headers=headers
                )
        media_ids = []
        if is_photo and photo is not None and not isinstance(photo, str):
            data = await photo.read()
            media_ids = [f"photo-{len(data)}-{secrets.token_hex(4)}"]
            self.world.record_media("facebook", media_ids[0], len(data), photo.content_type or "image/jpeg")
        post = self.world.publish(
            page,
            message,
            links=[link] if link else [],
            media_ids=media_ids,
            meta={"scheduled_publish_time": scheduled} if scheduled else None,
        )
        if is_photo:
            post.image = True
            # A photo upload answers the photo's id and the feed post it made (Graph API "Page Photos").
            return json_response({"id": str(10**15 + post.seq), "post_id": post.id}, headers=headers)
        return json_response({"id": post.id}, headers=headers)


def time_paging(request: Request, chunk: list[SandboxPost], more: bool) -> dict[str, Any]:
    """Graph's time-based paging (a request with since/until): previous and next URLs, no cursors;
    next names until and an empty since, as Graph's do (tests/recordings/facebook/)."""
    path = "https://graph.facebook.com" + request.url.path.split("/facebook", 1)[-1]
    kept = {k: v for k, v in request.query_params.items() if k not in ("since", "until", "after", "before")}
    newest, oldest = int(chunk[0].created_at.timestamp()), int(chunk[-1].created_at.timestamp())
    paging = {"previous": f"{path}?{urlencode(kept | {'since': str(newest), '__previous': '1'})}"}
    if more:
        paging["next"] = (
            f"{path}?{urlencode(kept | {'until': str(oldest - 1)})}&since=&__paging_token=sandbox"
        )
    return paging


def post_json(post: SandboxPost, fields: list[str]) -> dict[str, Any]:
    """A page post with the fields asked for."""
    page = post.account
    own_id = post.id.split("_", 1)[-1]
    values: dict[str, Any] = {
        "id": post.id,
        "message": post.text,
        "created_time": fb_time(post.created_at),
        "updated_time": fb_time(post.edited_at or post.created_at),
        "permalink_url": f"https://www.facebook.com/{page.locator}/posts/{own_id}",
        "from": {"name": page.name, "id": page.numeric_id},
    }
    if post.image:
        values["full_picture"] = f"https://scontent.xx.fbcdn.net/v/t39.30808-6/sandbox{own_id}.png"
    attachments = []
    if post.links:
        attachments.append(
            {
                "type": "share",
                "url": post.links[0],
                "unshimmed_url": post.links[0],
                "title": post.links[0].split("/")[2],
                "target": {"url": post.links[0]},
            }
        )
    if post.image:
        attachments.append(
            {
                "type": "photo",
                "media": {"image": {"height": 675, "width": 1200, "src": values["full_picture"]}},
                "url": values["permalink_url"],
            }
        )
    if attachments:
        values["attachments"] = {"data": attachments}
    if post.image and not post.published and post.seq % 5 == 2:
        # A photo posted without words: Graph has no message then, only a story.
        del values["message"]
        values["story"] = f"{page.name} added a new photo."
    return {f: values[f] for f in fields if f in values} | {"id": post.id}


def regain_after(reset: int) -> int:
    """Whole minutes until a window resetting at this Unix time (estimated_time_to_regain_access)."""
    return max(1, -(-(reset - int(time.time())) // 60))


def unknown_object(name: str, headers: dict[str, str]) -> Response:
    """Graph's answer for a page or post that does not exist."""
    return graph_error(
        100,
        f"(#100) Object with ID '{name}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation.",
        33,
        "GraphMethodException",
        headers=headers,
    )


def fault_response(kind: str, reset: int) -> Response:
    """The answer Graph gives for a fault the sandbox injects."""
    if kind == "rate_limited":
        usage = {"type": "pages", "call_count": 100, "estimated_time_to_regain_access": regain_after(reset)}
        return graph_error(
            4,
            "(#4) Application request limit reached",
            headers={
                "X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 40, "total_time": 40}),
                "X-Business-Use-Case-Usage": json.dumps({"sandbox": [usage]}),
            },
        )
    if kind == "expired_token":
        code, subcode, message = ERRORS["expired"]
        return graph_error(code, message, subcode)
    return graph_error(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        kind="OAuthException",
        status=500,
    )


def parse_time(value: str | None) -> float | None:
    """since/until: a Unix timestamp or an ISO 8601 time (both accepted by Graph)."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00")).timestamp()


def encode_cursor(seq: int) -> str:
    """An opaque cursor, base64 as Graph's are."""
    return base64.urlsafe_b64encode(f"sandbox:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor stands for."""
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")[1])
    except (ValueError, IndexError):
        return 0


def build(world: World, tokens: dict[str, str]) -> FacebookSandbox:
    """The facebook sandbox over world."""
    return FacebookSandbox(world, tokens)
