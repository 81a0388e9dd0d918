"""The published-posts page, rendered in Debian's Chromium through Playwright (screenshot kept)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "build" / "screenshots"


@pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_published_page_renders_each_timeline(sandbox: str) -> None:
    run = uuid.uuid4().hex[:6]
    headers = {"Authorization": "Bearer sandbox-mastodon-access-token"}
    hostile = f"<script>window.injected = true</script> Ballots drop tomorrow {run}"
    first = requests.post(
        f"{sandbox}/mastodon/api/v1/statuses", data={"status": hostile}, headers=headers, timeout=10
    ).json()
    requests.post(
        f"{sandbox}/mastodon/api/v1/statuses",
        data={"status": f"(2/2) Vote #GV6 {run}", "in_reply_to_id": first["id"]},
        headers=headers,
        timeout=10,
    ).raise_for_status()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{sandbox}/_sandbox/published.html")
        section = page.locator("section.mastodon", has_text=run)
        assert section.locator("article", has_text=run).count() == 2
        assert section.locator("article.reply", has_text="(2/2)").count() == 1
        assert page.evaluate("window.injected === undefined"), "post text is shown, never run"
        page.screenshot(path=str(SCREENSHOTS / "sandbox-published.png"), full_page=False)
        browser.close()
    assert errors == []
    assert (SCREENSHOTS / "sandbox-published.png").stat().st_size > 10_000
