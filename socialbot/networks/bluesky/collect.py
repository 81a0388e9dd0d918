"""Bluesky authors' posts from the public AppView (no account needed), newest first until the cursor."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from atproto import Client, exceptions
from atproto_client.request import Request

from socialbot.networks.base import Fetched, Post, RateLimited, Rejected, SourceRef, Transient
from socialbot.networks.bluesky import BlueskySettings
from socialbot.networks.links import canonical_url
from socialbot.networks.routing import SandboxTransport

MAX_PAGES = 10
FIRST_FETCH = 25
TIMEOUT = 15.0


class BlueskyCollector:
    """Reads author feeds through one shared atproto Client."""

    def __init__(self, settings: BlueskySettings, sandbox_url: str | None) -> None:
        self.settings = settings
        self.sandbox_url = sandbox_url
        # One client for every thread: its httpx client is thread-safe, and building an atproto Client
        # creates hundreds of model classes (~20 ms), too dear to repeat per worker thread.
        self.client: Client | None = None
        self.lock = threading.Lock()

    def credentials_fingerprint(self) -> str:
        """Public reads need no credentials."""
        return ""

    def close(self) -> None:
        """Close the HTTP client."""
        if self.client is not None:
            self.client.request.close()
            self.client = None

    def _client(self) -> Client:
        with self.lock:
            if self.client is None:
                transport = SandboxTransport(self.sandbox_url) if self.sandbox_url else None
                request = Request(transport=transport, timeout=TIMEOUT)
                self.client = Client(base_url=self.settings.appview, request=request)
            return self.client

    def fetch_new(self, source: SourceRef) -> Fetched:
        """Posts newer than the cursor (the newest createdAt seen), reposts and replies per the source."""
        replies = bool(source.options.get("include_replies"))
        items: list[Any] = []
        cursor, pages = None, 0
        try:
            while pages < MAX_PAGES:
                feed = self._client().get_author_feed(
                    actor=source.locator,
                    cursor=cursor,
                    filter="posts_with_replies" if replies else "posts_no_replies",
                    limit=100 if source.cursor else FIRST_FETCH,
                )
                pages += 1
                fresh = [
                    i for i in feed.feed if not source.cursor or i.post.record.created_at > source.cursor
                ]
                items += fresh
                cursor = feed.cursor
                if not source.cursor or len(fresh) < len(feed.feed) or not cursor:
                    break
        except exceptions.RateLimitExceededError as exc:
            reset = exc.response.headers.get("ratelimit-reset") if exc.response else None
            at = (
                datetime.fromtimestamp(int(reset), UTC) if reset else datetime.now(UTC) + timedelta(minutes=5)
            )
            raise RateLimited(f"bluesky: {source.locator}: rate limited", at) from exc
        except exceptions.BadRequestError as exc:
            raise Rejected(f"bluesky: {source.locator}: {exc}", "bad request") from exc
        except (exceptions.AtProtocolError, httpx.HTTPError, ValueError) as exc:
            raise Transient(f"bluesky: {source.locator}: {type(exc).__name__}: {exc}") from exc
        include_reposts = bool(source.options.get("include_reposts"))
        posts = [feed_post(i) for i in items if include_reposts or i.reason is None]
        newest = max((i.post.record.created_at for i in items), default=source.cursor)
        return Fetched(posts, cursor=newest, requests=pages)


def feed_post(item: Any) -> Post:
    """A FeedViewPost as a Post: the link from a facet or an external embed."""
    post, record = item.post, item.post.record
    link = None
    for facet in record.facets or []:
        for feature in facet.features:
            if getattr(feature, "uri", None):
                link = link or feature.uri
    embed = getattr(record, "embed", None)
    external = getattr(embed, "external", None)
    if external is not None:
        link = link or external.uri
    media = []
    view = getattr(post, "embed", None)
    for image in getattr(view, "images", None) or []:
        media.append({"type": "photo", "url": image.fullsize, "alt": image.alt})
    rkey = post.uri.rsplit("/", 1)[-1]
    return Post(
        network="bluesky",
        external_id=post.uri,
        text=record.text,
        author=post.author.handle,
        published_at=datetime.fromisoformat(record.created_at.replace("Z", "+00:00")),
        permalink=f"https://bsky.app/profile/{post.author.handle}/post/{rkey}",
        link_url=canonical_url(link) if link else None,
        media=media,
        raw={"uri": post.uri, "cid": post.cid},
    )


def make_collector(settings: Any, env: Mapping[str, str], sandbox_url: str | None) -> BlueskyCollector:
    """The Bluesky collector for these settings."""
    return BlueskyCollector(settings, sandbox_url)
