"""The feed over HTTP (in-process), on SQLite and PostgreSQL: validity, paging, caching, safety."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.feed.export import export_feed
from socialbot.feed.moderation import moderate
from socialbot.web.app import STATIC, create_app, templates
from tests.conftest import ADMIN
from tests.feed.seed import seed_feed
from tests.test_config import ENV, MINIMAL
from tests.web_server import Client, serving


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Iterator[Client]:
    path = tmp_path / "feeds.toml"
    path.write_text(MINIMAL)
    app = create_app(load_config(path, ENV), db)
    with serving(app) as base:
        test_client = Client(base)
        test_client.app = app
        yield test_client
        test_client.session.close()


def test_json_feed_is_valid_and_pages_with_next_url(db: sessionmaker[Session], client: Client) -> None:
    seed_feed(db)
    first = client.get("/feed.json")
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/feed+json"
    feed = first.json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"] == "What's New"
    assert feed["feed_url"] == f"{client.base}/feed.json"
    assert len(feed["items"]) == 10
    for item in feed["items"]:
        assert {"id", "url", "content_text", "content_html", "date_published"} <= set(item)
        assert item["date_published"].endswith("Z")
    shared = [i for i in feed["items"] if i.get("external_url") == "https://labourleft.org/rally/"]
    assert len(shared) == 1 and len(shared[0]["_socialbot"]["shared_by"]) == 3
    second = client.get(feed["next_url"]).json()
    ids = [i["id"] for i in feed["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 20


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.rss"])
def test_atom_and_rss_read_without_bozo(db: sessionmaker[Session], client: Client, path: str) -> None:
    seed_feed(db)
    response = client.get(path)
    parsed = feedparser.parse(
        response.content, response_headers={"content-type": response.headers["content-type"]}
    )
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 10
    assert parsed.entries[0].link.startswith("https://example.org/")
    if path == "/feed.atom":
        assert "source" in parsed.entries[0] and parsed.entries[0].source.title
        assert "<source>" in response.text
    assert any(
        "Shared by" in (e.get("summary") or e.get("content", [{}])[0].get("value", ""))
        for e in parsed.entries
    )


def test_etag_304_and_a_new_version_after_moderation(db: sessionmaker[Session], client: Client) -> None:
    seed_feed(db)
    first = client.get("/feed.json")
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=600"
    again = client.get("/feed.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    with db.begin() as session:
        moderate(session, "facebook:shared0", "hide", ADMIN)
    client.app.state.site.cache.checked = 0  # type: ignore[union-attr]
    changed = client.get("/feed.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_cors_for_feeds_and_csp_for_pages(db: sessionmaker[Session], client: Client) -> None:
    seed_feed(db, 3)
    assert client.get("/feed.json").headers["access-control-allow-origin"] == "*"
    page = client.get("/whats-new")
    assert "access-control-allow-origin" not in page.headers
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "img-src 'self' https: data:" in page.headers["content-security-policy"]


def test_against_a_sandbox_its_images_are_allowed(db: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(MINIMAL)
    app = create_app(load_config(path, ENV), db, sandbox_url="http://127.0.0.1:8099")
    with serving(app) as base:
        client = Client(base)
        for page in ("/whats-new", "/demo"):
            csp = client.get(page).headers["content-security-policy"]
            assert "img-src 'self' http://127.0.0.1:8099 https: data:" in csp
        client.session.close()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("limit=500", "limit"),
        ("limit=ten", "limit"),
        ("since=soon", "since"),
        ("hashtag=%3Cb%3E", "hashtag"),
        ("cursor=nonsense", "cursor"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    db: sessionmaker[Session], client: Client, query: str, named: str
) -> None:
    response = client.get(f"/feed.json?{query}")
    assert response.status_code == 400 and named in response.text


def test_an_unknown_group_or_network_is_a_400_listing_the_valid_values(
    db: sessionmaker[Session], client: Client
) -> None:
    seed_feed(db, 3)
    group = client.get("/feed.json?group=nosuch")
    assert group.status_code == 400
    assert group.headers["content-type"] == "application/problem+json"
    assert group.headers["access-control-allow-origin"] == "*", "the embed on another site reads it"
    problem = group.json()
    assert problem["parameter"] == "group" and problem["status"] == 400
    assert "no group 'nosuch'" in problem["detail"] and "labour-left-alliance" in problem["detail"]
    assert {"labour-left-alliance", "red-flag"} <= set(problem["valid"])
    network = client.get("/feed.json?network=myspace")
    assert network.status_code == 400 and network.json()["parameter"] == "network"
    assert network.json()["valid"] == ["bluesky", "facebook", "mastodon", "rss", "twitter"]
    atom = client.get("/feed.atom?group=nosuch")
    assert atom.status_code == 400 and atom.text.startswith("Bad request: group: no group 'nosuch'")
    assert client.get("/feed.json?group=red-flag").status_code == 200


def test_the_page_works_without_javascript(db: sessionmaker[Session], client: Client) -> None:
    seed_feed(db)
    page = client.get("/whats-new").text
    assert page.count('class="sb-post') == 10
    assert "<script" not in page
    assert '<details class="sb-fold">' in page and "See more" in page
    more = re.search(r'class="sb-more" href="([^"]+)"', page)
    assert more and "cursor=" in more.group(1)
    second = client.get(more.group(1).replace("&amp;", "&")).text
    assert second.count('class="sb-post') == 10
    fragment = client.get("/whats-new?fragment=1").text
    assert fragment.startswith("<section") and "<html" not in fragment


def test_hostile_posts_are_harmless_in_every_output(db: sessionmaker[Session], client: Client) -> None:
    seed_feed(db, 3, hostile=True)
    outputs = {
        path: client.get(f"{path}?limit=50").text for path in ("/whats-new", "/feed.atom", "/feed.rss")
    }
    feed = client.get("/feed.json?limit=50").json()
    for path, body in outputs.items():
        assert "<script>" not in body, path
        assert "<img src=x" not in body and "<svg onload" not in body, path
        assert 'href="javascript:' not in body.lower() and 'src="javascript:' not in body.lower(), path
        assert "\u202e" not in body, path
    for item in feed["items"]:
        # An item's url is its http(s) permalink, or absent: never a javascript: link or an internal id.
        assert item.get("url", "https://").startswith(("https://", "http://"))
        assert "<script>" not in item["content_html"] and 'onerror="' not in item["content_html"]
        for segment in item["_socialbot"]["segments"]:
            assert "h" not in segment or segment["h"].startswith(("https://", "http://"))
        assert all(m["url"].startswith(("https://", "http://")) for m in item["_socialbot"]["media"])
    page = outputs["/whats-new"]
    assert 'href="javascript:' not in page and "&lt;script&gt;" in page


def test_a_javascript_permalink_never_becomes_a_link(db: sessionmaker[Session], client: Client) -> None:
    seed_feed(db, 1, hostile=True)
    page = client.get("/whats-new?limit=50").text
    assert "javascript:" not in re.sub(r"&lt;.*?&gt;|>[^<]*<", "", page).lower()


def test_embed_weight_within_10_kb_gzipped() -> None:
    raw = (STATIC / "embed.js").read_bytes() + (STATIC / "embed.css").read_bytes()
    size = len(gzip.compress(raw, 9))
    print(f"\nembed.js + embed.css: {len(raw):,} bytes, {size:,} bytes gzipped (limit 10,240)")
    assert size <= 10 * 1024
    script = (STATIC / "embed.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script


def test_static_export_writes_linked_pages(db: sessionmaker[Session], tmp_path: Path) -> None:
    seed_feed(db)
    config = load_config_for(tmp_path)
    out = tmp_path / "site"
    report = export_feed(
        db, config.feed, templates(config.timezone), out, "https://feed.example.org", max_pages=3
    )
    assert report.pages == 3 and report.items == 30
    first = json.loads((out / "feed.json").read_text())
    assert first["next_url"] == "https://feed.example.org/feed-2.json"
    assert (out / "feed-3.json").exists() and "next_url" not in json.loads((out / "feed-3.json").read_text())
    index = (out / "whats-new" / "index.html").read_text()
    assert 'href="https://feed.example.org/whats-new/page-2.html"' in index
    assert {"embed.js", "embed.css", "demo.html", "feed.atom", "feed.rss"} <= set(report.files)
    assert not feedparser.parse((out / "feed-2.atom").read_bytes()).bozo


def load_config_for(tmp_path: Path) -> object:
    path = tmp_path / "feeds.toml"
    path.write_text(MINIMAL)
    return load_config(path, ENV)


def test_allowed_hosts_and_base_url_are_answered(db: sessionmaker[Session], tmp_path: Path) -> None:
    seed_feed(db, 3)
    path = tmp_path / "feeds.toml"
    path.write_text(MINIMAL + '\n[web]\nallowed_hosts = ["*.labourleft.org"]\n')
    app = create_app(load_config(path, ENV), db, environ={"SOCIALBOT_ALLOWED_HOSTS": "feed.example.net"})
    with serving(app) as base:
        client = Client(base)
        for host, status in (("www.labourleft.org", 200), ("feed.example.net", 200), ("evil.example", 400)):
            answer = client.session.get(f"{base}/feed.json", headers={"Host": host}, timeout=10)
            assert answer.status_code == status, host
        client.session.close()


def test_an_item_without_a_permalink_has_no_url(db: sessionmaker[Session], client: Client) -> None:
    seed_feed(db, 3)
    with db.begin() as session:
        from sqlalchemy import update

        from socialbot.store import Post

        session.execute(update(Post).values(permalink="javascript:alert(1)"))
    items = client.get("/feed.json").json()["items"]
    assert items and all("url" not in item for item in items), "no internal id (rss:…) as a url"
