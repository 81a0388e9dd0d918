"""The sandbox's X API v2 (and the v1.1 media upload), as tweepy 4.17's Client and API call them.

Shapes follow the X API v2 reference (docs.x.com/x-api: "Get Posts by user ID", "Create Post",
"Users lookup", "Media upload") and the responses tweepy parses in tweepy/client.py.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from socialbot.networks.twitter.sandbox_errors import (
    APP_ONLY_FORBIDDEN,
    DUPLICATE,
    REPLY_NOT_ALLOWED,
    TOO_LONG,
    UNAUTHORIZED,
    invalid_param,
    invalid_request,
    not_found,
    problem,
    rate_limited,
)
from socialbot.networks.twitter.sandbox_shapes import (
    decode_token,
    encode_token,
    render_timeline,
    rendered_text,
    select_tweets,
    tweet_json,
    user_json,
    x_escaped,
)
from socialbot.networks.twitter.text import parse_tweet
from socialbot.sandbox.http import RateLimits, bearer_token, json_response, oauth1_params, token_problem
from socialbot.sandbox.world import SandboxAccount, SandboxPost, World

TWITTER_EPOCH_MS = 1288834974657
URL = re.compile(r"https?://\S+")
# Documented 15-minute limits (docs.x.com/x-api/fundamentals/rate-limits), generous tier.
READ_LIMIT, WRITE_LIMIT, WINDOW = 1500, 10000, 900
DAY_LIMIT = 100000
MAX_RESULTS = (5, 100)


def make_id(post: SandboxPost) -> str:
    """A snowflake id: milliseconds since X's epoch, then a sequence, so ids sort by time."""
    ms = int(post.created_at.timestamp() * 1000)
    return str(((ms - TWITTER_EPOCH_MS) << 22) | (post.seq & 0x3FFFFF))


class TwitterSandbox:
    """Handlers for the X endpoints socialbot uses, over one World."""

    def __init__(self, world: World, tokens: dict[str, str]) -> None:
        self.world = world
        self.tokens = tokens  # access token → handle of the account it belongs to
        self.limits = RateLimits()
        self.media: dict[str, dict[str, Any]] = {}
        self.media_ids = itertools.count(1_900_000_000_000_000_000)
        # X's 2026 reply rule, when the fault is on: True refuses replies to others, "strict" all replies.
        self.reply_rule: bool | str = False

    def routes(self) -> dict[str, list[BaseRoute]]:
        """Routes per sandbox prefix: the API host and the upload host."""
        return {
            "x": [
                Route("/2/users/by/username/{username}", self.user_by_username),
                Route("/2/users/by", self.users_by),
                Route("/2/users/me", self.me),
                Route("/2/users/{id:int}/tweets", self.user_tweets),
                Route("/2/tweets/{id:int}", self.tweet_lookup, methods=["GET"]),
                Route("/2/tweets/{id:int}", self.delete_tweet, methods=["DELETE"]),
                Route("/2/tweets", self.create_tweet, methods=["POST"]),
                Route("/2/media/upload", self.media_upload_v2, methods=["POST"]),
                Route("/2/media/metadata", self.media_metadata, methods=["POST"]),
            ],
        }

    # Authentication and limits --------------------------------------------------------------

    def _caller(self, request: Request, write: bool) -> str | Response:
        """Who is calling (its token), or the answer X gives when it may not."""
        header = request.headers.get("authorization")
        oauth = oauth1_params(header)
        if oauth:
            if token_problem(oauth["oauth_token"]) or token_problem(oauth["oauth_consumer_key"]):
                return json_response(UNAUTHORIZED, 401)
            return "user:" + oauth["oauth_token"]
        token = bearer_token(header)
        if token_problem(token):
            return json_response(UNAUTHORIZED, 401)
        if write:
            return json_response(APP_ONLY_FORBIDDEN, 403)
        return "app:" + str(token)

    def _limited(self, endpoint: str, caller: str, limit: int) -> tuple[dict[str, str], Response | None]:
        window = self.limits.take(endpoint, caller, limit, WINDOW)
        headers = {
            "x-rate-limit-limit": str(window.limit),
            "x-rate-limit-remaining": str(max(window.remaining, 0)),
            "x-rate-limit-reset": str(window.reset),
        }
        if window.remaining < 0:
            return headers, rate_limited(window.reset, headers)
        return headers, None

    def _user_account(self, caller: str) -> SandboxAccount:
        token = caller.removeprefix("user:")
        handle = self.tokens.get(token) or "user_" + hashlib.sha256(token.encode()).hexdigest()[:8]
        return self.world.ensure_account("twitter", handle)

    # Users ----------------------------------------------------------------------------------

    async def user_by_username(self, request: Request) -> Response:
        caller = self._caller(request, write=False)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._limited("users/by/username", caller, 900)
        if limited:
            return limited
        username = request.path_params["username"]
        account = self.world.account("twitter", username)
        if account is None:
            # X answers an unknown user with 200, an errors array and no data.
            return json_response({"errors": [not_found("user", "username", username)]}, headers=headers)
        return json_response({"data": user_json(account)}, headers=headers)

    async def users_by(self, request: Request) -> Response:
        caller = self._caller(request, write=False)
        if isinstance(caller, Response):
            return caller
        names = [n for n in request.query_params.get("usernames", "").split(",") if n]
        found = [self.world.account("twitter", n) for n in names]
        body: dict[str, Any] = {}
        if any(found):
            body["data"] = [user_json(a) for a in found if a]
        missing = [not_found("user", "username", n) for n, a in zip(names, found, strict=True) if a is None]
        if missing:
            body["errors"] = missing
        return json_response(body)

    async def me(self, request: Request) -> Response:
        caller = self._caller(request, write=True)
        if isinstance(caller, Response):
            return caller
        return json_response({"data": user_json(self._user_account(caller))})

    # Timelines ------------------------------------------------------------------------------

    async def user_tweets(self, request: Request) -> Response:
        caller = self._caller(request, write=False)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._limited("users/:id/tweets", caller, READ_LIMIT)
        if limited:
            return limited
        q = request.query_params
        try:
            max_results = int(q.get("max_results", "10"))
        except ValueError:
            max_results = -1
        if not MAX_RESULTS[0] <= max_results <= MAX_RESULTS[1]:
            return json_response(
                invalid_param(
                    "max_results",
                    q.get("max_results", ""),
                    "The `max_results` query parameter value [{}] is not between 5 and 100".format(
                        q.get("max_results")
                    ),
                ),
                400,
                headers,
            )
        account = self.world.account("twitter", str(request.path_params["id"]))
        if account is None:
            return json_response(
                {"errors": [not_found("user", "id", str(request.path_params["id"]))]}, headers=headers
            )
        posts = select_tweets(account.visible(self.world.now()), q)
        if "pagination_token" in q:
            # The token stands for a position (the last id served), so new posts cannot shift pages.
            before = decode_token(q["pagination_token"])
            posts = [p for p in posts if int(p.id) < before]
        page = posts[:max_results]
        if not page:
            return json_response({"meta": {"result_count": 0}}, headers=headers)
        body = render_timeline(page, q, account)
        if len(posts) > max_results:
            body["meta"]["next_token"] = encode_token(int(page[-1].id))
        return json_response(body, headers=headers)

    async def tweet_lookup(self, request: Request) -> Response:
        caller = self._caller(request, write=False)
        if isinstance(caller, Response):
            return caller
        post = self.world.post("twitter", str(request.path_params["id"]))
        if post is None:
            return json_response({"errors": [not_found("tweet", "id", str(request.path_params["id"]))]})
        return json_response(
            render_timeline([post], request.query_params, post.account)
            | {"data": tweet_json(post, request.query_params)}
        )

    # Writing --------------------------------------------------------------------------------

    async def create_tweet(self, request: Request) -> Response:
        caller = self._caller(request, write=True)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._limited("POST /2/tweets", caller, WRITE_LIMIT)
        if limited:
            return limited
        day = self.limits.take("POST /2/tweets 24h", caller, DAY_LIMIT, 86400)
        headers |= {
            "x-app-limit-24hour-limit": str(day.limit),
            "x-app-limit-24hour-remaining": str(max(day.remaining, 0)),
            "x-app-limit-24hour-reset": str(day.reset),
            "x-user-limit-24hour-limit": str(day.limit),
            "x-user-limit-24hour-remaining": str(max(day.remaining, 0)),
            "x-user-limit-24hour-reset": str(day.reset),
        }
        try:
            body = await request.json()
        except ValueError:
            return json_response(invalid_request("Request body is not valid JSON."), 400, headers)
        text = body.get("text", "") if isinstance(body, dict) else ""
        account = self._user_account(caller)
        problem = self._check_new_tweet(account, body, text)
        if problem:
            return json_response(problem[1], problem[0], headers)
        reply_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids", [])]
        post = self.world.publish(
            account,
            text,
            reply_to=self.world.post("twitter", str(reply_id)) if reply_id else None,
            links=URL.findall(text),
            media_ids=media_ids,
        )
        return json_response(
            {
                "data": {
                    "id": post.id,
                    "text": x_escaped(rendered_text(post)),
                    "edit_history_tweet_ids": [post.id],
                }
            },
            201,
            headers,
        )

    def _check_new_tweet(
        self, account: SandboxAccount, body: Any, text: str
    ) -> tuple[int, dict[str, Any]] | None:
        if not isinstance(body, dict) or (not text and not (body.get("media") or {}).get("media_ids")):
            return 400, invalid_request("One or more parameters to your request was invalid.")
        if text and not parse_tweet(text).valid:
            return 400, invalid_request(TOO_LONG)
        if any(p.text == text for p in account.visible(self.world.now())[-200:]):
            return 403, DUPLICATE
        reply_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply_id is not None:
            parent = self.world.post("twitter", str(reply_id))
            if parent is None:
                return 400, invalid_param(
                    "reply.in_reply_to_tweet_id",
                    str(reply_id),
                    f"The `reply.in_reply_to_tweet_id` query parameter value [{reply_id}] does not exist",
                )
            mentioned = f"@{account.handle.lower()}" in parent.text.lower()
            if (
                self.reply_rule
                and (parent.account is not account or self.reply_rule == "strict")
                and not mentioned
            ):
                return 403, REPLY_NOT_ALLOWED
        for media_id in (body.get("media") or {}).get("media_ids", []):
            if str(media_id) not in self.media:
                return 400, invalid_param(
                    "media.media_ids", str(media_id), f"Your media IDs are invalid: [{media_id}]"
                )
        return None

    async def delete_tweet(self, request: Request) -> Response:
        caller = self._caller(request, write=True)
        if isinstance(caller, Response):
            return caller
        post = self.world.post("twitter", str(request.path_params["id"]))
        if post is None or post.account is not self._user_account(caller):
            return json_response({"data": {"deleted": False}})
        self.world.delete(post)
        return json_response({"data": {"deleted": True}})

    # Media ----------------------------------------------------------------------------------

    async def media_upload_v2(self, request: Request) -> Response:
        """v2 POST /2/media/upload (one-shot multipart), signed with OAuth 1.0a user context."""
        caller = self._caller(request, write=True)
        if isinstance(caller, Response):
            return caller
        form = await request.form()
        upload = form.get("media")
        if upload is None or isinstance(upload, str):
            return json_response(invalid_param("media", "", "The `media` parameter is missing."), 400)
        data = await upload.read()
        media_id = str(next(self.media_ids))
        media_type = str(form.get("media_type") or upload.content_type or "image/png")
        self.media[media_id] = {"size": len(data), "type": media_type, "received": len(data)}
        self.world.record_media("twitter", media_id, len(data), media_type)
        return json_response(
            {
                "data": {
                    "id": media_id,
                    "media_key": f"3_{media_id}",
                    "size": len(data),
                    "expires_after_secs": 86400,
                }
            }
        )

    async def media_metadata(self, request: Request) -> Response:
        """v2 POST /2/media/metadata: an uploaded image's alt text (metadata.alt_text.text)."""
        caller = self._caller(request, write=True)
        if isinstance(caller, Response):
            return caller
        body = await request.json()
        media_id = str(body.get("id", "")) if isinstance(body, dict) else ""
        alt = (
            ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
            if isinstance(body, dict)
            else None
        )
        if media_id not in self.media or not isinstance(alt, str):
            return json_response(invalid_param("id", media_id, "The media id is not one you uploaded."), 400)
        if len(alt) > 1000:
            return json_response(invalid_param("alt_text", "", "Alt text is at most 1000 characters."), 400)
        self.world.describe_media("twitter", media_id, alt)
        return json_response({"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt}}}})


def fault_response(kind: str, reset: int) -> Response:
    """The answer X gives for a fault the sandbox injects."""
    if kind == "rate_limited":
        return rate_limited(reset)
    if kind == "daily_cap":
        # X's 24-hour posting cap: the 15-minute window resets soon, the day's cap at reset.
        window = int(time.time()) + 15 * 60
        daily = {
            "x-user-limit-24hour-limit": "17",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(reset),
        }
        return rate_limited(min(window, reset), daily)
    if kind == "expired_token":
        return json_response(UNAUTHORIZED, 401)
    return json_response(problem("Service Unavailable", 503), 503)


def build(world: World, tokens: dict[str, str]) -> TwitterSandbox:
    """The twitter sandbox over world."""
    return TwitterSandbox(world, tokens)
