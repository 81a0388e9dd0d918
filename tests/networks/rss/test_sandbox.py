"""The groups' feeds in the sandbox: RSS and Atom that feedparser reads, and 304 on conditional GETs."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest

from tests.sandbox_server import control

FEEDS = [
    "https://labourleft.org/feed/",
    "https://labour-representation-committee.placeholder.invalid/feed/",
    "https://socialist-appeal.placeholder.invalid/feed/",
]


@pytest.mark.parametrize("url", FEEDS)
def test_feed_parses_cleanly_then_304(sandbox: str, route: Any, url: str) -> None:
    session = route()
    first = session.get(url, timeout=10)
    assert first.status_code == 200
    headers = {k.lower(): v for k, v in first.headers.items()} | {"content-location": url}
    parsed = feedparser.parse(first.content, response_headers=headers)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert 0 < len(parsed.entries) <= 20
    assert all(e.get("id") and e.get("link") and e.get("published_parsed") for e in parsed.entries)
    again = session.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    since = session.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}, timeout=10)
    assert since.status_code == 304


def test_a_new_post_changes_the_etag(sandbox: str, route: Any) -> None:
    session = route()
    first = session.get(FEEDS[0], timeout=10)
    control(sandbox, "POST", "tick", {"seconds": 14 * 86400})
    again = session.get(FEEDS[0], headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]


def test_broken_xml_fault_is_bozo(sandbox: str, route: Any) -> None:
    control(sandbox, "POST", "faults", {"network": "rss", "path": "/labourleft.org/*", "malformed": True})
    parsed = feedparser.parse(route().get(FEEDS[0], timeout=10).content)
    assert parsed.bozo


def test_unknown_pages_are_404(sandbox: str, route: Any) -> None:
    response = route().get("https://labourleft.org/no-such-page", timeout=10)
    assert response.status_code == 404
