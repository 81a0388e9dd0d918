"""[[event]] in campaign files, on SQLite and PostgreSQL: reminders made from each event at the right
local times, moved with it, cancelled with it (sent ones never touched), a higher SEQUENCE only when
what calendars show changes, and every problem with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store import Delivery, DeliveryState, Event, ScheduledPost
from socialbot.store.sync import sync_config
from socialbot.tomlfile import ConfigError
from tests.conftest import ADMIN, ROOT
from tests.test_config import SANDBOX_ENV

FRINGE = ROOT / "schedules" / "conference-fringe.toml"
TELLY = """campaign = "telly"
targets = ["network-x", "network-mastodon"]

[[event]]
key = "telly"
title = "Socialist Telly: the week in Labour"
start = 2027-03-28T19:00:00
end = 2027-03-28T20:00:00
online_url = "https://www.youtube.com/watch?v=SocialistTelly"
[event.cancel_notice]
at = 2027-03-28T12:00:00
text = "Tonight's {title} is cancelled. Sorry!"
[[event.announce]]
key = "morning"
at = "09:00 same day"
[[event.announce]]
key = "hour-before"
before = "1h"
[[event.announce]]
key = "live"
at = "start"
text = "We're live: {online_url}"
"""


def sync(db: sessionmaker[Session], path: Path, prune: bool = False) -> object:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, config)
        return sync_campaign(session, load_campaign(path, config), actor=ADMIN, prune=prune)


def local_times(db: sessionmaker[Session]) -> dict[tuple[str, str], tuple[str, str]]:
    """(post key, account) → (local due time, state)."""
    with db() as session:
        rows = session.execute(select(ScheduledPost.key, Delivery).join(Delivery.scheduled_post)).all()
        return {
            (key, d.account.key): (
                d.due_at.astimezone(load_config(ROOT / "feeds.toml", SANDBOX_ENV).timezone).strftime(
                    "%a %d %b %H:%M"
                ),
                d.state.value,
            )
            for key, d in rows
        }


def post_texts(db: sessionmaker[Session]) -> dict[str, str]:
    with db() as session:
        return {key: text for key, text in session.execute(select(ScheduledPost.key, ScheduledPost.text))}


def test_each_fringe_meeting_has_its_morning_hour_before_and_start_posts() -> None:
    campaign = load_campaign(FRINGE, load_config(ROOT / "feeds.toml", SANDBOX_ENV))
    zone = campaign.zone
    when = {
        post.table.key: {d.due_at.astimezone(zone).strftime("%a %d %b %H:%M") for d in post.deliveries}
        for post in campaign.posts
    }
    expected = {
        "jvl": ("Sun 26 Sep", "17:30"),
        "lrc": ("Mon 27 Sep", "18:30"),
        "law": ("Tue 28 Sep", "19:00"),
        "lla": ("Wed 29 Sep", "15:00"),
    }
    for key, (day, start) in expected.items():
        hour, minute = (int(n) for n in start.split(":"))
        assert when[f"{key}-morning"] == {f"{day} 09:00"}
        assert when[f"{key}-hour-before"] == {f"{day} {hour - 1:02d}:{minute:02d}"}
        assert when[f"{key}-start"] == {f"{day} {start}"}
    texts = {post.table.key: post.table.text for post in campaign.posts}
    assert texts["jvl-hour-before"] == (
        "In one hour: Jewish Voice for Labour's fringe meeting at 5.30pm, Friends Meeting House, "
        "Ship Street, Brighton BN1 1AF. See you there!"
    )
    assert texts["lrc-start"] == (
        "Starting now: Labour Representation Committee fringe meeting at Brighthelm Centre, North Road, "
        "Brighton BN1 1YD."
    )
    assert len(campaign.events) == 4 and all(len(e.post_keys) == 3 for e in campaign.events)


def test_moving_one_meeting_by_half_an_hour_moves_its_three_reminders_and_nothing_else(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "conference-fringe.toml"
    path.write_text(FRINGE.read_text())
    sync(db, path)
    before, texts_before = local_times(db), post_texts(db)
    with db() as session:
        event = session.scalars(select(Event).where(Event.key == "lrc")).one()
        assert event.sequence == 0
    path.write_text(FRINGE.read_text().replace("2027-09-27T18:30:00", "2027-09-27T19:00:00"))
    result = sync(db, path)
    after, texts_after = local_times(db), post_texts(db)
    # The hour-before and start reminders move by half an hour; the morning one stays at 09:00 and
    # now says 7pm; nothing else changes.
    moved = {key for key, _ in before if before[(key, _)] != after[(key, _)]}
    assert moved == {"lrc-hour-before", "lrc-start"}
    assert {after[(k, a)][0] for k, a in after if k == "lrc-hour-before"} == {"Mon 27 Sep 18:00"}
    assert {after[(k, a)][0] for k, a in after if k == "lrc-start"} == {"Mon 27 Sep 19:00"}
    reworded = {key for key in texts_before if texts_before[key] != texts_after[key]}
    assert reworded == {"lrc-morning", "lrc-hour-before"}
    assert "7pm" in texts_after["lrc-morning"] and "6.30pm" in texts_before["lrc-morning"]
    # Twelve deliveries change: the morning one's deadline (the meeting's start) moved too.
    assert result.deliveries_rescheduled == 12 and result.posts_updated == 3  # type: ignore[attr-defined]
    with db() as session:
        events = {e.key: e for e in session.scalars(select(Event))}
    assert events["lrc"].sequence == 1 and {events[k].sequence for k in ("jvl", "law", "lla")} == {0}
    # The same file again changes nothing: no new sequence.
    sync(db, path)
    with db() as session:
        assert session.scalars(select(Event.sequence).where(Event.key == "lrc")).one() == 1


def test_cancelling_an_event_cancels_its_unsent_reminders_and_queues_its_notice(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "telly.toml"
    path.write_text(TELLY)
    sync(db, path)
    times = local_times(db)
    assert times[("telly-morning", "network-x")] == ("Sun 28 Mar 09:00", "scheduled")
    # 19:00 BST on the day the clocks go forward; an hour before is 18:00 BST.
    assert times[("telly-hour-before", "network-x")] == ("Sun 28 Mar 18:00", "scheduled")
    assert ("telly-cancelled", "network-x") not in times, "no notice while it is on"
    with db.begin() as session:
        sent = session.scalars(
            select(Delivery).join(Delivery.scheduled_post).where(ScheduledPost.key == "telly-morning")
        ).first()
        assert sent is not None
        sent.state = DeliveryState.SENT
    path.write_text(TELLY.replace('online_url = "', 'status = "cancelled"\nonline_url = "'))
    sync(db, path)
    after = local_times(db)
    states = {key: state for key, (_, state) in after.items()}
    assert list(states.values()).count("sent") == 1, "a sent reminder is never touched"
    assert {s for (k, _), s in states.items() if k in ("telly-hour-before", "telly-live")} == {"cancelled"}
    assert after[("telly-cancelled", "network-x")] == ("Sun 28 Mar 12:00", "scheduled")
    with db() as session:
        event = session.scalars(select(Event)).one()
        text = session.scalars(select(ScheduledPost.text).where(ScheduledPost.key == "telly-cancelled")).one()
    assert (event.status, event.sequence) == ("cancelled", 1)
    assert text == "Tonight's Socialist Telly: the week in Labour is cancelled. Sorry!"


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ('at = "09:00 same day"', 'at = "9 in the morning"', 'write "HH:MM same day"'),
        ('text = "We\'re live: {online_url}"', 'text = "Live: {link}"', "unknown field {link}"),
        ("start = 2027-03-28T19:00:00", "start = 2027-03-28T01:30:00", "does not exist in Europe/London"),
        ('before = "1h"', 'before = "soon"', "soon"),
        ('key = "telly"\ntitle', 'key = "Telly!"\ntitle', "lower-case letters"),
    ],
)
def test_problems_name_the_file_and_line(tmp_path: Path, change: str, line: str, message: str) -> None:
    path = tmp_path / "telly.toml"
    text = TELLY.replace(change, line)
    assert text != TELLY
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_campaign(path, load_config(ROOT / "feeds.toml", SANDBOX_ENV))
    report = "\n".join(caught.value.lines)
    assert message in report and f"{path}:" in report, report
    assert any(f"{path}:{n}:" in report for n in range(1, 40)), report


def test_a_reminder_fits_each_network_or_is_refused_at_its_announce_entry(tmp_path: Path) -> None:
    path = tmp_path / "telly.toml"
    path.write_text(TELLY.replace('text = "We\'re live: {online_url}"', f'text = "{"Live now! " * 40}"'))
    with pytest.raises(ConfigError) as caught:
        load_campaign(path, load_config(ROOT / "feeds.toml", SANDBOX_ENV))
    report = "\n".join(caught.value.lines)
    assert "event[0]" in report and "announce[2]" in report and "too long" in report, report
