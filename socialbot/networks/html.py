"""Untrusted HTML from feeds and Mastodon: sanitised to an allow-list with nh3, and turned into text."""

from __future__ import annotations

import re
from html import unescape

import nh3

from socialbot.networks.links import canonical_url

ALLOWED_TAGS = {
    "p",
    "br",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "blockquote",
    "img",
    "figure",
    "figcaption",
    "h2",
    "h3",
    "h4",
    "code",
    "pre",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
# 1×1 images and known counters only tell someone who read what: dropped before sanitising.
TRACKING_PIXEL = re.compile(
    r"<img\b[^>]*(?:\b(?:width|height)\s*=\s*[\"']?[01]px?[\"'\s/>]|stats\.wp\.com|feeds\.feedburner|/pixel[./?])[^>]*>",
    re.IGNORECASE,
)
BLOCKS = {"p", "br", "li", "blockquote", "h2", "h3", "h4", "pre", "figure", "figcaption", "hr", "div", "tr"}


def _clean_attribute(tag: str, name: str, value: str) -> str | None:
    if name in ("href", "src"):
        # Only http(s) links survive, and without their tracking parameters.
        return canonical_url(value)
    return value


def sanitize_html(html: str) -> str:
    """HTML reduced to safe tags and http(s) links, tracking pixels and parameters removed."""
    without_pixels = TRACKING_PIXEL.sub("", html)
    return nh3.clean(
        without_pixels,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_clean_attribute,
        strip_comments=True,
    )


# nh3 writes the block tags back bare (no attributes), so one pattern finds them all.
BLOCK_TAG = re.compile(r"</?(?:" + "|".join(sorted(BLOCKS)) + r")\s*/?>")


# In sanitize_html's output (html5ever's serialiser) text has its < and > escaped and attribute
# values are in double quotes (a " inside is &quot;): a tag ends at the first > outside quotes.
ANY_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')


def sanitize_with_text(html: str) -> tuple[str, str]:
    """sanitize_html(html) and its text, as html_to_text would give it, without parsing it twice.

    The sanitised HTML holds only allowed tags, with no scripts, styles or comments, and its block
    tags bare: removing the tags leaves the text. (tests/networks/test_html.py checks that both ways
    agree; this one is the cheaper, and every feed entry and Mastodon status comes through here.)
    """
    safe = sanitize_html(html)
    if "<" not in safe and "&" not in safe:
        return safe, tidy_text(safe)
    return safe, tidy_text(unescape(ANY_TAG.sub("", BLOCK_TAG.sub("\n", safe))))


def html_to_text(html: str) -> str:
    """The text of HTML, paragraphs separated by blank lines; scripts and styles are not text.

    nh3 (html5ever) parses it as a browser would and keeps only the block tags, bare; they become
    line breaks and the rest is unescaped text. Several times faster than a Python HTMLParser,
    which mattered: every feed entry and Mastodon status goes through here (bench/collect.py).
    """
    if "<" in html or "&" in html:
        blocks_only = nh3.clean(
            html,
            tags=BLOCKS,
            attributes={"*": set()},
            clean_content_tags={"script", "style"},
            strip_comments=True,
        )
        text = unescape(BLOCK_TAG.sub("\n", blocks_only))
    else:
        # Plain text already (most titles): nothing for a parser to do; NUL goes, as nh3 drops it.
        text = html.replace("\0", "")
    return tidy_text(text)


def tidy_text(text: str) -> str:
    """Runs of spaces as one, at most one blank line between paragraphs, no space at either end."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def first_link(html: str) -> str | None:
    """The first http(s) link in sanitised HTML."""
    match = re.search(r'<a [^>]*href="(https?://[^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def first_image(html: str) -> tuple[str, str] | None:
    """The first http(s) image in sanitised HTML, with its alt text (tracking pixels are gone already)."""
    for tag in re.findall(r"<img [^>]*>", html):
        src = re.search(r'src="(https?://[^"]+)"', tag)
        if src:
            alt = re.search(r'alt="([^"]*)"', tag)
            return unescape(src.group(1)), unescape(alt.group(1)) if alt else ""
    return None
