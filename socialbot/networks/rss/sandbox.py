"""The sandbox's websites: each group's RSS 2.0 or Atom feed, with ETag and Last-Modified, and 304s.

Every host that no platform claims is served under /web/HOST/: a feed at the path feeds.toml names,
article pages for the feed's links, and small images.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from socialbot.sandbox.world import SandboxAccount, SandboxPost, World

FEED_ITEMS = 20
# A 1×1 transparent PNG, for every image the sandbox's pages name.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


IMAGE_PATH = re.compile(r"(\.(png|jpe?g|gif|webp)|@(jpeg|png))$", re.IGNORECASE)


def placeholder_image(host: str) -> bytes:
    """A 1200×675 picture standing in for a platform's photo (an SVG: no script runs in an <img>)."""
    label = xml_escape(host)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675">'
        f'<rect width="1200" height="675" fill="#f1d3d8"/><circle cx="600" cy="290" r="110" fill="#b3001b"/>'
        f'<text x="600" y="520" font-family="sans-serif" font-size="44" text-anchor="middle" fill="#5f0010">'
        f"Sandbox photo · {label}</text></svg>"
    ).encode()


def make_id(post: SandboxPost) -> str:
    """A WordPress-style guid: the site's address with ?p=N."""
    return f"{site_of(post.account)}?p={post.seq}"


def site_of(account: SandboxAccount) -> str:
    """https://HOST/ of a feed URL."""
    return "/".join(account.locator.split("/")[:3]) + "/"


def article_url(post: SandboxPost) -> str:
    """The post's page on its site."""
    return f"{site_of(post.account)}{post.created_at:%Y/%m}/post-{post.seq}/"


class WebSandbox:
    """Serves /web/HOST/PATH: feeds, article pages and images."""

    def __init__(self, world: World, tokens: dict[str, str]) -> None:
        self.world = world

    def routes(self) -> dict[str, list[BaseRoute]]:
        """One catch-all route under /web."""
        return {"web": [Route("/{host}/{path:path}", self.serve, methods=["GET", "HEAD"])]}

    async def serve(self, request: Request) -> Response:
        host, path = request.path_params["host"], request.path_params["path"]
        url = f"https://{host}/{path}"
        account = self.world.account("rss", url) or self.world.account("rss", url.rstrip("/"))
        if account is not None:
            return self.feed(request, account)
        if IMAGE_PATH.search(path):
            if "pixel" in path or path.endswith(".gif"):
                return Response(PIXEL, media_type="image/png", headers={"Cache-Control": "max-age=86400"})
            return Response(
                placeholder_image(host),
                media_type="image/svg+xml",
                headers={"Cache-Control": "max-age=86400"},
            )
        if path.startswith("20"):
            return Response(
                f"<!doctype html><title>{escape(host)}</title><h1>{escape(path)}</h1>",
                media_type="text/html; charset=utf-8",
            )
        return Response(
            "<!doctype html><title>Not Found</title><h1>Not Found</h1>", 404, media_type="text/html"
        )

    def feed(self, request: Request, account: SandboxAccount) -> Response:
        posts = list(reversed(account.visible(self.world.now())))[:FEED_ITEMS]
        atom = is_atom(account)
        body = render_atom(account, posts) if atom else render_rss(account, posts)
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
        newest = max((p.edited_at or p.created_at for p in posts), default=self.world.epoch)
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(newest, usegmt=True),
            "Cache-Control": "max-age=300",
        }
        if request.headers.get("if-none-match") == etag or not_modified_since(request, newest):
            return Response(status_code=304, headers=headers)
        media_type = "application/atom+xml; charset=utf-8" if atom else "application/rss+xml; charset=utf-8"
        return Response(body, media_type=media_type, headers=headers)


def is_atom(account: SandboxAccount) -> bool:
    """YouTube channel feeds are Atom; so is every third site, so both parsers get exercised."""
    return "youtube.com" in account.locator or int(account.numeric_id) % 3 == 0


def not_modified_since(request: Request, newest: datetime) -> bool:
    """True when If-Modified-Since is at or after the newest entry (second precision, as HTTP dates)."""
    since = request.headers.get("if-modified-since")
    if not since or request.headers.get("if-none-match"):
        return False
    try:
        return newest.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def entry_html(post: SandboxPost) -> str:
    """The entry's HTML content: paragraphs, its link, and an image with a tracking pixel beside it."""
    paragraphs = "".join(f"<p>{escape(part)}</p>" for part in post.text.split("\n\n") if part)
    links = "".join(f'<p><a href="{escape(link)}">{escape(link)}</a></p>' for link in post.links)
    image = ""
    if post.image:
        image = (
            f'<p><img src="{site_of(post.account)}media/{post.seq}.png" alt="Photo" '
            'width="1200" height="675">'
            f'<img src="https://stats.wp.com/sandbox-pixel.gif?post={post.seq}" width="1" height="1"></p>'
        )
    return paragraphs + links + image


def title_of(post: SandboxPost) -> str:
    """A title: the first sentence, shortened."""
    first = post.text.split("\n")[0].split(". ")[0]
    return first if len(first) <= 90 else first[:87] + "…"


def render_rss(account: SandboxAccount, posts: list[SandboxPost]) -> str:
    """RSS 2.0 (rssboard.org/rss-specification), as WordPress writes it."""
    items = []
    for post in posts:
        items.append(
            "<item>"
            f"<title>{xml_escape(title_of(post))}</title>"
            f"<link>{xml_escape(article_url(post))}</link>"
            f'<guid isPermaLink="false">{xml_escape(post.id)}</guid>'
            f"<pubDate>{format_datetime(post.created_at, usegmt=True)}</pubDate>"
            f"<dc:creator><![CDATA[{account.name}]]></dc:creator>"
            f"<description>{xml_escape(post.text[:200])}</description>"
            f"<content:encoded><![CDATA[{entry_html(post)}]]></content:encoded>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{xml_escape(account.name)}</title><link>{xml_escape(site_of(account))}</link>"
        f'<atom:link href="{xml_escape(account.locator)}" rel="self" type="application/rss+xml"/>'
        f"<description>{xml_escape(account.name)}</description><language>en-GB</language>"
        + "".join(items)
        + "</channel></rss>"
    )


def render_atom(account: SandboxAccount, posts: list[SandboxPost]) -> str:
    """Atom 1.0 (RFC 4287), as YouTube and many sites write it."""
    updated = max((p.created_at for p in posts), default=None)
    entries = []
    for post in posts:
        entries.append(
            "<entry>"
            f"<id>{xml_escape(post.id)}</id>"
            f"<title>{xml_escape(title_of(post))}</title>"
            f'<link rel="alternate" href="{xml_escape(article_url(post))}"/>'
            f"<published>{post.created_at.isoformat()}</published>"
            f"<updated>{(post.edited_at or post.created_at).isoformat()}</updated>"
            f"<author><name>{xml_escape(account.name)}</name></author>"
            f'<content type="html">{xml_escape(entry_html(post))}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{xml_escape(account.locator)}</id><title>{xml_escape(account.name)}</title>"
        f'<link rel="self" href="{xml_escape(account.locator)}"/>'
        f'<link rel="alternate" href="{xml_escape(site_of(account))}"/>'
        f"<updated>{(updated.isoformat() if updated else '1970-01-01T00:00:00+00:00')}</updated>"
        + "".join(entries)
        + "</feed>"
    )


def fault_response(kind: str, reset: int) -> Response:
    """What a website answers for an injected fault."""
    if kind == "rate_limited":
        return Response(
            "Too Many Requests", 429, headers={"Retry-After": str(max(reset - int(time.time()), 1))}
        )
    if kind == "expired_token":
        return Response("Forbidden", 403)
    return Response("<html><body><h1>503 Service Unavailable</h1></body></html>", 503, media_type="text/html")


def build(world: World, tokens: dict[str, Any]) -> WebSandbox:
    """The website sandbox over world."""
    return WebSandbox(world, tokens)
