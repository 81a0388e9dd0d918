"""The web app as `socialbot run` serves it: granian over WSGI (socialbot/web/server.py), on both databases.

The WSGI fast path must answer exactly as the app does; everything else goes through the bridge.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.feed.moderation import moderate
from socialbot.sandbox.process import free_port
from socialbot.subprocesses import stop, wait_until_answering
from socialbot.web.server import running_web
from tests.conftest import ADMIN, ROOT
from tests.feed.seed import seed_feed
from tests.test_config import ENV, MINIMAL
from tests.web.test_fast import assert_cached_answers_match_built


@pytest.fixture
def base(db: sessionmaker[Session], store_engine: Engine, tmp_path: Path) -> Iterator[str]:
    seed_feed(db)
    (tmp_path / "feeds.toml").write_text(MINIMAL)
    url = store_engine.url.render_as_string(hide_password=False)
    config = load_config(tmp_path / "feeds.toml", {**ENV, "SOCIALBOT_DATABASE_URL": url})
    port = free_port()
    with running_web(config, "127.0.0.1", port, 1, {**os.environ, **ENV}):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "path", ["/feed.json?limit=20", "/feed.atom", "/feed.rss", "/whats-new?group=red-flag"]
)
def test_granian_fast_answers_match_the_app(base: str, path: str) -> None:
    assert_cached_answers_match_built(base, path)


def test_forwarded_scheme_is_believed_from_the_trusted_proxy_only(base: str) -> None:
    # The test client is 127.0.0.1, the default trusted proxy: links take the scheme it reports.
    for _ in range(2):  # built, then cached
        feed = requests.get(f"{base}/feed.json?limit=2", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert feed.json()["feed_url"].startswith("https://127.0.0.1:")
    plain = requests.get(f"{base}/feed.json?limit=2", timeout=10)
    assert plain.json()["feed_url"].startswith("http://127.0.0.1:")
    # A value uvicorn's middleware does not take is not taken by the fast path either.
    odd = {"X-Forwarded-Proto": "https, http"}
    answers = [requests.get(f"{base}/feed.json?limit=2", headers=odd, timeout=10) for _ in range(2)]
    assert [a.json()["feed_url"][:7] for a in answers] == ["http://", "http://"]


def test_everything_else_goes_through_the_app(base: str) -> None:
    assert requests.get(f"{base}/healthz", timeout=10).json()["database"] == "ok"
    metrics = requests.get(f"{base}/metrics", timeout=10)
    assert metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "socialbot_store_up 1.0" in metrics.text.splitlines()
    assert 'socialbot_posts{network="facebook"}' in metrics.text
    page = requests.get(f"{base}/whats-new", timeout=10)
    assert page.status_code == 200 and "content-security-policy" in page.headers
    assert "Load More" in page.text
    embed = requests.get(f"{base}/embed.js", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert embed.status_code == 200 and embed.headers["content-type"].startswith("text/javascript")
    bad = requests.get(f"{base}/feed.json?limit=lots", timeout=10)
    assert bad.status_code == 400 and "limit" in bad.text
    assert requests.post(f"{base}/feed.json", timeout=10).status_code == 405
    assert requests.get(f"{base}/no-such-page", timeout=10).status_code == 404
    assert requests.get(f"{base}/", allow_redirects=False, timeout=10).headers["location"] == "/whats-new"


def test_the_bridge_streams_and_reads_request_bodies(tmp_path: Path) -> None:
    """AsgiBridge under granian with an ASGI app that reads the body and streams its answer."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--no-ws", "--port", str(port),
        "--log-level", "warning", "tests.web.wsgi_echo:app",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        wait_until_answering(process, f"http://127.0.0.1:{port}/", 30, "granian")
        echoed = requests.post(
            f"http://127.0.0.1:{port}/caf%C3%A9?x=1",
            data=b"ballot" * 10_000,
            headers={"Content-Type": "text/plain"},
            timeout=10,
        )
        assert echoed.status_code == 201 and echoed.headers["x-echo"] == "yes"
        assert json.loads(echoed.content) == {
            "length": 60_000, "path": "/café", "query": "x=1", "method": "POST", "client": "127.0.0.1",
            "content_type": "text/plain",
        }  # fmt: skip
        streamed = requests.get(f"http://127.0.0.1:{port}/stream", timeout=10)
        assert streamed.status_code == 200 and streamed.content == b"part 0\npart 1\npart 2\n"
        failed = requests.get(f"http://127.0.0.1:{port}/silent", timeout=10)
        assert failed.status_code == 500
        raised = requests.get(f"http://127.0.0.1:{port}/raises", timeout=10)
        assert raised.status_code == 500 and raised.headers["x-error"] == "kept"
        assert raised.content == b"Internal Server Error"
    finally:
        stop(process)


def test_a_change_of_the_store_reaches_the_served_feed(base: str, db: sessionmaker[Session]) -> None:
    """The web server is another process: hiding a post (the bot's moderation) shows within seconds."""
    before = requests.get(f"{base}/feed.json?limit=5", timeout=10)
    first = before.json()["items"][0]
    with db.begin() as session:
        moderate(session, first["id"], "hide", ADMIN)  # ids are network:external_id
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = requests.get(f"{base}/feed.json?limit=5", timeout=10)
        if after.headers["etag"] != before.headers["etag"]:
            break
        time.sleep(0.2)
    assert after.headers["etag"] != before.headers["etag"], "the cached feed was not rebuilt"
    assert first["id"] not in [item["id"] for item in after.json()["items"]]


def test_a_made_up_host_is_refused_and_never_cached(base: str) -> None:
    # Host-header poisoning: with no base_url, links are built from the Host; a made-up one must
    # never reach a cached (public, max-age) answer that a CDN would give everyone.
    for path in ("/feed.json?limit=2", "/whats-new", "/demo", "/feed.atom"):
        for _ in range(2):  # the second time, through the fast path, had the first one been cached
            evil = requests.get(f"{base}{path}", headers={"Host": "evil.example"}, timeout=10)
            assert evil.status_code == 400 and "evil.example" not in evil.text, path
    good = requests.get(f"{base}/feed.json?limit=2", timeout=10)
    assert good.status_code == 200 and "evil.example" not in good.text
    # Probes ask by address: health and metrics answer any Host (they build no URL).
    assert requests.get(f"{base}/healthz", headers={"Host": "10.1.2.3"}, timeout=10).status_code in (200, 503)
    page = requests.get(f"{base}/whats-new", timeout=10)
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
