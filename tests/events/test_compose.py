"""Events composed through the API (queue/event_compose.py, as the desk's form will): checked as a
campaign file's [[event]] is, every problem by field; queued with their reminders; moved and
cancelled with them; never into a campaign a file owns. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store import Delivery, Event, ScheduledPost
from tests.conftest import ADMIN, ROOT
from tests.web.desk_fixtures import DeskSite
from tests.web.test_api import Api, token


def local(hours: int) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(tzinfo=None, microsecond=0, second=0)


def rally(start: datetime, **extra: object) -> dict[str, object]:
    return {
        "title": "Rally for party democracy",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "online_url": "https://www.youtube.com/watch?v=Rally",
        "group": "labour-left-alliance",
        "targets": ["network-x", "network-mastodon"],
        "announce": [{"before": "1h", "key": "hour-before"}, {"at": "start", "text": "Live: {online_url}"}],
        "key": "rally",
        **extra,
    }


def due(desk: DeskSite) -> dict[str, set[tuple[str, str]]]:
    with desk.db() as session:
        rows = session.execute(select(ScheduledPost.key, Delivery).join(Delivery.scheduled_post)).all()
        found: dict[str, set[tuple[str, str]]] = {}
        for key, d in rows:
            found.setdefault(key, set()).add((d.due_at.isoformat(), d.state.value))
        return found


def test_an_event_and_its_reminders_through_the_api(desk: DeskSite) -> None:
    api = Api(desk, token(desk, "officer"))
    start = local(72)
    made = api.call("post", "/events", rally(start))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["event"] == "desk:rally" and not body["replaced"]
    assert body["reminders"] == ["desk:rally-hour-before", "desk:rally-start"]
    assert len(body["deliveries"]) == 4
    live = next(d for d in body["deliveries"] if d["post"] == "desk:rally-start")
    assert live["state"] == "scheduled"
    with desk.db() as session:
        event = session.scalars(select(Event)).one()
        text = session.scalars(select(ScheduledPost.text).where(ScheduledPost.key == "rally-start")).one()
    assert (event.title, event.source_file, event.sequence) == ("Rally for party democracy", None, 0)
    assert text == "Live: https://www.youtube.com/watch?v=Rally"
    # Again without replace: refused; with it, moved by half an hour, with its reminders.
    assert api.call("post", "/events", rally(start)).status_code == 409
    before = due(desk)
    moved = api.call("post", "/events", rally(start + timedelta(minutes=30), replace=True))
    assert moved.status_code == 201 and moved.json()["replaced"]
    after = due(desk)
    assert all(
        a != b for a, b in zip(sorted(before["rally-start"]), sorted(after["rally-start"]), strict=True)
    )
    with desk.db() as session:
        assert session.scalars(select(Event.sequence)).one() == 1
    # A reminder dropped from the event is cancelled; cancelling the event cancels the rest.
    dropped = rally(start + timedelta(minutes=30), replace=True, announce=[{"at": "start"}])
    assert api.call("post", "/events", dropped).status_code == 201
    assert {state for _, state in due(desk)["rally-hour-before"]} == {"cancelled"}
    cancelled = api.call("post", "/events", {**dropped, "status": "cancelled"})
    assert cancelled.status_code == 201
    assert {state for _, state in due(desk)["rally-start"]} == {"cancelled"}


def test_problems_are_named_by_field_and_nothing_is_queued(desk: DeskSite) -> None:
    api = Api(desk, token(desk, "officer"))
    cases = {
        "start": rally(local(-5)),
        "announce[0].at": rally(local(72), announce=[{"at": "9 in the morning"}]),
        "announce[0].text": rally(local(72), announce=[{"before": "1h", "text": "Live at {link}"}]),
        "online_url": rally(local(72), online_url="javascript:alert(1)"),
        "group": rally(local(72), group="nosuch"),
    }
    for name, body in cases.items():
        answer = api.call("post", "/events", body)
        assert answer.status_code == 422, (name, answer.text)
        assert name in {e["field"] for e in answer.json()["errors"]}, (name, answer.json())
    with desk.db() as session:
        assert session.scalars(select(Event)).all() == []


def test_a_campaign_a_file_owns_takes_no_event_from_the_api(desk: DeskSite) -> None:
    with desk.db.begin() as session:
        sync_campaign(
            session, load_campaign(ROOT / "schedules" / "conference-fringe.toml", desk.config), ADMIN
        )
    api = Api(desk, token(desk, "officer"))
    answer = api.call("post", "/events", rally(local(72), campaign="conference-fringe"))
    assert answer.status_code == 409 and "belongs to" in answer.json()["detail"]


def test_the_desk_form_adds_an_event_and_shows_problems_at_their_fields(desk: DeskSite) -> None:
    browser = desk.browser()
    browser.sign_in("officer")
    page = browser.get("/desk/events/new")
    assert page.status_code == 200 and 'name="hour_before" checked' in page.text
    csrf = browser.csrf()
    start = local(96)
    form = {
        "csrf_token": csrf,
        "title": "Labour Left Alliance supporters meeting",
        "day": f"{start:%Y-%m-%d}",
        "start": f"{start:%H:%M}",
        "end": "",
        "location": "Friends Meeting House, Ship Street, Brighton",
        "group": "labour-left-alliance",
        "targets": ["network-mastodon"],
        "hour_before": "on",
        "hour_before_text": "In one hour: {title}, {location}",
    }
    bad = browser.http.post(
        f"{desk.base}/desk/events/new",
        data={**form, "online_url": "ftp://x"},
        allow_redirects=False,
        timeout=10,
    )
    assert bad.status_code == 422 and 'name="online_url"' in bad.text and 'aria-invalid="true"' in bad.text
    made = browser.http.post(f"{desk.base}/desk/events/new", data=form, allow_redirects=False, timeout=10)
    assert made.status_code == 303 and made.headers["location"].startswith("/events#event-desk-event-")
    with desk.db() as session:
        (event,) = session.scalars(select(Event)).all()
        (reminder,) = session.scalars(select(ScheduledPost)).all()
    assert event.title == "Labour Left Alliance supporters meeting" and event.source_file is None
    assert reminder.text == (
        "In one hour: Labour Left Alliance supporters meeting, Friends Meeting House, Ship Street, Brighton"
    )
    # Without the CSRF token nothing is queued.
    forged = browser.http.post(
        f"{desk.base}/desk/events/new",
        data={**form, "csrf_token": "forged"},
        allow_redirects=False,
        timeout=10,
    )
    assert forged.status_code == 403
    edit = browser.get(f"/desk/events/new?edit=desk:{event.key}")
    assert edit.status_code == 200 and f'name="key" value="{event.key}"' in edit.text
