"""Websites' RSS and Atom feeds: a conditional GET with timeouts and a size cap, then feedparser."""

from __future__ import annotations

import calendar
import hashlib
import multiprocessing
import re
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import urllib3

from socialbot import __version__
from socialbot.networks.base import Fetched, Post, RateLimited, Rejected, SourceRef, Transient
from socialbot.networks.html import first_image, html_to_text, sanitize_with_text
from socialbot.networks.links import canonical_url
from socialbot.networks.routing import sandbox_target
from socialbot.networks.rss import RssSettings

MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = f"socialbot/{__version__} (feed collector; +https://github.com/socialbot)"
# Links that need no joining with the feed's URL.
ABSOLUTE = ("https://", "http://")
# How feedparser is asked to parse (also what bench/collect.py times as the machine's speed).
# nh3 sanitises every entry afterwards; feedparser's own (slower) sanitiser would be a second pass.
# No relative-URI resolution either: feedparser would join every element's base with the feed's
# URL (a quarter of its parsing time); the few links we keep are joined in entry_to_post.
PARSE_OPTIONS = {"sanitize_html": False, "resolve_relative_uris": False}
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"


class RssCollector:
    """Fetches one feed per call; safe to share between threads (urllib3's pool manager is)."""

    def __init__(self, settings: RssSettings, sandbox_url: str | None = None) -> None:
        self.settings = settings
        self.sandbox_url = sandbox_url
        # urllib3 itself, not requests over it: a conditional GET costs half the CPU (about 0.5 ms
        # instead of 1 ms here, bench/collect.py), and most rounds are hundreds of them answering 304.
        self.http = urllib3.PoolManager(
            num_pools=1000,
            # Idle connections kept per host; in the sandbox every feed is one host, and a round may
            # fetch up to collect_concurrency of them at once.
            maxsize=128,
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
            timeout=urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout),
            retries=False,
        )
        # Spawned, not forked: forking a process whose other threads hold locks can deadlock the child.
        context = multiprocessing.get_context("spawn")
        workers = settings.parse_workers
        self.pool = ProcessPoolExecutor(workers, mp_context=context) if workers else None
        if self.pool is not None:
            # Start the workers now, so their imports overlap the round's first requests.
            for _ in range(workers):
                self.pool.submit(warm_up)

    def credentials_fingerprint(self) -> str:
        """Feeds need no credentials."""
        return ""

    def close(self) -> None:
        """Close the connections and stop the parser processes."""
        self.http.clear()
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def fetch_new(self, source: SourceRef) -> Fetched:
        """GET the feed (304 when unchanged since the stored ETag / Last-Modified) and parse its entries,
        unless the body is the very one parsed last time."""
        headers = {}
        if source.etag:
            headers["If-None-Match"] = source.etag
        if source.last_modified:
            headers["If-Modified-Since"] = source.last_modified
        body, response_headers, status, found_at = self._get(source.locator, headers)
        if status == 304:
            return Fetched(
                [],
                etag=source.etag,
                last_modified=source.last_modified,
                not_modified=True,
                content_digest=source.content_digest,
            )
        etag, last_modified = response_headers.get("etag"), response_headers.get("last-modified")
        # Servers that ignore conditional GET, or give every answer a new ETag, send the same
        # bytes again: those are not parsed again either.
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        if digest == source.content_digest:
            return Fetched(
                [], etag=etag, last_modified=last_modified, not_modified=True, content_digest=digest
            )
        # Relative links are relative to where the feed was found, after any redirects.
        if self.pool is not None:
            posts, warnings = self.pool.submit(parse_feed, body, response_headers, found_at).result()
        else:
            posts, warnings = parse_feed(body, response_headers, found_at)
        return Fetched(
            posts, etag=etag, last_modified=last_modified, warnings=warnings, content_digest=digest
        )

    def _get(self, url: str, headers: dict[str, str]) -> tuple[bytes, dict[str, str], int, str]:
        """The answer's body, lower-cased headers and status, and the URL that gave it."""
        deadline = time.monotonic() + self.settings.connect_timeout + self.settings.read_timeout
        try:
            for _ in range(MAX_REDIRECTS + 1):
                target = sandbox_target(url, self.sandbox_url) if self.sandbox_url else url
                response = self.http.request(
                    "GET", target, headers=headers, preload_content=False, redirect=False
                )
                read = False
                try:
                    lowered = {k.lower(): v for k, v in response.headers.items()}
                    if response.status in REDIRECTS and lowered.get("location"):
                        url = urljoin(url, lowered["location"])
                        continue
                    check_status(url, response.status, lowered)
                    # Read to the end even for a 304 (no body): only a finished answer frees the connection.
                    body = self._read_capped(url, response, lowered, deadline)
                    read = True
                    return body, lowered, response.status, url
                finally:
                    # A body left unread (a redirect's, or too large, too slow, refused) would poison
                    # the pooled connection: that one is closed instead of kept alive.
                    if not read:
                        response.close()
                    response.release_conn()
            raise Rejected(f"rss: {url}: more than {MAX_REDIRECTS} redirects", "redirect loop")
        except urllib3.exceptions.TimeoutError as exc:
            raise Transient(f"rss: {url}: no answer within {self.settings.read_timeout:g}s") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise Transient(f"rss: {url}: {type(exc).__name__}: {exc}") from exc

    def _read_capped(
        self, url: str, response: urllib3.BaseHTTPResponse, headers: dict[str, str], deadline: float
    ) -> bytes:
        limit = self.settings.max_bytes
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise Rejected(
                f"rss: {url}: feed is {int(declared):,} bytes, over the {limit:,}-byte limit", "too large"
            )
        chunks, size = [], 0
        for chunk in response.stream(65536, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise Rejected(f"rss: {url}: feed is over the {limit:,}-byte limit", "too large")
            if time.monotonic() > deadline:
                # A server that drips bytes forever never trips the per-read timeout.
                raise Transient(f"rss: {url}: body still arriving after {deadline:g}s; gave up")
            chunks.append(chunk)
        return b"".join(chunks)


def warm_up() -> None:
    """Nothing: importing this module (feedparser, nh3) in a parser process is the point."""


def parse_feed(body: bytes, headers: dict[str, str], url: str) -> tuple[list[Post], list[str]]:
    """Parse a feed's bytes into Posts; runs in the fetching thread or in a parser process."""
    parsed = feedparser.parse(body, response_headers=headers, **PARSE_OPTIONS)
    warnings = []
    if parsed.bozo:
        reason = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
        if not parsed.entries:
            raise Transient(f"rss: {url}: not a readable feed ({reason})")
        warnings.append(f"rss: feed is not well-formed, kept {len(parsed.entries)} entries ({reason})")
    author = parsed.feed.get("title", "")
    posts = [entry_to_post(entry, author, url) for entry in parsed.entries]
    return [p for p in posts if p is not None], warnings


def check_status(url: str, status: int, headers: Mapping[str, str]) -> None:
    """Raise the error a non-success status stands for."""
    if status == 429:
        raise RateLimited(f"rss: {url}: 429 Too Many Requests", retry_after(headers.get("retry-after")))
    if status >= 500:
        raise Transient(f"rss: {url}: server error {status}")
    if status >= 400:
        raise Rejected(f"rss: {url}: HTTP {status}", f"HTTP {status}")


def retry_after(value: str | None) -> datetime:
    """When a Retry-After header (seconds or an HTTP date) says to come back; a minute if absent."""
    now = time.time()
    if value and value.strip().isdigit():
        return datetime.fromtimestamp(now + int(value), UTC)
    if value:
        try:
            return parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.fromtimestamp(now + 60, UTC)


def entry_to_post(entry: Any, feed_title: str, feed_url: str = "") -> Post | None:
    """A feed entry as a Post: sanitised HTML, its plain text, the canonical link.

    Relative links (and xml:base-relative ones) are made absolute against the feed's own URL.
    """
    # A plain dict: FeedParserDict.get maps old key names on every call, and only current ones are read.
    entry = dict(entry)
    # FeedBurner rewrites links to its own redirect; the original article is in feedburner:origLink.
    given = entry.get("feedburner_origlink") or entry.get("link") or ""
    link = given if given.startswith(ABSOLUTE) else urljoin(feed_url, given) if given else ""
    external_id = entry.get("id") or link
    if not external_id:
        return None
    content = entry.get("content") or []
    html_source = content[0].get("value", "") if content else entry.get("summary", "")
    html, body = sanitize_with_text(html_source or "")
    title = html_to_text(entry.get("title", ""))
    text = body if title and body.startswith(title) else "\n\n".join(part for part in (title, body) if part)
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(when), UTC) if when else datetime.now(UTC)
    media = entry_media(entry, html, feed_url)
    return Post(
        network="rss",
        external_id=external_id[:500],
        text=text,
        html=html,
        published_at=published,
        author=entry.get("author", feed_title),
        permalink=link,
        link_url=canonical_url(link) if link else None,
        media=media,
        tags=entry_tags(entry, text),
        raw={
            "id": entry.get("id"),
            "link": link,
            "title": entry.get("title"),
            "hash": hashlib.sha256(html_source.encode()).hexdigest()[:16],
        },
    )


def entry_tags(entry: dict[str, Any], text: str) -> list[str]:
    """An entry's categories and tags (WordPress's <category>) as hashtag words, "New Zealand" →
    "newzealand", for the hashtag filter; ones its text already has as #hashtags are left out."""
    words = (
        re.sub(r"[\W_]+", "", str(t.get("term") or ""), flags=re.UNICODE).lower()
        for t in entry.get("tags") or []
    )
    said = {w.lower() for w in re.findall(r"#(\w+)", text)}
    return [w for w in dict.fromkeys(words) if w and w not in said][:20]


def entry_media(entry: dict[str, Any], html: str, feed_url: str) -> list[dict[str, Any]]:
    """An entry's images: media:content images (WordPress, YouTube), media:thumbnail, else the first
    image of its content."""
    found = [
        m.get("url")
        for m in entry.get("media_content") or []
        if m.get("url") and (m.get("medium") == "image" or str(m.get("type", "")).startswith("image/"))
    ]
    found += [m.get("url") for m in entry.get("media_thumbnail") or [] if m.get("url")]
    media = [{"type": "image", "url": urljoin(feed_url, url), "alt": ""} for url in dict.fromkeys(found)]
    if not media and (inline := first_image(html)):
        media = [{"type": "image", "url": urljoin(feed_url, inline[0]), "alt": inline[1]}]
    return media


def make_collector(settings: Any, env: Mapping[str, str], sandbox_url: str | None) -> RssCollector:
    """The RSS collector for these settings."""
    return RssCollector(settings, sandbox_url)
