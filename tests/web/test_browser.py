"""The demo page and /whats-new in Debian's Chromium (Playwright): what a visitor sees and does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from socialbot.config import load_config
from socialbot.store.engine import make_engine, session_factory
from socialbot.store.migrate import upgrade
from socialbot.web.app import create_app
from tests.feed.seed import seed_feed
from tests.test_config import ENV, MINIMAL
from tests.web.conftest import CHROMIUM, SCREENSHOTS
from tests.web_server import serving

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web app over SQLite: 30 posts, one long, one shared by three groups, and hostile ones."""
    directory = tmp_path_factory.mktemp("site")
    engine = make_engine(f"sqlite:///{directory / 'feed.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    seed_feed(sessions, 30, hostile=True)
    (directory / "feeds.toml").write_text(MINIMAL)
    with serving(create_app(load_config(directory / "feeds.toml", ENV), sessions)) as base:
        yield base
    engine.dispose()


def open_page(browser: Browser, url: str, javascript: bool = True) -> tuple[Page, list[str], Any]:
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Set before any page script: if a post's text ever ran as script, it would set this flag.
    page.add_init_script("window.__pwned = 0")
    page.goto(url)
    return page, errors, context


def test_demo_shows_ten_posts_loads_ten_more_and_folds_long_posts(browser: Browser, site: str) -> None:
    page, errors, context = open_page(browser, f"{site}/demo")
    posts = page.locator("[data-socialbot-feed] .sb-post")
    posts.nth(9).wait_for()
    assert posts.count() == 10
    first_ten = [posts.nth(i).get_attribute("aria-labelledby") for i in range(10)]
    links = page.locator(".sb-view")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert all(h and h.startswith("https://example.org/") for h in hrefs), hrefs
    # See More / See Less on the long post, by keyboard.
    button = page.locator(".sb-post", has_text="Tomorrow, ballots").locator("button.sb-btn")
    assert button.get_attribute("aria-expanded") == "false"
    full = page.locator(f"#{button.get_attribute('aria-controls')}")
    assert full.is_hidden()
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and button.inner_text() == "See less"
    assert full.is_visible() and "Yasmine Dar" in full.inner_text()
    button.click()
    assert button.get_attribute("aria-expanded") == "false" and full.is_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "demo.png"))
    # Load More adds the next ten, none repeated, and takes focus to the first new post.
    page.get_by_role("button", name="Load More…").click()
    posts.nth(19).wait_for()
    assert posts.count() == 20
    texts = [posts.nth(i).inner_text() for i in range(20)]
    assert len(set(texts)) == 20
    assert page.evaluate("document.activeElement.getAttribute('aria-labelledby')") not in first_ten
    # Every "View on …" link is the post's own permalink, from the JSON the embed read.
    feed = page.evaluate(f"fetch('{site}/feed.json?limit=20').then(r => r.json())")
    permalinks = {i["url"] for i in feed["items"] if "url" in i}
    shown = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert shown <= permalinks
    assert page.evaluate("window.__pwned") == 0
    assert errors == []
    context.close()


def test_hostile_posts_run_no_script_anywhere(browser: Browser, site: str) -> None:
    for url in (f"{site}/demo", f"{site}/whats-new?limit=50"):
        page, errors, context = open_page(browser, url)
        page.locator(".sb-post").first.wait_for()
        page.wait_for_timeout(300)
        for summary in page.locator("summary").all()[:3]:
            summary.click()
        page.mouse.move(300, 300)
        assert page.evaluate("window.__pwned") == 0, url
        assert (
            page.locator(
                "[data-socialbot-feed] a[href^='javascript' i], .sb-feed a[href^='javascript' i]"
            ).count()
            == 0
        )
        assert errors == [], (url, errors)
        context.close()


def test_whats_new_works_without_javascript(browser: Browser, site: str) -> None:
    page, errors, context = open_page(browser, f"{site}/whats-new", javascript=False)
    assert page.locator(".sb-post").count() == 10
    fold = page.locator("details.sb-fold").first
    fold.locator("summary").click()
    assert fold.get_attribute("open") is not None
    first_page = page.locator(".sb-group").all_inner_texts()
    page.get_by_role("link", name="Load More…").click()
    page.wait_for_load_state()
    assert page.locator(".sb-post").count() == 10 and "cursor=" in page.url
    page.screenshot(path=str(SCREENSHOTS / "whats-new-no-js.png"), full_page=False)
    assert page.locator(".sb-post").first.inner_text() not in first_page
    assert errors == []
    context.close()


def test_screenshots_were_saved() -> None:
    for name in ("demo.png", "whats-new-no-js.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000


def test_the_embed_says_when_its_group_is_misspelt(browser: Browser, site: str) -> None:
    page, errors, context = open_page(browser, f"{site}/demo?group=labour-left-alliancee")
    message = page.locator("[data-socialbot-feed] .sb-empty")
    message.wait_for()
    assert message.inner_text().startswith(
        "This feed's settings are wrong: group: no group 'labour-left-alliancee'; groups: "
    )
    assert page.locator(".sb-post").count() == 0
    # The 400 is the browser's own console line for a failed fetch; nothing else went wrong.
    assert all("400" in e for e in errors), errors
    context.close()
