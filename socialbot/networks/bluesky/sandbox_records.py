"""How the Bluesky sandbox writes a post's record: its createdAt, in the forms clients use, and its
link facets, with the byte offsets the richtext spec counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from socialbot.sandbox.world import SandboxPost


def bsky_time(at: datetime) -> str:
    """ISO 8601 with milliseconds and Z, as Bluesky's own app writes it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def record_time(post: SandboxPost) -> str:
    """createdAt as clients write it: Bluesky's own app with milliseconds and Z, others with six
    digits, or an offset (the lexicon allows any RFC 3339 time)."""
    form = post.seq % 3
    if form == 1:
        return post.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if form == 2:
        return post.created_at.astimezone(UTC).isoformat(timespec="seconds")
    return bsky_time(post.created_at)


def link_facets(post: SandboxPost) -> list[dict[str, Any]]:
    """Link facets with UTF-8 byte offsets, as the richtext spec counts them."""
    facets = []
    encoded = post.text.encode()
    for link in post.links:
        start = encoded.find(link.encode())
        if start >= 0:
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": start + len(link.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
                }
            )
    return facets
