"""Every desk page in Debian's Chromium with axe-core (the copy axe-playwright-python ships): no serious
or critical violation for any role, at 1280 px and on a 390 px phone; the keyboard reaches the page
by its skip link; and screenshots of the desk, the approvals and the calendar for a reviewer."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.users import add_user
from socialbot.config import Config, load_config
from socialbot.store import Role
from socialbot.store.engine import make_engine, session_factory
from socialbot.store.migrate import upgrade
from socialbot.store.sync import sync_config
from socialbot.web.app import create_app
from tests.conftest import ADMIN, ROOT
from tests.feed.seed import seed_feed
from tests.test_config import SANDBOX_ENV
from tests.web.conftest import CHROMIUM, SCREENSHOTS
from tests.web.desk_fixtures import EMAILS, PASSWORDS, DeskSite
from tests.web.test_desk_evening import sign_in
from tests.web_server import serving

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")
SERIOUS = {"serious", "critical"}


@dataclass
class Served:
    base: str
    db: sessionmaker[Session]
    config: Config
    refs: list[str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("a11y")
    engine = make_engine(f"sqlite:///{folder / 'desk.db'}")
    upgrade(engine)
    db = session_factory(engine)
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    seed_feed(db, 12, hostile=True)
    with db.begin() as session:
        sync_config(session, config)
        for role, password in PASSWORDS.items():
            add_user(session, ADMIN, EMAILS[role], Role(role), role.title(), password)
    with serving(create_app(config, db, environ={"SOCIALBOT_MEDIA_DIR": str(folder / "media")})) as base:
        site = DeskSite(base, db, config)
        refs = [
            site.queue("officer", approval=True),
            site.queue(
                "approver", approval=True, text="Rally at 7pm tonight, livestream at https://example.org/live"
            ),
            site.queue("admin", approval=False, text="Conference fringe: LRC meeting, 6.30pm #Lab26"),
        ]
        yield Served(base, db, config, refs)
    engine.dispose()


PAGES = [
    "/desk",
    "/desk/compose",
    "/desk/approvals",
    "/desk/calendar",
    "/desk/calendar?view=week",
    "/desk/feed",
    "/desk/sources",
    "/desk/events/new",
    "/desk/users",
]


def violations(page: Page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v.get("impact") in SERIOUS
    ]


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_no_serious_violation_on_any_desk_page(browser: Browser, served: Served, role: str) -> None:
    page = sign_in(browser, served, role, javascript=True)  # type: ignore[arg-type]
    found = {}
    for path in [*PAGES, f"/desk/posts/{served.refs[0]}"]:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{served.base}{path}")
            problems = violations(page)
            if problems:
                found[f"{path} at {width}px"] = problems
    # The compose page with its preview and problems shown at the fields.
    page.goto(f"{served.base}/desk/compose")
    page.fill("#text", "Ballots drop tomorrow " + "x" * 300)
    page.check("input[name=thread][value=none]")
    page.click("button:has-text('Preview')")
    page.wait_for_selector("#preview article")
    if violations(page):
        found["compose with problems"] = violations(page)
    page.context.close()
    assert found == {}


def test_the_sign_in_page_and_the_refusal_page(browser: Browser, served: Served) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{served.base}/desk/sign-in")
    assert violations(page) == []
    page.fill("#email", EMAILS["officer"])
    page.fill("#password", "not the password at all")
    page.click("button:has-text('Sign in')")
    assert violations(page) == []
    context.close()
    officer = sign_in(browser, served, "officer", javascript=True)  # type: ignore[arg-type]
    answer = officer.goto(f"{served.base}/desk/users")
    assert answer is not None and answer.status == 403
    assert violations(officer) == []
    officer.context.close()


def test_the_keyboard_skips_to_the_page_and_reaches_every_control(browser: Browser, served: Served) -> None:
    page = sign_in(browser, served, "officer", javascript=True)  # type: ignore[arg-type]
    page.goto(f"{served.base}/desk/compose")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.textContent")
    assert skip == "Skip to content"
    assert page.evaluate("getComputedStyle(document.activeElement).width") != "1px", "visible when focused"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "text", "the first field after the skip link"
    reached = set()
    for _ in range(100):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "(e => e.tagName === 'BUTTON' ? e.textContent.trim() : e.name || e.textContent)"
                "(document.activeElement)"
            )
        )
    assert {"day", "at", "alt_0", "campaign", "Preview", "Queue it"} <= reached
    page.context.close()


def test_screenshots_of_the_desk_for_a_reviewer(browser: Browser, served: Served) -> None:
    page = sign_in(browser, served, "approver", javascript=True)  # type: ignore[arg-type]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (("home", "/desk"), ("approvals", "/desk/approvals"), ("calendar", "/desk/calendar")):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{served.base}{path}")
            page.screenshot(path=str(SCREENSHOTS / f"desk-{name}-{width}.png"), full_page=True)
            assert (SCREENSHOTS / f"desk-{name}-{width}.png").stat().st_size > 5000
    # A 390 px phone scrolls nothing sideways.
    for path in PAGES[:-1]:
        page.goto(f"{served.base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.context.close()
