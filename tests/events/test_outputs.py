"""/events, /events.ics and /events.json over real HTTP, on SQLite and PostgreSQL: the calendar parses
with icalendar and with a second, independent parser (ics); a moved event keeps its UID with a
higher SEQUENCE; a cancelled one is STATUS:CANCELLED; times are right across both clock changes;
answers are cached and conditional; event text is escaped everywhere."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ics
import pytest
import requests
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import Config, load_config
from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store.sync import sync_config
from socialbot.web.app import create_app
from socialbot.web.cache import VERSION_TTL
from tests.conftest import ADMIN, ROOT
from tests.test_config import SANDBOX_ENV
from tests.web_server import serving

HOSTILE = "<script>window.__pwned=1</script><img src=x onerror='window.__pwned=1'>"
CLOCKS = f"""campaign = "clocks"
targets = ["network-mastodon"]

[[event]]
key = "spring-telly"
title = "Socialist Telly {HOSTILE}"
start = 2027-03-28T19:00:00
end = 2027-03-28T20:00:00
online_url = "https://www.youtube.com/watch?v=SpringTelly"
description = "The week in Labour. {HOSTILE}"
location = "Online {HOSTILE}"
group = "labour-left-alliance"
[[event.announce]]
before = "1h"

[[event]]
key = "autumn-telly"
title = "Socialist Telly after the clocks go back"
start = 2027-10-31T19:00:00
end = 2027-10-31T20:00:00
group = "red-flag"

[[event]]
key = "called-off"
title = "Meeting that was called off"
start = 2027-05-01T18:00:00
status = "cancelled"
"""


@dataclass
class Site:
    base: str
    db: sessionmaker[Session]
    config: Config
    folder: Path

    def sync(self, text: str) -> None:
        path = self.folder / "clocks.toml"
        path.write_text(text)
        with self.db.begin() as session:
            sync_campaign(session, load_campaign(path, self.config), ADMIN)
        # Cached answers trust the store's version for VERSION_TTL: a change shows within it.
        time.sleep(VERSION_TTL + 0.1)

    def get(self, path: str, **headers: str) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=headers, timeout=10)


@pytest.fixture
def site(db: sessionmaker[Session], tmp_path: Path) -> Iterator[Site]:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, config)
    with serving(create_app(config, db)) as base:
        found = Site(base, db, config, tmp_path)
        found.sync(CLOCKS)
        with db.begin() as session:
            fringe = load_campaign(ROOT / "schedules" / "conference-fringe.toml", config)
            sync_campaign(session, fringe, ADMIN)
        yield found


def calendar(site: Site, query: str = "") -> Calendar:
    answer = site.get(f"/events.ics{query}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(answer.content)


def test_the_calendar_parses_twice_with_stable_uids_and_times_across_clock_changes(site: Site) -> None:
    answer = site.get("/events.ics")
    parsed = Calendar.from_ical(answer.content)
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    assert len(events) == 7, sorted(events)
    assert {tz["tzid"] for tz in parsed.walk("VTIMEZONE")} == {"Europe/London"}
    spring, autumn = events["clocks-spring-telly@socialbot"], events["clocks-autumn-telly@socialbot"]
    # 19:00 on the day the clocks go forward is 18:00 UTC; on the day they go back, 19:00 UTC.
    assert spring.decoded("dtstart").astimezone(UTC) == datetime(2027, 3, 28, 18, 0, tzinfo=UTC)
    assert autumn.decoded("dtstart").astimezone(UTC) == datetime(2027, 10, 31, 19, 0, tzinfo=UTC)
    assert spring["dtstart"].params["TZID"] == "Europe/London"
    assert str(events["clocks-called-off@socialbot"]["status"]) == "CANCELLED"
    assert str(spring["status"]) == "CONFIRMED" and int(spring["sequence"]) == 0
    assert "dtstamp" in spring and str(spring["url"]) == "https://www.youtube.com/watch?v=SpringTelly"
    # A second parser, written independently, reads the same events at the same instants.
    other = ics.Calendar(answer.text)
    by_uid = {e.uid: e for e in other.events}
    assert set(by_uid) == set(events)
    assert by_uid["clocks-spring-telly@socialbot"].begin.datetime.astimezone(UTC) == datetime(
        2027, 3, 28, 18, 0, tzinfo=UTC
    )
    assert by_uid["clocks-autumn-telly@socialbot"].end.datetime.astimezone(UTC) == datetime(
        2027, 10, 31, 20, 0, tzinfo=UTC
    )


def test_a_moved_event_keeps_its_uid_with_a_higher_sequence(site: Site) -> None:
    first = calendar(site)
    etag = site.get("/events.ics").headers["etag"]
    assert site.get("/events.ics", **{"If-None-Match": etag}).status_code == 304
    site.sync(CLOCKS.replace("start = 2027-03-28T19:00:00", "start = 2027-03-28T19:30:00"))
    second = calendar(site)
    old = {str(e["uid"]): e for e in first.walk("VEVENT")}
    new = {str(e["uid"]): e for e in second.walk("VEVENT")}
    assert set(old) == set(new)
    moved = new["clocks-spring-telly@socialbot"]
    assert int(moved["sequence"]) == 1 and moved.decoded("dtstart").astimezone(UTC).minute == 30
    assert moved.decoded("dtstamp") > old["clocks-spring-telly@socialbot"].decoded("dtstamp")
    assert int(new["clocks-autumn-telly@socialbot"]["sequence"]) == 0, "the others are unchanged"
    assert site.get("/events.ics", **{"If-None-Match": etag}).status_code == 200, "a new version"
    # Cancelled: still there, so calendars learn of it, with a higher sequence again.
    site.sync(CLOCKS.replace('key = "autumn-telly"', 'key = "autumn-telly"\nstatus = "cancelled"'))
    cancelled = {str(e["uid"]): e for e in calendar(site).walk("VEVENT")}["clocks-autumn-telly@socialbot"]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) == 1


def test_group_filters_and_unknown_groups(site: Site) -> None:
    mine = {str(e["uid"]) for e in calendar(site, "?group=red-flag").walk("VEVENT")}
    assert mine == {"clocks-autumn-telly@socialbot"}
    bad = site.get("/events.json?group=nosuch")
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert "labour-left-alliance" in bad.json()["valid"]
    one = calendar(site, "?event=conference-fringe:lla")
    assert [str(e["summary"]) for e in one.walk("VEVENT")] == ["Labour Left Alliance supporters meeting"]


def test_the_page_and_the_json_list_upcoming_events_by_day_escaped(site: Site) -> None:
    page = site.get("/events")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "<script>window.__pwned" not in page.text and "&lt;script&gt;" in page.text
    assert page.text.index("Sunday 28 March 2027") < page.text.index("Sunday 26 September 2027")
    assert "Sunday 28 March 2027, 7pm to 8pm BST" in page.text
    assert "Sunday 31 October 2027, 7pm to 8pm GMT" in page.text
    assert "Cancelled</span> Meeting that was called off" in page.text
    body = site.get("/events.json").json()
    titles = [e["title"] for e in body["events"]]
    assert titles[0].startswith("Socialist Telly") and len(titles) == 7
    first = body["events"][0]
    assert first["start"] == "2027-03-28T19:00:00+01:00" and first["online_url"].startswith("https://")
    assert site.get("/events.json").headers["access-control-allow-origin"] == "*"


def test_the_static_export_has_the_events(site: Site) -> None:
    from socialbot.feed.export import export_feed
    from socialbot.web.app import templates

    out = site.folder / "site"
    report = export_feed(
        site.db, site.config.feed, templates(site.config.timezone), out, "https://feed.example.org", 1
    )
    assert report.events == 7 and {"events.ics", "events.json", "events/index.html"} <= set(report.files)
    exported = Calendar.from_ical((out / "events.ics").read_bytes())
    assert len(list(exported.walk("VEVENT"))) == 7
    page = (out / "events" / "index.html").read_text()
    assert 'href="https://feed.example.org/events.ics"' in page and "?event=" not in page
