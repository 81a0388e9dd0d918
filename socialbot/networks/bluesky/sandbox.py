"""The sandbox's Bluesky: the public AppView's author feed, and a PDS's session and createRecord.

Shapes follow the lexicons (app.bsky.feed.getAuthorFeed, app.bsky.actor.getProfile,
com.atproto.server.createSession, com.atproto.repo.createRecord; docs.bsky.app) as the
`atproto` SDK's models parse them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from socialbot.networks.bluesky.sandbox_records import bsky_time, link_facets, record_time
from socialbot.queue.text import graphemes
from socialbot.sandbox.http import RateLimits, bearer_token, json_response, token_problem
from socialbot.sandbox.world import SandboxAccount, SandboxPost, World

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
MAX_GRAPHEMES = 300
SESSION_SECONDS = 2 * 3600
# Documented PDS limits (docs.bsky.app/docs/advanced-guides/rate-limits): 3000 per 5 minutes.
LIMIT, WINDOW = 3000, 300


def make_id(post: SandboxPost) -> str:
    """The post's at:// URI, whose record key is a TID made from its time."""
    return f"at://{did_of(post.account)}/app.bsky.feed.post/{tid(post)}"


def tid(post: SandboxPost) -> str:
    """A timestamp identifier: 53 bits of microseconds and 10 of clock id, base32-sortable."""
    value = (int(post.created_at.timestamp() * 1_000_000) << 10) | (post.seq & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def did_of(account: SandboxAccount) -> str:
    """A did:plc that stands for the account."""
    return "did:plc:" + hashlib.sha256(account.locator.lower().encode()).hexdigest()[:24]


def cid_of(post: SandboxPost) -> str:
    """A CID-looking content id (base32 of the text's hash)."""
    digest = hashlib.sha256(f"{post.id}{post.text}".encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def jwt(subject: str, scope: str, seconds: int) -> str:
    """A well-formed, unsigned-looking JWT with an integer exp (atproto decodes it to plan refreshes)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    now = int(time.time())
    header = part({"typ": "at+jwt", "alg": "ES256K"})
    body = part(
        {"scope": scope, "sub": subject, "iat": now, "exp": now + seconds, "aud": "did:web:bsky.social"}
    )
    signature = base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest()).decode().rstrip("=")
    return f"{header}.{body}.{signature}"


def xrpc_error(
    error: str, message: str, status: int = 400, headers: dict[str, str] | None = None
) -> Response:
    """The XRPC error body: {"error", "message"}."""
    return json_response({"error": error, "message": message}, status, headers)


class BlueskySandbox:
    """Handlers for the XRPC methods socialbot uses, over one World."""

    def __init__(self, world: World, tokens: dict[str, str]) -> None:
        self.world = world
        self.passwords = tokens  # app password → handle
        self.sessions: dict[str, str] = {}  # access or refresh JWT → handle
        self.limits = RateLimits()

    def routes(self) -> dict[str, list[BaseRoute]]:
        """XRPC methods under /xrpc, for both the AppView and the PDS host."""
        return {
            "bsky": [
                Route("/xrpc/app.bsky.feed.getAuthorFeed", self.author_feed),
                Route("/xrpc/app.bsky.actor.getProfile", self.profile),
                Route("/xrpc/app.bsky.feed.getPosts", self.get_posts),
                Route("/xrpc/com.atproto.identity.resolveHandle", self.resolve_handle),
                Route("/xrpc/com.atproto.server.createSession", self.create_session, methods=["POST"]),
                Route("/xrpc/com.atproto.server.refreshSession", self.refresh_session, methods=["POST"]),
                Route("/xrpc/com.atproto.repo.createRecord", self.create_record, methods=["POST"]),
                Route("/xrpc/com.atproto.repo.uploadBlob", self.upload_blob, methods=["POST"]),
                Route("/xrpc/com.atproto.repo.deleteRecord", self.delete_record, methods=["POST"]),
            ]
        }

    def _headers(self, caller: str) -> tuple[dict[str, str], bool]:
        window = self.limits.take("xrpc", caller, LIMIT, WINDOW)
        headers = {
            "ratelimit-limit": str(window.limit),
            "ratelimit-remaining": str(max(window.remaining, 0)),
            "ratelimit-reset": str(window.reset),
            "ratelimit-policy": f"{LIMIT};w={WINDOW}",
        }
        return headers, window.remaining < 0

    def _actor(self, actor: str) -> SandboxAccount | None:
        if actor.startswith("did:"):
            return next((a for a in self.world.network_accounts("bluesky") if did_of(a) == actor), None)
        return self.world.account("bluesky", actor.lstrip("@"))

    def _session_account(self, request: Request) -> tuple[SandboxAccount | None, Response | None]:
        token = bearer_token(request.headers.get("authorization"))
        handle = self.sessions.get(token or "")
        if handle is None:
            return None, xrpc_error("InvalidToken", "Token could not be verified", 400)
        return self.world.ensure_account("bluesky", handle), None

    async def author_feed(self, request: Request) -> Response:
        headers, limited = self._headers(request.client.host if request.client else "")
        if limited:
            return fault_response("rate_limited", int(headers["ratelimit-reset"]))
        q = request.query_params
        account = self._actor(q.get("actor", ""))
        if account is None:
            return xrpc_error("InvalidRequest", "Profile not found", 400, headers)
        limit = min(max(int(q.get("limit", "50")), 1), 100)
        posts = list(reversed(account.visible(self.world.now())))
        if q.get("filter") == "posts_no_replies":
            posts = [p for p in posts if p.reply_to is None]
        if q.get("cursor"):
            posts = [p for p in posts if bsky_time(p.created_at) < q["cursor"]]
        page = posts[:limit]
        body: dict[str, Any] = {"feed": [timeline_item(p) for p in page]}
        if len(posts) > limit:
            body["cursor"] = bsky_time(page[-1].created_at)
        return json_response(body, headers=headers)

    async def get_posts(self, request: Request) -> Response:
        """app.bsky.feed.getPosts: post views for up to 25 URIs; unknown ones are left out."""
        uris = request.query_params.getlist("uris")[:25]
        posts = [self.world.post("bluesky", uri) for uri in uris]
        return json_response({"posts": [feed_item(p)["post"] for p in posts if p is not None]})

    async def profile(self, request: Request) -> Response:
        account = self._actor(request.query_params.get("actor", ""))
        if account is None:
            return xrpc_error("InvalidRequest", "Profile not found")
        return json_response(
            profile_json(account)
            | {
                "postsCount": len(account.visible(self.world.now())),
                "followersCount": 120,
                "followsCount": 80,
            }
        )

    async def resolve_handle(self, request: Request) -> Response:
        account = self._actor(request.query_params.get("handle", ""))
        if account is None:
            return xrpc_error("InvalidRequest", "Unable to resolve handle")
        return json_response({"did": did_of(account)})

    async def create_session(self, request: Request) -> Response:
        body = await request.json()
        identifier, password = str(body.get("identifier", "")), str(body.get("password", ""))
        if token_problem(password):
            return xrpc_error("AuthenticationRequired", "Invalid identifier or password", 401)
        handle = self.passwords.get(password, identifier).lstrip("@")
        account = self.world.ensure_account("bluesky", handle)
        return json_response(self._session(account))

    async def refresh_session(self, request: Request) -> Response:
        account, refusal = self._session_account(request)
        if refusal or account is None:
            return refusal or xrpc_error("ExpiredToken", "Token has expired", 400)
        return json_response(self._session(account))

    def _session(self, account: SandboxAccount) -> dict[str, Any]:
        access = jwt(did_of(account), "com.atproto.appPass", SESSION_SECONDS)
        refresh = jwt(did_of(account), "com.atproto.refresh", 60 * 86400)
        self.sessions[access] = self.sessions[refresh] = account.locator
        # No didDoc: a didDoc pointing at another PDS would send the client away from the sandbox.
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": account.locator,
            "did": did_of(account),
            "active": True,
        }

    async def create_record(self, request: Request) -> Response:
        account, refusal = self._session_account(request)
        if refusal or account is None:
            return refusal or xrpc_error("AuthenticationRequired", "Authentication Required", 401)
        headers, limited = self._headers(account.locator)
        if limited:
            return fault_response("rate_limited", int(headers["ratelimit-reset"]))
        body = await request.json()
        record = body.get("record") or {}
        text = str(record.get("text", ""))
        if graphemes(text) > MAX_GRAPHEMES:
            return xrpc_error(
                "InvalidRequest",
                "Invalid app.bsky.feed.post record: Record/text must not be longer "
                f"than {MAX_GRAPHEMES} graphemes",
                400,
                headers,
            )
        if body.get("collection") != "app.bsky.feed.post":
            return xrpc_error(
                "InvalidRequest", f"Unsupported collection {body.get('collection')}", 400, headers
            )
        parent_uri = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        parent = self.world.post("bluesky", parent_uri) if parent_uri else None
        if parent_uri and parent is None:
            return xrpc_error("InvalidRequest", f"Could not locate record: {parent_uri}", 400, headers)
        links = [
            f["features"][0]["uri"]
            for f in record.get("facets", [])
            if f.get("features") and f["features"][0].get("$type") == "app.bsky.richtext.facet#link"
        ]
        images = (record.get("embed") or {}).get("images") or []
        media_ids = [i["image"]["ref"]["$link"] for i in images if isinstance(i.get("image"), dict)]
        post = self.world.publish(
            account, text, reply_to=parent, links=links, media_ids=media_ids, meta={"record": record}
        )
        return json_response(
            {
                "uri": post.id,
                "cid": cid_of(post),
                "commit": {"cid": cid_of(post), "rev": tid(post)},
                "validationStatus": "valid",
            },
            headers=headers,
        )

    async def upload_blob(self, request: Request) -> Response:
        """com.atproto.repo.uploadBlob: the raw bytes; answers the blob ref a record embeds."""
        account, refusal = self._session_account(request)
        if refusal or account is None:
            return refusal or xrpc_error("AuthenticationRequired", "Authentication Required", 401)
        data = await request.body()
        if len(data) > 1_000_000:
            return xrpc_error(
                "BlobTooLarge", "This file is too large. It is 1.0MB but the maximum size is 976.56KB."
            )
        link = "bafkrei" + base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")[:52]
        mime = request.headers.get("content-type", "application/octet-stream")
        self.world.record_media("bluesky", link, len(data), mime)
        return json_response(
            {"blob": {"$type": "blob", "ref": {"$link": link}, "mimeType": mime, "size": len(data)}}
        )

    async def delete_record(self, request: Request) -> Response:
        account, refusal = self._session_account(request)
        if refusal or account is None:
            return refusal or xrpc_error("AuthenticationRequired", "Authentication Required", 401)
        body = await request.json()
        uri = f"at://{did_of(account)}/{body.get('collection')}/{body.get('rkey')}"
        post = self.world.post("bluesky", uri)
        if post:
            self.world.delete(post)
        return json_response({})


def profile_json(account: SandboxAccount) -> dict[str, Any]:
    """ProfileViewBasic: did, handle, displayName."""
    return {"did": did_of(account), "handle": account.locator, "displayName": account.name, "labels": []}


def timeline_item(post: SandboxPost) -> dict[str, Any]:
    """An author-feed item: every seventh seeded one a repost, by this account, of another account's
    post made ten days earlier (a FeedViewPost with a reasonRepost, as the lexicon defines it)."""
    item = feed_item(post)
    if post.published or post.seq % 7 != 5:
        return item
    original = item["post"]
    did = did_of(post.account)
    original["uri"] = f"at://did:plc:sandboxcomrade/app.bsky.feed.post/orig{post.seq}"
    original["author"] = {
        "did": "did:plc:sandboxcomrade",
        "handle": "comrade.bsky.social",
        "displayName": "Comrade",
        "labels": [],
    }
    original["record"]["createdAt"] = bsky_time(post.created_at - timedelta(days=10))
    item["reason"] = {
        "$type": "app.bsky.feed.defs#reasonRepost",
        "by": profile_json(post.account),
        "uri": f"at://{did}/app.bsky.feed.repost/rp{post.seq}",
        "cid": cid_of(post),
        "indexedAt": bsky_time(post.created_at),
    }
    return item


def feed_item(post: SandboxPost) -> dict[str, Any]:
    """A FeedViewPost: the post view, and the reply refs when it answers another post."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": record_time(post),
        "langs": ["en"],
    }
    facets = link_facets(post)
    if facets:
        record["facets"] = facets
    view: dict[str, Any] = {
        "uri": post.id,
        "cid": cid_of(post),
        "author": profile_json(post.account),
        "record": record,
        "replyCount": 0,
        "repostCount": post.seq % 5,
        "likeCount": post.seq % 30,
        "quoteCount": 0,
        "indexedAt": bsky_time(post.created_at),
        "labels": [],
    }
    if post.links:
        card = {"uri": post.links[0], "title": post.links[0].split("/")[2], "description": ""}
        record["embed"] = {"$type": "app.bsky.embed.external", "external": card}
        view["embed"] = {"$type": "app.bsky.embed.external#view", "external": card}
    elif post.image:
        thumb = f"https://cdn.bsky.app/img/feed_thumbnail/plain/{did_of(post.account)}/sandbox{post.seq}@jpeg"
        view["embed"] = {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": thumb,
                    "fullsize": thumb.replace("feed_thumbnail", "feed_fullsize"),
                    "alt": f"Photo from {post.account.name}",
                    "aspectRatio": {"width": 1200, "height": 675},
                }
            ],
        }
    item: dict[str, Any] = {"post": view}
    if post.reply_to is not None:
        root = post.reply_to
        while root.reply_to is not None:
            root = root.reply_to
        ref = {"$type": "app.bsky.feed.defs#postView"}
        item["reply"] = {
            "root": feed_item(root)["post"] | ref,
            "parent": feed_item(post.reply_to)["post"] | ref,
        }
        record["reply"] = {
            "root": {"uri": root.id, "cid": cid_of(root)},
            "parent": {"uri": post.reply_to.id, "cid": cid_of(post.reply_to)},
        }
    return item


def fault_response(kind: str, reset: int) -> Response:
    """XRPC's answer for a fault the sandbox injects."""
    if kind == "rate_limited":
        return xrpc_error(
            "RateLimitExceeded",
            "Rate Limit Exceeded",
            429,
            {
                "ratelimit-limit": str(LIMIT),
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset),
                "ratelimit-policy": f"{LIMIT};w={WINDOW}",
            },
        )
    if kind == "expired_token":
        return xrpc_error("ExpiredToken", "Token has expired", 400)
    return xrpc_error("InternalServerError", "Internal Server Error", 500)


def build(world: World, tokens: dict[str, str]) -> BlueskySandbox:
    """The Bluesky sandbox over world."""
    return BlueskySandbox(world, tokens)
