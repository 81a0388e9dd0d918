"""The desk's approvals, calendar, feed and sources pages over real HTTP, on SQLite and PostgreSQL:
each shows what the store holds, each action goes through queue/ or feed/moderation, and a role
that may not act is refused with nothing changed."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store import Delivery, Moderation, Post, ScheduledPost
from tests.conftest import ADMIN, ROOT
from tests.feed.seed import one_post
from tests.web.desk_fixtures import DeskSite, audit_count
from tests.web.test_desk import states


def test_an_approver_sends_a_post_back_and_the_author_sees_the_note(desk: DeskSite) -> None:
    ref = desk.queue("officer")
    approver = desk.browser()
    approver.sign_in("approver")
    page = approver.get("/desk/approvals")
    assert page.status_code == 200 and ref in page.text and "Approve" in page.text
    csrf = approver.csrf()
    empty = approver.post(f"/desk/deliveries/{ref}/send-back", {"csrf_token": csrf, "note": "  "})
    assert empty.status_code == 409 and states(desk, ref) == {"pending_approval"}
    note = "Say which day the ballots drop, please"
    answer = approver.post(
        f"/desk/deliveries/{ref}/send-back", {"csrf_token": csrf, "note": note, "back": "/desk/approvals"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/desk/approvals"
    assert states(desk, ref) == {"draft"}
    author = desk.browser()
    author.sign_in("officer")
    mine = author.get("/desk/approvals").text
    assert (
        "Sent back to you" in mine
        and note in mine
        and f"/desk/compose?edit={ref.replace(':', '%3A')}" in mine
    )
    post = author.get(f"/desk/posts/{ref}").text
    assert f"Sent back by approver@example.org:</strong> {note}" in post
    # The author edits it: it waits for approval again, and the note is gone from the page.
    edit = author.get(f"/desk/compose?edit={ref}").text
    key = re.search(r'name="key" value="([^"]+)"', edit)
    assert key and key.group(1) == ref.split(":")[1]
    day = re.search(r'name="day" value="([^"]+)"', edit)
    at = re.search(r'name="at" value="([^"]+)"', edit)
    assert day and at
    form = {
        "csrf_token": author.csrf(),
        "key": key.group(1),
        "text": "Ballots drop tomorrow, Monday. Check your inbox & vote #GV6",
        "thread": "none",
        "targets": ["network-x", "network-mastodon"],
        "day": day.group(1),
        "at": at.group(1),
        "requires_approval": "on",
        "campaign": "desk",
        "action": "queue",
    }
    saved = author.http.post(f"{desk.base}/desk/compose", data=form, allow_redirects=False, timeout=10)
    assert saved.status_code == 303, saved.text
    assert states(desk, ref) == {"pending_approval"}
    assert "Sent back by" not in author.get(f"/desk/posts/{ref}").text


def test_an_officer_cannot_approve_nor_send_back(desk: DeskSite) -> None:
    ref = desk.queue("approver")
    officer = desk.browser()
    officer.sign_in("officer")
    page = officer.get("/desk/approvals").text
    assert ref in page and "/approve" not in page, "no approve button for an officer"
    before = audit_count(desk.db)
    csrf = officer.csrf()
    for action in ("approve", "send-back"):
        refused = officer.post(f"/desk/deliveries/{ref}/{action}", {"csrf_token": csrf, "note": "no"})
        assert refused.status_code == 403, action
    assert states(desk, ref) == {"pending_approval"} and audit_count(desk.db) == before


def test_reschedule_from_the_post_page_seven_thirty_not_seven(desk: DeskSite) -> None:
    ref = desk.queue("officer", approval=False)
    officer = desk.browser()
    officer.sign_in("officer")
    page = officer.get(f"/desk/posts/{ref}").text
    day = re.search(r'name="day" required value="([^"]+)"', page)
    assert day and "Reschedule" in page
    answer = officer.post(
        f"/desk/deliveries/{ref}/reschedule",
        {"csrf_token": officer.csrf(), "day": day.group(1), "at": "19:30", "back": f"/desk/posts/{ref}"},
    )
    assert answer.status_code == 303
    with desk.db() as session:
        due = {
            d.due_at.astimezone(desk.config.timezone).strftime("%Y-%m-%d %H:%M")
            for d in session.scalars(
                select(Delivery).join(ScheduledPost).where(ScheduledPost.key == ref.split(":")[1])
            )
        }
    assert due == {f"{day.group(1)} 19:30"}
    assert "reschedule" in officer.get(f"/desk/posts/{ref}").text
    bad = officer.post(
        f"/desk/deliveries/{ref}/reschedule", {"csrf_token": officer.csrf(), "day": "soon", "at": ""}
    )
    assert bad.status_code == 409 and "give a date" in bad.text


def test_the_calendar_shows_each_delivery_on_its_local_day_and_filters(desk: DeskSite) -> None:
    ref = desk.queue("officer", approval=True)
    other = desk.queue("approver", approval=False, text="Rally tonight #GV6")
    officer = desk.browser()
    officer.sign_in("officer")
    with desk.db() as session:
        due = session.scalars(
            select(Delivery.due_at).join(ScheduledPost).where(ScheduledPost.key == ref.split(":")[1])
        ).first()
    assert due is not None
    local = due.astimezone(desk.config.timezone)
    for view in ("month", "week"):
        page = officer.get(f"/desk/calendar?view={view}&day={local:%Y-%m-%d}").text
        cell = page.split(f'data-day="{local:%Y-%m-%d}"')[1].split("</td>")[0]
        assert f'data-ref="{ref}" data-time="{local:%H:%M}"' in cell, view
        assert "desk-st-pending_approval" in cell and "desk-st-scheduled" in cell
    only = officer.get(f"/desk/calendar?day={local:%Y-%m-%d}&state=pending_approval").text
    assert ref in only and other not in only
    by_campaign = officer.get(f"/desk/calendar?day={local:%Y-%m-%d}&campaign=nosuch").text
    assert ref not in by_campaign


def test_the_feed_page_hides_pins_and_unhides_with_the_reason(desk: DeskSite) -> None:
    for n in range(3):
        one_post(desk.db, external_id=str(n), text=f"Solidarity with the strikers, day {n}")
    with desk.db() as session:
        post_id = session.scalars(select(Post.id).order_by(Post.published_at.desc(), Post.id.desc())).first()
    officer = desk.browser()
    officer.sign_in("officer")
    page = officer.get("/desk/feed").text
    assert f'data-post="{post_id}"' in page and f"/desk/feed/{post_id}/hide" not in page
    refused = officer.post(f"/desk/feed/{post_id}/hide", {"csrf_token": officer.csrf(), "reason": "x"})
    assert refused.status_code == 403
    admin = desk.browser()
    admin.sign_in("admin")
    csrf = admin.csrf()
    assert (
        admin.post(
            f"/desk/feed/{post_id}/hide", {"csrf_token": csrf, "reason": "Doxxes a member"}
        ).status_code
        == 303
    )
    with desk.db() as session:
        assert session.get(Post, post_id).moderation is Moderation.HIDDEN  # type: ignore[union-attr]
    page = admin.get("/desk/feed").text
    hidden = page.split('id="hidden-h"')[1]
    assert f'data-post="{post_id}"' in hidden and "hide by admin@example.org: Doxxes a member" in hidden
    assert admin.post(f"/desk/feed/{post_id}/unhide", {"csrf_token": csrf, "reason": ""}).status_code == 303
    assert (
        admin.post(f"/desk/feed/{post_id}/pin", {"csrf_token": csrf, "reason": "Ballot day"}).status_code
        == 303
    )
    shown = admin.get("/desk/feed").text.split('id="shown-h"')[1].split('id="hidden-h"')[0]
    assert shown.index(f'data-post="{post_id}"') < shown.index("Unpin") < shown.index("</li>")


def test_sources_worst_first_and_only_an_admin_collects_now(desk: DeskSite) -> None:
    officer = desk.browser()
    officer.sign_in("officer")
    with desk.db.begin() as session:
        from socialbot.store import Source

        sources = session.scalars(select(Source).order_by(Source.id)).all()
        broken = sources[-1]
        broken.last_status, broken.consecutive_errors, broken.last_error = (
            "error",
            4,
            "rss: HTTP 500 from the site",
        )
        broken_id = broken.id
        session.flush()
    page = officer.get("/desk/sources").text
    rows = re.findall(r'data-source="(\d+)" data-status="(\w+)"', page)
    assert rows[0] == (str(broken_id), "error") and "HTTP 500 from the site" in page
    assert "/collect" not in page
    assert (
        officer.post(f"/desk/sources/{broken_id}/collect", {"csrf_token": officer.csrf()}).status_code == 403
    )


ACROSS_THE_CHANGES = """\
campaign = "clock-change"
targets = ["network-mastodon"]

[[post]]
key = "spring"
cron = "30 0 * * *"
start = 2027-03-26
end = 2027-03-30
text = "Day {date}: the clocks go forward on Sunday"

[[post]]
key = "autumn"
cron = "30 0 * * *"
start = 2027-10-29
end = 2027-11-02
text = "Day {date}: the clocks go back on Sunday"
"""


def test_the_calendar_puts_the_shipped_campaigns_and_clock_changes_on_their_local_days(
    desk: DeskSite, tmp_path: Path
) -> None:
    (tmp_path / "clock-change.toml").write_text(ACROSS_THE_CHANGES)
    files = [*sorted((ROOT / "schedules").glob("*.toml")), tmp_path / "clock-change.toml"]
    planned, events = [], []
    with desk.db.begin() as session:
        for path in files:
            campaign = load_campaign(path, desk.config)
            sync_campaign(session, campaign, ADMIN)
            planned += [
                (f"{campaign.file.campaign}:{post.table.key}", d.due_at.astimezone(desk.config.timezone))
                for post in campaign.posts
                for d in post.deliveries
            ]
            events += [
                (
                    f"{campaign.file.campaign}:{e.table.key}",
                    e.table.start.replace(tzinfo=desk.config.timezone),
                )
                for e in campaign.events
            ]
    officer = desk.browser()
    officer.sign_in("officer")
    months: dict[str, str] = {}
    for ref, local in planned:
        month = f"{local:%Y-%m}"
        if month not in months:
            months[month] = officer.get(f"/desk/calendar?day={month}-01").text
        cell = months[month].split(f'data-day="{local:%Y-%m-%d}"')[1].split("</td>")[0]
        assert f'data-ref="{ref}" data-time="{local:%H:%M}"' in cell or "more</a>" in cell, (ref, local)
        week = officer.get(f"/desk/calendar?view=week&day={local:%Y-%m-%d}").text
        cell = week.split(f'data-day="{local:%Y-%m-%d}"')[1].split("</td>")[0]
        assert f'data-ref="{ref}" data-time="{local:%H:%M}"' in cell, (ref, local)
    # Across both changes the reminders stay at their local times, one a day: at 00:30 in summer time
    # the UTC date is the day before, so a calendar of UTC days would show them a day early.
    for day in ("2027-03-27", "2027-03-28", "2027-03-29"):
        assert (
            'data-ref="clock-change:spring" data-time="00:30"'
            in months["2027-03"].split(f'data-day="{day}"')[1].split("</td>")[0]
        )
    for day in ("2027-10-30", "2027-10-31", "2027-11-01"):
        page = months.get(day[:7]) or officer.get(f"/desk/calendar?day={day[:7]}-01").text
        assert (
            'data-ref="clock-change:autumn" data-time="00:30"'
            in page.split(f'data-day="{day}"')[1].split("</td>")[0]
        )
    assert len(planned) > 40
    # The campaigns' events are beside their reminders, on their local days, linked to /events.
    assert len(events) == 5
    for ref, local in events:
        page = officer.get(f"/desk/calendar?view=week&day={local:%Y-%m-%d}").text
        cell = page.split(f'data-day="{local:%Y-%m-%d}"')[1].split("</td>")[0]
        campaign, key = ref.split(":")
        assert (
            f'href="/events#event-{campaign}-{key}" data-ref="{ref}" data-time="{local:%H:%M}" data-event'
            in cell
        )


def test_my_posts_as_a_calendar_file(desk: DeskSite) -> None:
    from icalendar import Calendar

    mine = desk.queue("officer", approval=True)
    theirs = desk.queue("approver", approval=False, text="Rally tonight #GV6")
    officer = desk.browser()
    assert officer.get("/desk/calendar.ics").status_code == 303, "signed in only"
    officer.sign_in("officer")
    answer = officer.get("/desk/calendar.ics")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
    entries = list(Calendar.from_ical(answer.content).walk("VEVENT"))
    assert [str(e["summary"]).split(" ")[0] for e in entries] == [mine]
    assert theirs not in answer.text
    summary = str(entries[0]["summary"])
    assert "network-x: pending_approval" in summary and "network-mastodon: pending_approval" in summary
    assert str(entries[0]["url"]).endswith(f"/desk/posts/{mine}")
