"""Bluesky authors' posts from the public AppView (no account needed), newest first until the cursor."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from atproto import Client, models
from atproto_client.request import Request

from socialbot.networks.base import Fetched, Post, SourceRef
from socialbot.networks.bluesky import BlueskySettings
from socialbot.networks.bluesky.errors import bluesky_errors
from socialbot.networks.links import canonical_url
from socialbot.networks.routing import SandboxTransport

MAX_PAGES = 10
FIRST_FETCH = 25


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
                limits = self.settings
                transport = SandboxTransport(self.sandbox_url, limits)
                timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
                request = Request(transport=transport, timeout=timeout)
                self.client = Client(base_url=self.settings.appview, request=request)
            return self.client

    def fetch_new(self, source: SourceRef) -> Fetched:
        """Posts newer than the cursor (the newest createdAt seen), reposts and replies per the source."""
        replies = bool(source.options.get("include_replies"))
        items: list[dict[str, Any]] = []
        cursor, pages = None, 0
        with bluesky_errors(f"bluesky: {source.locator}", signed_in=False):
            while pages < MAX_PAGES:
                feed = self._author_feed(source, cursor, replies)
                pages += 1
                since = parse_time(source.cursor) if source.cursor else None
                fresh = [i for i in feed["feed"] if since is None or item_time(i) > since]
                items += fresh
                cursor = feed.get("cursor")
                if not source.cursor or len(fresh) < len(feed["feed"]) or not cursor:
                    break
        include_reposts = bool(source.options.get("include_reposts"))
        posts = [feed_post(i) for i in items if include_reposts or not i.get("reason")]
        newest = max((item_time(i) for i in items), default=None)
        return Fetched(posts, cursor=newest.isoformat() if newest else source.cursor, requests=pages)

    def _author_feed(self, source: SourceRef, cursor: str | None, replies: bool) -> dict[str, Any]:
        """One page of app.bsky.feed.getAuthorFeed as its JSON.

        Through atproto's own query call (its HTTP client, errors and rate-limit exceptions), without
        its response models: validating every post into pydantic models took a fifth of a
        1,000-source round's CPU for the twentieth of the sources on Bluesky (bench/collect.py).
        """
        params = models.AppBskyFeedGetAuthorFeed.Params(
            actor=source.locator,
            cursor=cursor,
            filter="posts_with_replies" if replies else "posts_no_replies",
            limit=100 if source.cursor else FIRST_FETCH,
        )
        response = self._client().invoke_query(
            "app.bsky.feed.getAuthorFeed", params=params, output_encoding="application/json"
        )
        content = response.content
        if not isinstance(content, dict) or not isinstance(content.get("feed"), list):
            raise ValueError("getAuthorFeed answered without a feed list")
        return content


REPOST = "app.bsky.feed.defs#reasonRepost"


def parse_time(text: str) -> datetime:
    """An AT Protocol datetime, in any of the forms seen (Z, .000000Z, +00:00), as aware UTC: compared
    as text they order wrongly."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def repost_reason(item: dict[str, Any]) -> dict[str, Any] | None:
    """The item's reasonRepost (who reposted it, when), if it is a repost."""
    reason = item.get("reason")
    return reason if isinstance(reason, dict) and reason.get("$type") == REPOST else None


def item_time(item: dict[str, Any]) -> datetime:
    """When the item entered the author's feed: a repost when it was reposted (its original may be
    weeks older), a post when it was made. The feed is in this order, and the cursor follows it."""
    reason = repost_reason(item)
    return parse_time(reason["indexedAt"] if reason else item["post"]["record"]["createdAt"])


def embed_media(embed: dict[str, Any]) -> list[dict[str, Any]]:
    """Images of an embed view, a video's thumbnail, and the media of a quote with media."""
    if embed.get("$type") == "app.bsky.embed.recordWithMedia#view":
        embed = embed.get("media") or {}
    if embed.get("$type") == "app.bsky.embed.video#view" and embed.get("thumbnail"):
        return [{"type": "video", "url": embed["thumbnail"], "alt": embed.get("alt", "")}]
    return [
        {"type": "photo", "url": image.get("fullsize"), "alt": image.get("alt", "")}
        for image in embed.get("images") or []
        if isinstance(image, dict)
    ]


def feed_post(item: dict[str, Any]) -> Post:
    """A FeedViewPost (JSON) as a Post: the link from a facet or an external embed.

    A repost is stored as the repost (keyed by its record, at the time it was reposted), carrying the
    reposted post's text, author and link: keyed by the original, a repost of an older post looked
    already seen and was dropped.
    """
    post = item["post"]
    record = post["record"]
    link = None
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if isinstance(feature, dict) and feature.get("uri"):
                link = link or feature["uri"]
    external = (record.get("embed") or {}).get("external")
    if isinstance(external, dict) and external.get("uri"):
        link = link or external["uri"]
    handle = post["author"]["handle"]
    rkey = post["uri"].rsplit("/", 1)[-1]
    reason = repost_reason(item)
    if reason:
        by = (reason.get("by") or {}).get("did", "")
        external_id = reason.get("uri") or f"{post['uri']}#repost:{by}:{reason['indexedAt']}"
    else:
        external_id = post["uri"]
    return Post(
        network="bluesky",
        external_id=external_id,
        text=record.get("text", ""),
        author=handle,
        published_at=item_time(item),
        permalink=f"https://bsky.app/profile/{handle}/post/{rkey}",
        link_url=canonical_url(link) if link else None,
        media=embed_media(post.get("embed") or {}),
        repost_of=post["uri"] if reason else None,
        raw={"uri": post["uri"], "cid": post.get("cid")},
    )


def make_collector(settings: Any, env: Mapping[str, str], sandbox_url: str | None) -> BlueskyCollector:
    """The Bluesky collector for these settings."""
    return BlueskyCollector(settings, sandbox_url)
