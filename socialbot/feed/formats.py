"""JSON Feed 1.1, Atom (RFC 4287) and RSS 2.0, rendered from the same page of items."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from socialbot.feed.query import FeedPage
from socialbot.feed.segments import Segment, clean_text
from socialbot.feed.view import ItemView
from socialbot.networks.links import http_url

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["xml", "html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def segments_html(parts: list[Segment]) -> str:
    """Escaped text with links: the only HTML socialbot makes from post text."""
    out = []
    for part in parts:
        text = escape(part.text).replace("\n", "<br>")
        if part.href and part.href.startswith(("https://", "http://", "/")):
            rel = ' rel="nofollow noopener noreferrer"' if part.kind == "link" else ""
            out.append(f'<a href="{escape(part.href)}"{rel}>{text}</a>')
        else:
            out.append(text)
    return "".join(out)


def content_html(view: ItemView) -> str:
    """An item's HTML for feed readers: its content warning first (readers have no fold), its text
    with links, and who shared it."""
    warning = view.item.content_warning
    shared = f"<p>{escape(view.shared_by_text)}</p>" if view.shared_by_text else ""
    cw = f"<p><strong>Content warning: {escape(warning)}</strong></p>" if warning else ""
    return cw + segments_html(view.segments) + shared


def render_json_feed(views: list[ItemView], page: FeedPage, meta: dict[str, Any]) -> bytes:
    """JSON Feed 1.1 (jsonfeed.org/version/1.1), with socialbot's extension under _socialbot."""
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta["title"],
        "home_page_url": meta["home_page_url"],
        "feed_url": meta["feed_url"],
        "language": "en-GB",
        "items": [_json_item(v) for v in views],
    }
    if meta.get("next_url"):
        feed["next_url"] = meta["next_url"]
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()


def _json_item(view: ItemView) -> dict[str, Any]:
    item = view.item
    data: dict[str, Any] = {
        "id": f"{item.network}:{item.external_id}",
        "content_text": clean_text(item.text),
        "content_html": content_html(view),
        "date_published": item.published_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "authors": [{"name": item.group_name}],
        "tags": _tags(view),
        "_socialbot": {
            "group": item.group_slug,
            "group_name": item.group_name,
            "initials": view.initials,
            "network": item.network,
            "platform": view.platform,
            "pinned": item.pinned,
            "shared_by": [
                {"group": s.slug, "name": s.name, "url": http_url(s.permalink)} for s in item.shared_by
            ],
            "segments": [p.as_json() for p in view.segments],
            "long": view.is_long,
            "excerpt": [p.as_json() for p in view.excerpt] if view.is_long else [],
            "media": view.media,
            "content_warning": item.content_warning,
        },
    }
    if item.content_warning:
        # JSON Feed's summary is shown before the content; a content warning is what comes first.
        data["summary"] = f"Content warning: {item.content_warning}"
    # JSON Feed's url is the item's permalink; an item whose link was dropped (not http(s)) has none.
    if view.permalink:
        data["url"] = view.permalink
    if view.link:
        data["external_url"] = view.link
    if view.media:
        data["image"] = view.media[0]["url"]
    return data


def _tags(view: ItemView) -> list[str]:
    """The item's #hashtags, then its source's own topics (a website's categories), each once
    whatever its case."""
    found: dict[str, str] = {}
    for tag in [p.text[1:] for p in view.segments if p.kind == "hashtag"] + view.item.tags:
        found.setdefault(tag.lower(), tag)
    return list(found.values())


def render_atom(views: list[ItemView], meta: dict[str, Any]) -> bytes:
    """Atom 1.0; each entry's atom:source names the group's original account."""
    updated = max((v.item.published_at for v in views), default=datetime.now(UTC))
    return (
        TEMPLATES.get_template("atom.xml")
        .render(views=views, meta=meta, updated=updated.astimezone(UTC), html=content_html)
        .encode()
    )


def render_rss(views: list[ItemView], meta: dict[str, Any]) -> bytes:
    """RSS 2.0."""
    return (
        TEMPLATES.get_template("rss.xml")
        .render(
            views=views,
            meta=meta,
            rfc822=lambda d: format_datetime(d.astimezone(UTC), usegmt=True),
            html=content_html,
        )
        .encode()
    )
