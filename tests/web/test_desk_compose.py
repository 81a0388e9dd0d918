"""The compose page over real HTTP, on SQLite and PostgreSQL: the preview is the plan that is queued,
problems are shown at their fields with nothing queued, images need alt text, and edits follow the
file-or-web rule."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy import func, select

from socialbot.queue.compose import PostRequest
from socialbot.queue.preview import preview
from socialbot.store import ScheduledPost
from tests.conftest import ROOT
from tests.web.desk_fixtures import DeskSite

REMINDER = "Ballots drop tomorrow. Check your inbox & vote #GV6"


def tomorrow(site: DeskSite, hour: int = 19, minute: int = 0) -> datetime:
    """Tomorrow at hour:minute in the bot's zone (naive local time)."""
    day = (datetime.now(UTC) + timedelta(days=1)).astimezone(site.config.timezone).date()
    return datetime(day.year, day.month, day.day, hour, minute)


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (179, 0, 27)).save(out, "PNG")
    return out.getvalue()


def fields(site: DeskSite, text: str, when: datetime, **extra: str | list[str]) -> dict[str, object]:
    form: dict[str, object] = {
        "text": text,
        "thread": "auto",
        "targets": ["network-x", "network-bluesky", "network-mastodon"],
        "day": f"{when:%Y-%m-%d}",
        "at": f"{when:%H:%M}",
        "requires_approval": "on",
        "campaign": "desk",
    }
    form.update(extra)
    return form


def posts(site: DeskSite) -> int:
    with site.db() as session:
        return session.scalar(select(func.count()).select_from(ScheduledPost)) or 0


def test_the_preview_shows_each_accounts_parts_as_they_are_queued(desk: DeskSite) -> None:
    browser = desk.browser()
    browser.sign_in("officer")
    csrf = browser.csrf()
    text = " ".join(
        [REMINDER] + [f"Sentence {n} about https://example.org/vote and the ballot." for n in range(12)]
    )
    when = tomorrow(desk)
    answer = browser.http.post(
        f"{desk.base}/desk/compose/preview", data={**fields(desk, text, when), "csrf_token": csrf}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    expected = preview(
        PostRequest(
            ["network-x", "network-bluesky", "network-mastodon"],
            text,
            at=when,
            thread=True,
            requires_approval=True,
            campaign="desk",
        ),
        desk.config,
        datetime.now(UTC),
        ROOT,
    )
    shown = re.findall(r"<span data-count>(\d+)</span>/(\d+)", answer.text)
    assert shown == [(str(p.length), str(p.maximum)) for t in expected.targets for p in t.parts]
    assert len(shown) > 3 and "(1/" in answer.text
    assert "Goes out <strong>" in answer.text and desk.config.timezone.key in answer.text
    # Nothing was queued by looking.
    assert posts(desk) == 0


def send(site: DeskSite, browser: object, form: dict[str, object], image: bytes | None = None):  # type: ignore[no-untyped-def]
    """The compose form as a browser without JavaScript sends it (multipart, with the files)."""
    files = (
        {"image_0": ("ballot.png", image, "image/png")}
        if image is not None
        else {"image_0": ("", b"", "application/octet-stream")}
    )
    return browser.http.post(
        f"{site.base}/desk/compose", data=form, files=files, allow_redirects=False, timeout=10
    )  # type: ignore[attr-defined]


def test_queued_from_the_form_with_an_image_waiting_for_approval(desk: DeskSite) -> None:
    browser = desk.browser()
    browser.sign_in("officer")
    form = {
        **fields(desk, REMINDER, tomorrow(desk)),
        "csrf_token": browser.csrf(),
        "alt_0": "A ballot paper",
        "action": "queue",
    }
    answer = send(desk, browser, form, png())
    assert answer.status_code == 303, answer.text
    ref = answer.headers["location"].split("/desk/posts/")[1].split("?")[0]
    with desk.db() as session:
        post = session.scalar(select(ScheduledPost).where(ScheduledPost.key == ref.split(":")[1]))
        assert post is not None and post.text == REMINDER and post.created_by == "officer@example.org"
        assert [m["alt"] for m in post.media] == ["A ballot paper"]
        assert {d.state.value for d in post.deliveries} == {"pending_approval"}
        local = post.run_at.astimezone(desk.config.timezone) if post.run_at else None
        assert local is not None and (local.hour, local.minute) == (19, 0)
    page = browser.get(answer.headers["location"])
    assert page.status_code == 200 and "waits for approval" in page.text


def test_a_preview_round_trip_keeps_the_image_and_queues_nothing(desk: DeskSite) -> None:
    browser = desk.browser()
    browser.sign_in("officer")
    form = {
        **fields(desk, REMINDER, tomorrow(desk)),
        "csrf_token": browser.csrf(),
        "alt_0": "A ballot paper",
        "action": "preview",
    }
    answer = send(desk, browser, form, png())
    assert answer.status_code == 200
    kept = re.search(r'name="kept_0" value="([0-9a-f]+\.png)"', answer.text)
    assert kept, "the uploaded image is kept for the next submit"
    assert "Images: <span>A ballot paper</span>" in answer.text
    assert posts(desk) == 0
    # The page serves it to the signed-in officer only.
    assert browser.get(f"/desk/media/{kept.group(1)}").content == png()
    assert desk.browser().get(f"/desk/media/{kept.group(1)}").status_code == 404
    # Sent again as it came back (the kept name, no new file): queued with that image.
    again = {**form, "kept_0": kept.group(1), "action": "queue"}
    assert send(desk, browser, again).status_code == 303
    assert posts(desk) == 1


def invalid_fields(page: str) -> set[str]:
    return set(re.findall(r'name="([a-z_0-9]+)"[^>]*aria-invalid="true"', page))


def test_problems_are_shown_at_their_fields_and_nothing_is_queued(desk: DeskSite) -> None:
    browser = desk.browser()
    browser.sign_in("officer")
    csrf = browser.csrf()
    past = datetime.now(UTC).astimezone(desk.config.timezone) - timedelta(hours=2)
    cases = {
        "a past time": (fields(desk, REMINDER, past), {"day", "at"}, "is in the past"),
        # 28 March 2027, 01:30: the clocks go from 01:00 to 02:00 in London.
        "a time the clocks skip": (
            fields(desk, REMINDER, datetime(2027, 3, 28, 1, 30)),
            {"day", "at"},
            "does not exist",
        ),
        "a part too long": (
            fields(desk, REMINDER + " " + "x" * 300, tomorrow(desk), thread="none"),
            {"text"},
            "too long",
        ),
        "an image without alt text": (fields(desk, REMINDER, tomorrow(desk)), {"alt_0"}, "alt"),
        "no account": (fields(desk, REMINDER, tomorrow(desk), targets=[]), set(), "no targets"),
    }
    for name, (form, marked, message) in cases.items():
        image = png() if name == "an image without alt text" else None
        answer = send(desk, browser, {**form, "csrf_token": csrf, "action": "queue"}, image)
        assert answer.status_code == 422, name
        assert marked <= invalid_fields(answer.text), (name, invalid_fields(answer.text))
        assert message in answer.text, name
    assert posts(desk) == 0
