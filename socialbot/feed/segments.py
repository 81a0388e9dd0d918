"""Post text as segments (text, link, hashtag, mention), the one tokenisation every renderer uses.

Renderers never treat post text as markup: they escape text segments and build links from
segments whose targets are checked here to be http(s).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from socialbot.networks.links import canonical_url

TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"'`]+)|(?P<tag>(?<![\w&])#\w{1,100})|(?P<mention>(?<![\w@])@\w{1,30}(?:@[\w.\-]+\.[a-z]{2,})?)",
    re.IGNORECASE,
)
TRAILING = ".,;:!?)]}'\""
# Bidirectional overrides and isolates can make text read differently from how it is stored.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
PROFILES = {
    "twitter": "https://x.com/{}",
    "bluesky": "https://bsky.app/profile/{}",
    "mastodon": "https://mastodon.social/@{}",
    "facebook": "https://www.facebook.com/{}",
}


@dataclass(frozen=True)
class Segment:
    """A run of a post's text; href is set (http(s) only) for links, hashtags and mentions."""

    kind: str  # text, link, hashtag, mention
    text: str
    href: str | None = None

    def as_json(self) -> dict[str, str]:
        """The segment for JSON: {"t": kind, "v": text, "h": href}."""
        data = {"t": self.kind, "v": self.text}
        if self.href:
            data["h"] = self.href
        return data


def clean_text(text: str) -> str:
    """Text without bidi controls and other invisible format characters (but keeping emoji joiners)."""
    text = text.translate(BIDI_CONTROLS)
    return "".join(c for c in text if unicodedata.category(c) != "Cc" or c in "\n\t")


def display_url(url: str, limit: int = 32) -> str:
    """A link as people read it: no scheme or www, shortened with an ellipsis (as X shows display_url)."""
    shown = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def segments(text: str, network: str, tag_base: str = "") -> list[Segment]:
    """Split text into segments; URLs keep their own text, links point at the canonical http(s) URL."""
    text = clean_text(text)
    result: list[Segment] = []
    position = 0
    for match in TOKEN.finditer(text):
        token = match.group(0)
        end = match.end()
        if match.lastgroup == "url":
            stripped = token.rstrip(TRAILING)
            end -= len(token) - len(stripped)
            token = stripped
        if match.start() > position:
            result.append(Segment("text", text[position : match.start()]))
        result.append(_token_segment(match.lastgroup or "", token, network, tag_base))
        position = end
    if position < len(text):
        result.append(Segment("text", text[position:]))
    return result


def _token_segment(kind: str, token: str, network: str, tag_base: str) -> Segment:
    if kind == "url":
        href = canonical_url(token)
        return Segment("link", display_url(href), href) if href else Segment("text", token)
    if kind == "tag":
        return Segment("hashtag", token, f"{tag_base}?hashtag={quote(token[1:])}")
    handle = token[1:]
    profile = PROFILES.get(network)
    if network == "mastodon" and "@" in handle:
        user, server = handle.split("@", 1)
        return Segment("mention", token, f"https://{server}/@{user}")
    return Segment("mention", token, profile.format(quote(handle)) if profile else None)
