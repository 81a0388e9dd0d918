"""What every renderer shows of an item: labels, segments, the short and long text, shared-by line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialbot.feed.query import FeedItem
from socialbot.feed.segments import Segment, clean_text, segments
from socialbot.networks import NETWORKS
from socialbot.networks.links import http_url

# Text beyond this many characters is folded behind "See more".
EXCERPT = 280
PLATFORM_NAMES = {"twitter": "X", "rss": "website"}


@dataclass
class ItemView:
    """An item ready to render."""

    item: FeedItem
    segments: list[Segment]
    excerpt: list[Segment]
    is_long: bool
    platform: str
    initials: str
    shared_by_text: str
    media: list[dict[str, Any]]
    # The post on its platform; None when what was stored is not an http(s) URL.
    permalink: str | None
    # The article it shares, under the same rule.
    link: str | None

    @property
    def published(self) -> datetime:
        """When the post was published (aware UTC)."""
        return self.item.published_at


def platform_label(network: str) -> str:
    """ "Facebook", "X", "Bluesky", "Mastodon", "website"."""
    info = NETWORKS.get(network)
    return PLATFORM_NAMES.get(network, info.label if info else network)


def initials(name: str) -> str:
    """Up to two initials for an avatar: "Labour Left Alliance" → "LL"."""
    words = [w for w in clean_text(name).replace("(", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def shared_by_line(names: list[str]) -> str:
    """ "Shared by A", "Shared by A and B", "Shared by A, B and C"."""
    if len(names) < 2:
        return ""
    return "Shared by " + (", ".join(names[:-1]) + " and " + names[-1])


def excerpt(parts: list[Segment], limit: int = EXCERPT) -> tuple[list[Segment], bool]:
    """The segments up to limit characters, cut at a word; True when something was cut."""
    total = sum(len(p.text) for p in parts)
    if total <= limit + 40:
        return parts, False
    kept: list[Segment] = []
    used = 0
    for part in parts:
        if used + len(part.text) <= limit:
            kept.append(part)
            used += len(part.text)
            continue
        if part.kind == "text":
            room = part.text[: limit - used]
            cut = room.rsplit(" ", 1)[0] if " " in room else room
            kept.append(Segment("text", cut.rstrip() + "…"))
        break
    return kept, True


def item_view(item: FeedItem, base_url: str, privacy_mode: bool) -> ItemView:
    """The view of an item; in privacy mode images are left out, so no platform CDN sees a visitor."""
    parts = segments(item.text, item.network, f"{base_url}/whats-new")
    short, is_long = excerpt(parts)
    media = []
    for m in [] if privacy_mode else item.media[:4]:
        url = http_url(m.get("url"))
        if url is None:
            continue
        media.append(
            {
                "url": url,
                "alt": str(m.get("alt") or ""),
                "width": m.get("width") or 1200,
                "height": m.get("height") or 675,
            }
        )
    names = [s.name for s in item.shared_by]
    return ItemView(
        item,
        parts,
        short,
        is_long,
        platform_label(item.network),
        initials(item.group_name),
        shared_by_line(names),
        media,
        http_url(item.permalink),
        http_url(item.link_url),
    )
