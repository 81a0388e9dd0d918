"""Cached feed answers sent by the ASGI fast path are the same as the full path's, on both databases."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.web.app import create_app
from tests.feed.seed import seed_feed
from tests.test_config import ENV, MINIMAL
from tests.web_server import serving

SAME = (
    "etag",
    "last-modified",
    "cache-control",
    "access-control-allow-origin",
    "content-security-policy",
    "x-content-type-options",
    "content-type",
)


@pytest.fixture
def base(db: sessionmaker[Session], tmp_path: Path) -> Iterator[str]:
    seed_feed(db)
    (tmp_path / "feeds.toml").write_text(MINIMAL)
    with serving(create_app(load_config(tmp_path / "feeds.toml", ENV), db)) as url:
        yield url


@pytest.mark.parametrize(
    "path", ["/feed.json?limit=20", "/feed.atom", "/feed.rss", "/whats-new?group=red-flag"]
)
def test_fast_answers_match_the_full_path(base: str, path: str) -> None:
    assert_cached_answers_match_built(base, path)


def assert_cached_answers_match_built(base: str, path: str) -> None:
    """The first GET is built by the app, the rest come from the cache: same bytes, same headers."""
    with requests.Session() as session:
        session.headers["Accept-Encoding"] = "identity"
        built = session.get(f"{base}{path}", timeout=10)  # built by the app
        cached = session.get(f"{base}{path}", timeout=10)  # answered from the cache
        assert cached.status_code == built.status_code == 200
        assert cached.content == built.content
        for name in SAME:
            assert cached.headers.get(name) == built.headers.get(name), name
        zipped = session.get(f"{base}{path}", headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
        assert zipped.headers["content-encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["vary"]
        assert gzip.decompress(zipped.raw.read()) == built.content
        unchanged = session.get(f"{base}{path}", headers={"If-None-Match": built.headers["etag"]}, timeout=10)
        assert unchanged.status_code == 304 and unchanged.content == b""
        head = session.head(f"{base}{path}", timeout=10)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(built.content))
