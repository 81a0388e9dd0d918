"""Posting to Bluesky with the atproto SDK: an app-password session, link facets, reply refs for threads."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from atproto import Client, client_utils, models
from atproto_client.exceptions import BadRequestError
from atproto_client.request import Request

from socialbot.networks.base import (
    Media,
    Published,
    made_since,
    same_text,
)
from socialbot.networks.bluesky.errors import bluesky_errors
from socialbot.networks.credentials import secrets_for
from socialbot.networks.routing import SandboxTransport
from socialbot.queue.text import LINKABLE, trimmed_url


class BlueskyPublisher:
    """One Bluesky account, logged in on first use."""

    def __init__(
        self,
        key: str,
        handle: str,
        credentials: Mapping[str, str],
        env: Mapping[str, str],
        sandbox_url: str | None,
        pds: str,
    ) -> None:
        self.password = secrets_for(key, "bluesky", credentials, env)["app_password"]
        self.handle = handle
        transport = SandboxTransport(sandbox_url) if sandbox_url else None
        self.client = Client(base_url=pds, request=Request(transport=transport, timeout=15.0))
        self.logged_in = False

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.request.close()

    @contextmanager
    def _session(self) -> Iterator[Client]:
        with bluesky_errors(f"bluesky: {self.handle}", signed_in=True):
            if not self.logged_in:
                self.client.login(self.handle, self.password)
                self.logged_in = True
            yield self.client

    def publish_part(
        self, text: str, thread: list[str], idempotency_key: str, media: Sequence[Media] = ()
    ) -> Published:
        """createRecord with link facets and images, replying to the thread's root and last part."""
        with self._session() as client:
            embed = None
            if media:
                images = [
                    models.AppBskyEmbedImages.Image(alt=m.alt, image=client.upload_blob(m.read()).blob)
                    for m in media
                ]
                embed = models.AppBskyEmbedImages.Main(images=images)
            reply = None
            if thread:
                refs = {
                    p.uri: models.create_strong_ref(p)
                    for p in client.get_posts(list({thread[0], thread[-1]})).posts
                }
                reply = models.AppBskyFeedPost.ReplyRef(root=refs[thread[0]], parent=refs[thread[-1]])
            response = client.send_post(
                with_links(text, lambda handle: resolve_handle(client, handle)), reply_to=reply, embed=embed
            )
        return self._published(response.uri)

    def _published(self, uri: str) -> Published:
        """The post at this AT URI, with its bsky.app address."""
        return Published(uri, f"https://bsky.app/profile/{self.handle}/post/{uri.rsplit('/', 1)[-1]}")

    def find_recent(self, text: str, since: datetime) -> Published | None:
        """Our post with this text since then, from our author feed."""
        with self._session() as client:
            feed = client.get_author_feed(actor=self.handle, limit=100)
        for item in feed.feed:
            created = datetime.fromisoformat(item.post.record.created_at.replace("Z", "+00:00"))
            if made_since(created, since) and same_text(item.post.record.text, text):
                return self._published(item.post.uri)
        return None


def with_links(text: str, resolve: Callable[[str], str | None] | None = None) -> client_utils.TextBuilder:
    """text with a link facet on every URL, a tag facet on every #hashtag (so #GV6 is a tag on
    Bluesky as it is elsewhere) and a mention facet on every @handle that resolve turns into a DID
    (one that does not resolve stays plain text: a mention must name an account). Byte offsets are
    the SDK's business. A sentence's full stop or comma after a URL or handle is not part of it."""
    builder = client_utils.TextBuilder()
    position = 0
    for match in LINKABLE.finditer(text):
        found = match.group(0)
        if found.startswith("#"):
            builder.text(text[position : match.start()])
            builder.tag(found, found[1:])
            position = match.end()
            continue
        trimmed = trimmed_url(found)
        if found.startswith("@"):
            did = resolve(trimmed[1:]) if resolve else None
            if did is None:
                continue
            builder.text(text[position : match.start()])
            builder.mention(trimmed, did)
        else:
            builder.text(text[position : match.start()])
            builder.link(trimmed, trimmed)
        position = match.start() + len(trimmed)
    builder.text(text[position:])
    return builder


def resolve_handle(client: Client, handle: str) -> str | None:
    """The DID of a handle (com.atproto.identity.resolveHandle), or None when it names no account."""
    try:
        return str(client.resolve_handle(handle).did)
    except BadRequestError:
        # 400 InvalidRequest, "Unable to resolve handle"; other failures are the post's to report.
        return None


def make_publisher(
    key: str,
    handle: str,
    credentials: Mapping[str, str],
    env: Mapping[str, str],
    sandbox_url: str | None,
    settings: Any,
) -> BlueskyPublisher:
    """The publisher for a Bluesky account."""
    return BlueskyPublisher(key, handle, credentials, env, sandbox_url, settings.pds)
