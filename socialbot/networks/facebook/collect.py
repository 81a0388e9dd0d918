"""Facebook Page posts through facebook-sdk's GraphAPI, at a current Graph API version.

facebook-sdk 3.1.0 only accepts the retired versions 2.8–3.1 in its constructor; the version is
a plain attribute used to build each path, so socialbot sets it after construction (no fork).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import facebook
import requests

from socialbot.networks.base import (
    AuthFailed,
    Fetched,
    Post,
    SourceRef,
    secret_fingerprint,
)
from socialbot.networks.facebook import FacebookSettings
from socialbot.networks.facebook.errors import graph_errors, remember_regain
from socialbot.networks.links import canonical_url
from socialbot.networks.per_thread import PerThread
from socialbot.networks.routing import route_session

# story: a post without a message ("… shared a link", "… updated their cover photo") says what it is.
FIELDS = "message,story,created_time,updated_time,permalink_url,full_picture,attachments,from"
MAX_PAGES = 10


class FacebookCollector:
    """Reads Page posts; one GraphAPI (and HTTP session) per thread."""

    def __init__(self, settings: FacebookSettings, env: Mapping[str, str], sandbox_url: str | None) -> None:
        self.settings = settings
        self.token = env.get(settings.token_env, "")
        secret = env.get(settings.app_secret_env, "") if settings.app_secret_env else ""
        self.proof = appsecret_proof(self.token, secret) if secret else None
        self.sandbox_url = sandbox_url
        self.graphs = PerThread(self._new_graph, lambda graph: graph.session.close())

    def credentials_fingerprint(self) -> str:
        """Changes when the read token (or the app secret) does."""
        return secret_fingerprint(self.token, self.proof)

    def close(self) -> None:
        """Close every thread's session."""
        self.graphs.close()

    def _new_graph(self, _: str) -> facebook.GraphAPI:
        # The session's adapter keeps the [network.facebook] timeouts and size cap.
        session = route_session(requests.Session(), self.sandbox_url, self.settings)
        graph = facebook.GraphAPI(access_token=self.token, session=session)
        graph.version = self.settings.api_version
        graph.socialbot_regain = remember_regain(session)
        return graph

    def _graph(self) -> facebook.GraphAPI:
        return self.graphs.get()

    def fetch_new(self, source: SourceRef) -> Fetched:
        """Posts created since the cursor (a Unix time); the newest first_fetch on a first fetch."""
        if not self.token:
            raise AuthFailed(f"facebook: environment variable {self.settings.token_env} is not set")
        args: dict[str, Any] = {
            "fields": FIELDS,
            "limit": 100 if source.cursor else self.settings.first_fetch,
        }
        if source.cursor:
            # Graph's since is inclusive: start one second after the newest post already read.
            args["since"] = str(int(source.cursor) + 1)
        if self.proof:
            args["appsecret_proof"] = self.proof
        items: list[dict[str, Any]] = []
        pages = 0
        with graph_errors(source.locator, self._graph().socialbot_regain):
            while pages < MAX_PAGES:
                page = self._graph().get_connections(source.locator, "posts", **args)
                pages += 1
                items += page.get("data", [])
                following = next_page(page, args.get("since"))
                if not source.cursor or following is None:
                    break
                args = following
        # A time-based page's next link ends (until) at its last post's time, so that post can come
        # again at the top of the next page: each post is kept once.
        unique = {item.get("id"): item for item in reversed(items)}
        posts = [post for item in reversed(unique.values()) if (post := page_post(item, source.locator))]
        newest = max((p.published_at for p in posts), default=None)
        cursor = str(int(newest.timestamp())) if newest else source.cursor
        return Fetched(posts, cursor=cursor, requests=pages)


def appsecret_proof(token: str, app_secret: str) -> str:
    """HMAC-SHA256 of the token keyed by the app secret: what an app that requires it must send with
    every call (developers.facebook.com, "Securing Graph API Requests")."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def next_page(page: dict[str, Any], since: str | None = None) -> dict[str, Any] | None:
    """The arguments of the next page, or None at the last: cursor paging gives `after`, time-based
    paging (a page's feed with since/until) only a `next` URL, whose query is the next request's.

    That URL names `since` empty (recorded: `…&until=1624385168&since&__paging_token=…`), so the
    request's own since is kept: without it paging would run back through the page's whole history.
    """
    paging = page.get("paging") or {}
    if not paging.get("next"):
        return None
    after = (paging.get("cursors") or {}).get("after")
    query = dict(parse_qsl(urlsplit(paging["next"]).query))
    query.pop("access_token", None)
    if after:
        query["after"] = after
    if since and not query.get("since"):
        query["since"] = since
    return query


def page_post(item: dict[str, Any], page: str) -> Post | None:
    """A Graph page post as a Post; one with nothing to show (no message, story, attachment text or
    picture) is left out rather than stored empty."""
    attachments = (item.get("attachments") or {}).get("data", [])
    shared = next(
        (a.get("unshimmed_url") or a.get("url") for a in attachments if a.get("type") == "share"),
        None,
    )
    media = album_media(attachments) or (
        [{"type": "photo", "url": item["full_picture"]}] if item.get("full_picture") else []
    )
    described = next(
        (
            a.get("title") or a.get("description")
            for a in attachments
            if a.get("title") or a.get("description")
        ),
        "",
    )
    text = item.get("message") or described or item.get("story") or ""
    if not text and not media:
        return None
    return Post(
        network="facebook",
        external_id=item["id"],
        text=text,
        author=(item.get("from") or {}).get("name", page),
        published_at=datetime.fromisoformat(item["created_time"]).astimezone(UTC),
        permalink=item.get("permalink_url", f"https://www.facebook.com/{item['id']}"),
        link_url=canonical_url(shared) if shared else None,
        media=media,
        raw=json.loads(json.dumps({"id": item["id"], "updated_time": item.get("updated_time")})),
    )


def album_media(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every photo of an album post (its subattachments), each with its description as alt text."""
    photos = []
    for attachment in attachments:
        for sub in (attachment.get("subattachments") or {}).get("data", []):
            image = (sub.get("media") or {}).get("image") or {}
            if image.get("src"):
                photos.append({"type": "photo", "url": image["src"], "alt": sub.get("description", "")})
    return photos


def make_collector(settings: Any, env: Mapping[str, str], sandbox_url: str | None) -> FacebookCollector:
    """The Facebook collector for these settings."""
    return FacebookCollector(settings, env, sandbox_url)
