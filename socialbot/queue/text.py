"""Each network's length rules, and splitting a long text into a numbered thread ("1/8")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from socialbot.networks.twitter.text import weighted_length

URL = re.compile(r"https?://\S+")
# A URL, a hashtag that starts a word (not one inside a URL: those are matched whole first), or a
# mention of a domain handle (@name.bsky.social: Bluesky handles are domain names).
LINKABLE = re.compile(
    r"https?://\S+|(?<![\w/#])#\w*[^\W\d_]\w*|(?<![\w@/])@[a-zA-Z0-9][a-zA-Z0-9-]*(?:\.[a-zA-Z0-9-]+)+"
)
# Where a text may be cut: paragraphs, lines, and sentence ends (not "1." in a numbered list).
BREAK = re.compile(r"(\n{2,}|\n|(?<=\D[.!?…])[ \t]+)")
# Networks that show a long text as a thread of replies; Facebook posts it whole.
THREADED = {"twitter", "bluesky", "mastodon"}


@dataclass(frozen=True)
class Limit:
    """How a network counts a post's length, and its maximum."""

    maximum: int
    unit: str

    def measure(self, network: str, text: str) -> int:
        """The length of text as network counts it."""
        return measure(network, text)


LIMITS = {
    # X: weighted length per twitter-text v3 (CJK counts 2, every URL 23), 280 at most.
    "twitter": Limit(280, "weighted characters"),
    # Bluesky: 300 graphemes (app.bsky.feed.post's maxGraphemes).
    "bluesky": Limit(300, "graphemes"),
    # Mastodon: 500 characters, every URL counted as 23 (the default server configuration).
    "mastodon": Limit(500, "characters"),
    # Facebook: 63,206 characters in a Page post.
    "facebook": Limit(63206, "characters"),
}


@dataclass(frozen=True)
class MediaLimit:
    """How many images a post may carry on a network, and how large each may be."""

    count: int
    max_bytes: int
    # Width × height at most, where the platform documents one.
    max_pixels: int | None = None
    # Whether an animated GIF goes out animated; where it would not, it is refused.
    animated: bool = True
    why_not_animated: str = ""


IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
MEDIA = {
    # X: 4 images of at most 5 MB (docs.x.com, media best practices); an animated GIF only through
    # the chunked upload (docs.x.com/x-api/media), which socialbot does not use yet.
    "twitter": MediaLimit(
        4, 5 * 1024 * 1024, animated=False, why_not_animated="X takes animated GIFs only by chunked upload"
    ),
    # Bluesky: 4 images of at most 1,000,000 bytes (app.bsky.embed.images, maxSize); images are shown
    # still, so an animated GIF would lose its animation.
    "bluesky": MediaLimit(
        4, 1_000_000, animated=False, why_not_animated="Bluesky shows only its first frame"
    ),
    # Mastodon: 4 attachments; 16 MB images and 33,177,600 pixels (mastodon.social's
    # /api/v2/instance: image_size_limit, image_matrix_limit; the 4.x defaults).
    "mastodon": MediaLimit(4, 16 * 1024 * 1024, max_pixels=33_177_600),
    # Facebook: socialbot posts one photo with the message; Pages take photos up to 10 MB.
    "facebook": MediaLimit(1, 10 * 1024 * 1024),
}


def measure(network: str, text: str) -> int:
    """The length of text as network counts it."""
    if network == "twitter":
        return weighted_length(text)
    if network == "bluesky":
        return graphemes(text)
    if network == "mastodon":
        return len(URL.sub("x" * 23, text))
    return len(text)


def too_long(network: str, text: str) -> str | None:
    """Why text does not fit network, or None when it does."""
    limit = LIMITS.get(network)
    if limit is None:
        return None
    length = measure(network, text)
    if length <= limit.maximum:
        return None
    return f"{length - limit.maximum} {limit.unit} too long ({length}/{limit.maximum})"


def split_thread(network: str, text: str) -> list[str]:
    """Parts of a thread, each within the network's limit with " (i/n)" after it, cut at sentences.

    A text that fits is one part with no numbering. Sentences longer than a part are cut at words.
    """
    limit = LIMITS[network].maximum
    if measure(network, text) <= limit:
        return [text]
    tokens = BREAK.split(text.strip())
    # (piece, the separator that came before it), so parts keep their paragraphs and lines.
    pieces = [
        (tokens[i].strip(), tokens[i - 1] if i else "") for i in range(0, len(tokens), 2) if tokens[i].strip()
    ]
    for total_guess in (9, 99):
        room = limit - len(f" ({total_guess}/{total_guess})")
        parts = _pack(network, pieces, room)
        if len(parts) <= total_guess:
            return [f"{part} ({i}/{len(parts)})" for i, part in enumerate(parts, 1)]
    raise ValueError("text too long to split into fewer than 100 parts")


def _pack(network: str, pieces: list[tuple[str, str]], room: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for piece, separator in pieces:
        for n, chunk in enumerate(_fit(network, piece, room)):
            glue = (separator if "\n" in separator else " ") if n == 0 else " "
            joined = f"{current}{glue}{chunk}" if current else chunk
            if measure(network, joined) <= room:
                current = joined
            else:
                parts.append(current)
                current = chunk
    if current:
        parts.append(current)
    return parts


def _fit(network: str, sentence: str, room: int) -> list[str]:
    """sentence as chunks within room, cut at spaces when it is too long by itself."""
    if measure(network, sentence) <= room:
        return [sentence]
    chunks, current = [], ""
    for word in sentence.split():
        joined = f"{current} {word}" if current else word
        if current and measure(network, joined) > room:
            chunks.append(current)
            current = word
        else:
            current = joined
    return [*chunks, current] if current else chunks


def compose_parts(
    network: str, text: str, variants: dict[str, str], thread: list[str], thread_auto: bool
) -> list[str]:
    """What network receives of a post: its variant or the text, as given parts, a thread, or whole.

    Explicit thread parts go to networks that thread (a network with its own variant gets that);
    Facebook gets the parts joined as paragraphs. thread = "auto" splits only where the network threads.
    """
    if network in variants:
        body = variants[network]
    elif thread and not text:
        body = "\n\n".join(thread)
    else:
        body = text
    if thread and network in THREADED and network not in variants:
        return list(thread)
    if thread_auto and network in THREADED:
        return split_thread(network, body)
    return [body]


def fill_occurrence(text: str, occurrence: str, last_day: date | None) -> str:
    """A recurring post's text for one occurrence: {date} and {days_left} filled in.

    Platforms refuse the same text twice (X: "duplicate content", Facebook: code 506), so a daily
    reminder says which day it is, or how many are left.
    """
    if not occurrence:
        return text
    day = datetime.fromisoformat(occurrence).date()
    values = {
        "{date}": f"{day:%A} {day.day} {day:%B}",
        "{days_left}": str((last_day - day).days + 1) if last_day else "",
    }
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def graphemes(text: str) -> int:
    """The number of user-perceived characters (Bluesky's 300-grapheme limit counts these)."""
    import regex  # imported when first needed, as twitter_text is (0.1 s)

    return len(regex.findall(r"\X", text))


def trimmed_url(url: str) -> str:
    """A URL without the punctuation that ends the sentence around it (a closing bracket stays when
    the URL opened one, as Wikipedia's do)."""
    while (url and url[-1] in ".,;:!?'\"") or (url.endswith(")") and url.count("(") < url.count(")")):
        url = url[:-1]
    return url


def linked(text: str) -> list[tuple[str, str]]:
    """What a part links, in order: ("link", url), ("tag", "#GV6") and ("mention", "@name.bsky.social");
    Bluesky's facets are made from exactly these (networks/bluesky/publish.py), and X and Mastodon
    link the same URLs and hashtags."""
    found = []
    for match in LINKABLE.finditer(text):
        value = match.group(0)
        kind = "tag" if value.startswith("#") else "mention" if value.startswith("@") else "link"
        found.append((kind, trimmed_url(value) if kind != "tag" else value))
    return found
