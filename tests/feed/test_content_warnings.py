"""Content warnings (Mastodon's spoiler_text, issue #15): kept when collected (a boost's too), stored
and updated like the text, and every output folds the post behind the warning: the page with a
<details> "See more", the JSON Feed's summary and _socialbot.content_warning, feed readers a first
paragraph, and the embed a button (in Chromium). The sandbox's history has such statuses."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.networks.mastodon.collect import status_post
from socialbot.store import Group, Post
from socialbot.web.app import create_app
from tests.collect.test_round import FEEDS, make_config, run, synced
from tests.conftest import CHROMIUM
from tests.networks.mastodon.test_recordings import recorded
from tests.sandbox_server import running_sandbox
from tests.test_config import ENV, MINIMAL
from tests.web_server import Client, serving

WARNING = "Police at the picket line (images)"


def test_a_status_keeps_its_content_warning_and_a_boost_the_boosted_ones() -> None:
    boost = recorded("reblog.json")
    assert status_post(boost).content_warning is None, "none recorded: none kept"
    boost["reblog"]["spoiler_text"] = f"  {WARNING} "
    assert status_post(boost).content_warning == WARNING
    own = recorded("reblog.json")["reblog"] | {"spoiler_text": "NEC results"}
    assert status_post(own).content_warning == "NEC results"


def test_the_sandboxs_history_has_warnings_and_collecting_keeps_them(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    config = synced(db, make_config(tmp_path, FEEDS))
    with running_sandbox("--frozen-clock") as (sandbox, _):
        run(db, config, sandbox, datetime.now(UTC))
    with db() as session:
        warned = session.scalars(select(Post).where(Post.content_warning.is_not(None))).all()
    assert warned and {p.network for p in warned} == {"mastodon"}
    assert {p.content_warning for p in warned} <= {WARNING, "Long thread: the NEC results"}


@pytest.fixture
def served(db: sessionmaker[Session], tmp_path: Path) -> Iterator[str]:
    with db.begin() as session:
        group = Group(slug="red-flag", name="Red Flag")
        session.add(group)
        session.flush()
        now = datetime.now(UTC)
        session.add_all(
            [
                Post(
                    network="mastodon",
                    external_id="cw1",
                    group_id=group.id,
                    text="Photos from the picket at the depot this morning",
                    permalink="https://mastodon.social/@redflag/cw1",
                    media=[{"type": "image", "url": "https://files.example/picket.png", "alt": "The picket"}],
                    content_warning=WARNING,
                    published_at=now,
                ),
                Post(
                    network="mastodon",
                    external_id="plain",
                    group_id=group.id,
                    text="Solidarity with the strikers",
                    published_at=now - timedelta(minutes=5),
                ),
            ]
        )
    path = tmp_path / "feeds.toml"
    path.write_text(MINIMAL)
    with serving(create_app(load_config(path, ENV), db)) as base:
        yield base


def test_every_output_folds_the_post_behind_its_warning(served: str) -> None:
    client = Client(served)
    page = client.get("/whats-new").text
    fold = page.split('<details class="sb-fold sb-cw">')[1].split("</details>")[0]
    assert f"Content warning: {WARNING}" in fold and "See more" in fold
    assert "Photos from the picket" in fold and 'src="https://files.example/picket.png"' in fold
    assert page.count("sb-cw") == 1, "the plain post is not folded"
    feed = json.loads(client.get("/feed.json").text)
    item = feed["items"][0]
    assert item["summary"] == f"Content warning: {WARNING}"
    assert item["_socialbot"]["content_warning"] == WARNING and "summary" not in feed["items"][1]
    atom = client.get("/feed.atom").text
    assert f"&lt;p&gt;&lt;strong&gt;Content warning: {WARNING}" in atom
    client.session.close()


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")
def test_the_embed_shows_the_warning_and_the_post_on_request(browser: Browser, served: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{served}/demo")
    post = page.locator(".sb-post").first
    post.wait_for()
    assert f"Content warning: {WARNING}" in post.inner_text()
    body = post.locator(".sb-cw-body")
    assert body.is_hidden() and post.locator("img").is_hidden()
    button = post.locator(".sb-warning button")
    assert button.inner_text() == "See more"
    button.focus()
    page.keyboard.press("Enter")
    assert body.is_visible() and "Photos from the picket" in body.inner_text()
    assert button.get_attribute("aria-expanded") == "true" and button.inner_text() == "See less"
    context.close()
