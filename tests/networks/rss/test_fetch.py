"""The feed fetch over real HTTP from a small local server: redirects, gzip, 304, limits."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from socialbot.networks.base import Rejected, SourceRef
from socialbot.networks.rss import RssSettings
from socialbot.networks.rss.collect import RssCollector
from tests.networks.rss.test_parse import RSS

# Relative links, no xml:base: they are relative to where the feed is.
MOVED_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>LRC</title><id>urn:lrc</id>
<updated>2026-11-21T09:00:00Z</updated>
<entry><title>Conference fringe</title><id>urn:lrc:1</id><link href="fringe/"/>
<updated>2026-11-21T09:00:00Z</updated><summary>Room 4, 6pm</summary></entry>
</feed>"""


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/old-feed/":
            self.answer(301, b"", {"Location": "/feed/"})
        elif self.path == "/atom.xml":
            self.answer(308, b"", {"Location": "/news/atom/"})
        elif self.path == "/news/atom/":
            self.answer(200, MOVED_ATOM, {"Content-Type": "application/atom+xml"})
        elif self.path == "/loop/":
            self.answer(302, b"moved", {"Location": "/loop/"})
        elif self.path == "/feed/":
            if self.headers.get("If-None-Match") == '"v1"':
                self.answer(304, b"", {"ETag": '"v1"'})
            else:
                self.answer(200, RSS, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})
        elif self.path == "/no-validators/":
            self.answer(200, RSS, {"Content-Type": "application/rss+xml"})
        elif self.path == "/gzip/":
            self.answer(200, gzip.compress(RSS), {"Content-Encoding": "gzip"})
        elif self.path == "/huge/":
            self.answer(200, b"<rss>" + b" " * 200_000, {})
        else:
            self.answer(404, b"not here", {})

    def answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def collector() -> Iterator[RssCollector]:
    made = RssCollector(RssSettings(max_bytes=100_000, connect_timeout=2, read_timeout=2))
    yield made
    made.close()


def test_a_moved_feed_is_followed_and_its_links_are_absolute(site: str, collector: RssCollector) -> None:
    fetched = collector.fetch_new(SourceRef(1, "rss", f"{site}/old-feed/"))
    assert [p.permalink for p in fetched.posts] == [
        f"{site}/2026/11/rally/",
        "https://brent.example.org/2026/11/ballots/",
    ], "relative links are joined with where the feed was found"
    assert fetched.etag == '"v1"'
    moved = collector.fetch_new(SourceRef(2, "rss", f"{site}/atom.xml"))
    assert [p.permalink for p in moved.posts] == [f"{site}/news/atom/fringe/"], "not /fringe/ (the old URL's)"


def test_304_then_again_on_the_same_connection(site: str, collector: RssCollector) -> None:
    for _ in range(3):  # each answer frees its connection for the next request
        unchanged = collector.fetch_new(SourceRef(1, "rss", f"{site}/feed/", etag='"v1"'))
        assert unchanged.not_modified and unchanged.posts == []
    assert len(collector.fetch_new(SourceRef(1, "rss", f"{site}/feed/")).posts) == 2


def test_the_same_body_again_is_not_parsed_again(site: str, collector: RssCollector) -> None:
    first = collector.fetch_new(SourceRef(1, "rss", f"{site}/no-validators/"))
    assert len(first.posts) == 2 and first.etag is None and first.content_digest
    again = collector.fetch_new(
        SourceRef(1, "rss", f"{site}/no-validators/", content_digest=first.content_digest)
    )
    assert again.not_modified and again.posts == [] and again.content_digest == first.content_digest


def test_gzip_is_decoded(site: str, collector: RssCollector) -> None:
    assert len(collector.fetch_new(SourceRef(1, "rss", f"{site}/gzip/")).posts) == 2


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/loop/", "more than 5 redirects"), ("/huge/", "over the 100,000-byte limit"), ("/gone/", "HTTP 404")],
)
def test_refusals_say_why(site: str, collector: RssCollector, path: str, reason: str) -> None:
    with pytest.raises(Rejected, match=reason):
        collector.fetch_new(SourceRef(1, "rss", f"{site}{path}"))
    # The connection of a refused answer is not reused half-read.
    assert len(collector.fetch_new(SourceRef(1, "rss", f"{site}/feed/")).posts) == 2
