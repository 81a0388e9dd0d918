"""The officer's evening in Debian's Chromium, end to end against the sandbox, with JavaScript and
without: officer A composes the ballot reminder for tomorrow 19:00 to X, Bluesky and Mastodon as a
600-character thread with an image, and sees each network's parts and counts, as `schedule plan`
plans them; sends it for approval; approver B approves; it is moved to 19:30; the dispatcher sends it
when its time comes; the post page links every part, and the sandbox holds each part exactly once.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.users import add_user
from socialbot.config import Config, load_config
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.run import dispatch_round
from socialbot.queue.campaign import load_campaign
from socialbot.queue.text import measure
from socialbot.store import Role
from socialbot.store.engine import make_engine, session_factory
from socialbot.store.migrate import upgrade
from socialbot.store.sync import sync_config
from socialbot.subprocesses import child_environment
from socialbot.web.app import create_app
from tests.conftest import ADMIN, ROOT
from tests.sandbox_server import control, running_sandbox
from tests.test_config import SANDBOX_ENV
from tests.web.conftest import CHROMIUM, SCREENSHOTS
from tests.web.desk_fixtures import EMAILS, PASSWORDS
from tests.web_server import serving

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")

REMINDER = "Ballots drop tomorrow. Check your inbox & vote #GV6"
# About 600 characters: a thread on X and Bluesky, two parts on Mastodon.
THREAD = " ".join(
    [
        REMINDER,
        "Members of the NEC elect six constituency representatives this month, and every vote counts.",
        "The Grassroots Voice slate stands for party democracy, for members choosing their candidates,",
        "and for a Labour Party that listens to the trade unions that founded it.",
        "Look for the email from Civica Election Services and check your spam folder.",
        "Rank all six of our candidates in order: https://example.org/gv6/how-to-vote.",
        "Then tell a friend in your branch to do the same tonight.",
    ]
)
TARGETS = ["network-x", "network-bluesky", "network-mastodon"]


@dataclass
class Evening:
    """The desk over SQLite, served against a running sandbox."""

    base: str
    sandbox: str
    db: sessionmaker[Session]
    config: Config
    database_url: str
    folder: Path


@pytest.fixture
def evening(tmp_path: Path) -> Iterator[Evening]:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    upgrade(engine)
    db = session_factory(engine)
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, config)
        for role, password in PASSWORDS.items():
            add_user(session, ADMIN, EMAILS[role], Role(role), role.title(), password)
    with running_sandbox("--frozen-clock") as (sandbox, _):
        app = create_app(config, db, sandbox, {"SOCIALBOT_MEDIA_DIR": str(tmp_path / "media")})
        with serving(app) as base:
            yield Evening(base, sandbox, db, config, str(engine.url), tmp_path)
    engine.dispose()


def tomorrow(config: Config) -> datetime:
    """Tomorrow's date in the bot's zone, at midnight (naive local time)."""
    day = (datetime.now(UTC) + timedelta(days=1)).astimezone(config.timezone).date()
    return datetime(day.year, day.month, day.day)


def planned(evening: Evening, when: datetime) -> dict[str, list[tuple[str, int]]]:
    """Each account's parts and their counts as `schedule plan` plans the same post in a campaign file;
    the command's own table is checked for the same number of parts."""
    image = evening.folder / "ballot.png"
    path = evening.folder / "evening.toml"
    path.write_text(
        f'campaign = "evening"\ntargets = {TARGETS!r}\n\n[[post]]\nkey = "reminder"\n'
        f'at = {when.isoformat()}\nthread = "auto"\ntext = """{THREAD}"""\n'
        f'requires_approval = true\n[[post.media]]\npath = "{image.name}"\nalt = "A ballot paper"\n'
    )
    campaign = load_campaign(path, evening.config)
    parts = {
        d.account: [(text, measure(d.network, text)) for text in d.parts]
        for d in campaign.posts[0].deliveries
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialbot",
            "--database-url",
            evening.database_url,
            "schedule",
            "plan",
            str(path),
        ],
        cwd=ROOT,
        env=child_environment(SANDBOX_ENV) | {"COLUMNS": "300"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for account, texts in parts.items():
        row = next(line for line in shown.splitlines() if f" {account} " in line)
        assert f"  {len(texts)}  " in row, (account, row)
    return parts


def png(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (1200, 675), (179, 0, 27)).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def sign_in(browser: Browser, evening: Evening, role: str, javascript: bool, width: int = 1280) -> Page:
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.add_init_script("window.__pwned = 0")
    page.goto(f"{evening.base}/desk/sign-in")
    page.fill("#email", EMAILS[role])
    page.fill("#password", PASSWORDS[role])
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{evening.base}/desk")
    return page


def preview_parts(page: Page) -> dict[str, list[tuple[str, int]]]:
    """Each account's parts and counts as the preview panel shows them."""
    found = {}
    for card in page.locator("#preview article").all():
        account = card.locator("h3").inner_text().split(" · ")[1]
        found[account] = [
            (item.locator(".desk-text").inner_text(), int(item.locator("[data-count]").inner_text()))
            for item in card.locator("ol.desk-parts > li").all()
        ]
    return found


def compose(page: Page, evening: Evening, when: datetime, javascript: bool) -> str:
    """Officer A writes the reminder and sends it for approval; its campaign:key."""
    page.click("nav >> text=Compose")
    page.fill("#text", THREAD)
    page.check("input[name=thread][value=auto]")
    for account in evening.config.accounts:
        box = page.locator(f"input[name=targets][value={account.key}]")
        box.set_checked(account.key in TARGETS)
    page.fill("input[name=day]", f"{when:%Y-%m-%d}")
    page.fill("input[name=at]", "19:00")
    page.set_input_files("#image_0", str(png(evening.folder / "ballot.png")))
    page.fill("#alt_0", "A ballot paper")
    expected = planned(evening, when.replace(hour=19))
    if javascript:
        # The live preview, asked for as the officer typed; the image was stored when chosen.
        page.wait_for_function("document.querySelectorAll('#preview article').length === 3")
        page.wait_for_function("document.querySelector('#preview').innerText.includes('A ballot paper')")
    else:
        page.click("button:has-text('Preview')")
    assert page.locator("input[name=kept_0]").input_value(), "the image is kept for the next submit"
    assert page.locator("#preview .desk-error").count() == 0, page.inner_text("#preview")
    assert "Images: A ballot paper" in page.locator("#preview").inner_text()
    assert preview_parts(page) == expected
    assert {len(p) for p in expected.values()} != {1}, "a thread"
    assert "(1/" in page.locator("#preview").inner_text()
    assert "#GV6" in page.locator("#preview .desk-tag").first.inner_text()
    screenshots(page, "compose-preview" + ("" if javascript else "-no-js"))
    page.click("button:has-text('Queue it')")
    page.wait_for_url(re.compile(r".*/desk/posts/desk%3Apost-.*|.*/desk/posts/desk:post-.*"))
    assert "It waits for approval by someone other than you." in page.inner_text("main")
    return page.url.split("/desk/posts/")[1].split("?")[0].replace("%3A", ":")


def screenshots(page: Page, name: str) -> None:
    """The page at 1280 px and at a 390 px phone, for a reviewer (build/screenshots, not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 1000})
        page.screenshot(path=str(SCREENSHOTS / f"desk-{name}-{width}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


def the_evening(browser: Browser, evening: Evening, javascript: bool) -> None:
    day = tomorrow(evening.config)
    officer = sign_in(browser, evening, "officer", javascript)
    ref = compose(officer, evening, day, javascript)
    # Officer A has no Approve button for their own post, and the admin pages refuse them.
    assert officer.locator("button:has-text('Approve')").count() == 0
    assert "another approver approves it" in officer.inner_text(
        "main"
    ) or "waits for approval" in officer.inner_text("main")
    refused = officer.goto(f"{evening.base}/desk/users")
    assert refused is not None and refused.status == 403
    # Approver B approves it from the approvals page.
    approver = sign_in(browser, evening, "approver", javascript)
    approver.click("nav >> text=Approvals")
    item = approver.locator("li", has=approver.locator(f"a:has-text('{ref}')"))
    item.locator("button:has-text('Approve')").click()
    approver.wait_for_url(f"{evening.base}/desk/approvals")
    assert ref not in approver.inner_text("#for-me-h + ul")
    # "It will go out at 7:30pm not 7pm": rescheduled from the post page.
    officer.goto(f"{evening.base}/desk/posts/{ref}")
    assert "approved by approver@example.org" in officer.inner_text("main")
    officer.fill("form[action$='/reschedule'] input[name=at]", "19:30")
    officer.click("button:has-text('Reschedule')")
    officer.wait_for_url(re.compile(r".*/desk/posts/.*"))
    assert "next due " + f"{day:%a %d %b %Y} 19:30" in officer.inner_text("main")
    # Its time comes: the sandbox's clock and the dispatcher's move on to 19:31 tomorrow.
    due = day.replace(hour=19, minute=31).replace(tzinfo=evening.config.timezone).astimezone(UTC)
    publishers = Publishers(evening.config, SANDBOX_ENV, evening.sandbox)
    try:
        early = dispatch_round(evening.db, publishers, "desk-test", due - timedelta(minutes=2))
        assert early.outcomes == [], "nothing before 19:30"
        control(evening.sandbox, "POST", "tick", {"seconds": (due - datetime.now(UTC)).total_seconds()})
        report = dispatch_round(evening.db, publishers, "desk-test", due)
    finally:
        publishers.close()
    assert sorted(o.state.value for o in report.outcomes) == ["sent"] * 3, report
    officer.reload()
    expected = planned(evening, day.replace(hour=19, minute=30))
    links = officer.locator("a.desk-part-link")
    assert links.count() == sum(len(p) for p in expected.values())
    for delivery in officer.locator("li.desk-delivery").all():
        assert delivery.get_attribute("data-state") == "sent"
        assert delivery.locator("a.desk-part-link").count() == len(
            expected[delivery.get_attribute("data-account") or ""]
        )
    record = control(evening.sandbox, "GET", "published")["published"]
    posts = [e for e in record if e.get("kind") != "media"]
    texts = Counter((e["network"], e["text"]) for e in posts)
    wanted = Counter(
        (evening.config.account(account).network, text)  # type: ignore[union-attr]
        for account, parts in expected.items()
        for text, _ in parts
    )
    assert texts == wanted, "every part exactly once, nothing else"
    # The image went once to each network, on the thread's first part.
    uploads = [e for e in record if e.get("kind") == "media"]
    assert sorted(e["network"] for e in uploads) == ["bluesky", "mastodon", "twitter"]
    firsts = [e for e in posts if e["reply_to"] is None]
    assert len(firsts) == 3 and all(len(e["media_ids"]) == 1 for e in firsts)
    assert all(not e["media_ids"] for e in posts if e["reply_to"] is not None)
    screenshots(officer, "post-sent" + ("" if javascript else "-no-js"))
    assert officer.evaluate("window.__pwned") == 0


def test_the_officers_evening_with_javascript(browser: Browser, evening: Evening) -> None:
    the_evening(browser, evening, javascript=True)


def test_the_officers_evening_without_javascript(browser: Browser, evening: Evening) -> None:
    the_evening(browser, evening, javascript=False)


def test_an_admin_collects_one_source_now_from_the_sources_page(evening: Evening) -> None:
    from sqlalchemy import select

    from socialbot.store import AuditEvent, Post, Source
    from tests.web.desk_fixtures import Browser as Requests

    with evening.db() as session:
        source = session.scalars(
            select(Source).where(Source.network == "mastodon").order_by(Source.id)
        ).first()
        assert source is not None and source.last_status is None
        source_id = source.id
    admin = Requests(evening.base)
    admin.sign_in("admin")
    answer = admin.post(f"/desk/sources/{source_id}/collect", {"csrf_token": admin.csrf()})
    assert (
        answer.status_code == 303 and answer.headers["location"] == f"/desk/sources?collected={source_id}:ok"
    )
    with evening.db() as session:
        collected = session.get(Source, source_id)
        assert collected is not None and collected.last_status == "ok"
        assert session.scalars(select(Post).where(Post.source_id == source_id)).first() is not None
        others = session.scalars(select(Source.last_status).where(Source.id != source_id)).all()
        assert set(others) == {None}, "one source only"
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(source_id))
        ).all() == ["source.collect_now"]
    page = admin.get(answer.headers["location"]).text
    assert f"Collected source {source_id}: ok." in page
