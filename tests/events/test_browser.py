"""/events and the events embed in Debian's Chromium: readable on a 390 px phone, no script from event
text ever runs (events are officer-written, still escaped everywhere), and the embed shows what the
page shows."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from socialbot.config import load_config
from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store.engine import make_engine, session_factory
from socialbot.store.migrate import upgrade
from socialbot.store.sync import sync_config
from socialbot.web.app import create_app
from tests.conftest import ADMIN, ROOT
from tests.events.test_outputs import CLOCKS
from tests.test_config import SANDBOX_ENV
from tests.web.conftest import CHROMIUM, SCREENSHOTS
from tests.web_server import serving

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("events")
    engine = make_engine(f"sqlite:///{folder / 'events.db'}")
    upgrade(engine)
    db = session_factory(engine)
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    (folder / "clocks.toml").write_text(CLOCKS)
    with db.begin() as session:
        sync_config(session, config)
        for path in (folder / "clocks.toml", ROOT / "schedules" / "conference-fringe.toml"):
            sync_campaign(session, load_campaign(path, config), ADMIN)
    with serving(create_app(config, db)) as base:
        yield base
    engine.dispose()


@pytest.mark.parametrize("path", ["/events", "/demo"])
def test_events_are_readable_on_a_phone_and_run_no_script(browser: Browser, site: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script("window.__pwned = 0")
    page.goto(f"{site}{path}")
    events = page.locator(".sb-event")
    events.first.wait_for()
    titles = [events.nth(i).locator("h3").inner_text() for i in range(min(events.count(), 5))]
    assert titles[0].startswith("Socialist Telly <script>"), "shown as text, not run"
    assert any("Cancelled" in t for t in titles) or path == "/demo"
    when = events.first.locator(".sb-when").inner_text()
    assert "Sunday 28 March 2027, 7pm to 8pm BST" in when
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") == 0
    assert page.locator(".sb-event img, .sb-event script").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    link = events.first.locator("a.sb-view")
    assert link.get_attribute("href") == "https://www.youtube.com/watch?v=SpringTelly"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"events{path.replace('/', '-')}-390.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_events_page_works_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{site}/events")
    assert page.locator(".sb-event").count() == 7
    add = page.locator("a", has_text="Add to calendar").first
    assert (add.get_attribute("href") or "").endswith("/events.ics?event=clocks%3Aspring-telly")
    context.close()
