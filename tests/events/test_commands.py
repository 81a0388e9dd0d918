"""`schedule rehearse` and `schedule plan` show events beside their reminders; `events list` lists
what campaign files put in the store."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_cli import socialbot
from tests.test_config import SANDBOX_ENV

FRINGE = "schedules/conference-fringe.toml"
MEETINGS = {
    "jvl": ("Sun 26 Sep", "17:30", "16:30"),
    "lrc": ("Mon 27 Sep", "18:30", "17:30"),
    "law": ("Tue 28 Sep", "19:00", "18:00"),
    "lla": ("Wed 29 Sep", "15:00", "14:00"),
}


def test_the_fringe_rehearsal_shows_each_meetings_three_posts_at_their_local_times() -> None:
    result = socialbot("schedule", "rehearse", FRINGE, env=SANDBOX_ENV | {"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    assert f"{FRINGE}: 48 of 48 deliveries sent, 0 problems" in result.stdout
    lines = result.stdout.splitlines()
    for key, (day, start, hour_before) in MEETINGS.items():
        for post, time in (
            (f"{key}-morning", "09:00"),
            (f"{key}-hour-before", hour_before),
            (f"{key}-start", start),
        ):
            rows = [line for line in lines if re.search(rf"\s{re.escape(post)}\s", line)]
            assert len(rows) == 4, (post, rows)
            assert all(row.startswith(f"{day} {time} BST") and " sent " in row for row in rows), rows
        event = next(line for line in lines if re.search(rf"\s{key}\s+\(event\)", line))
        assert event.startswith(f"{day} {start} BST") and "EVENT: " in event
        # The event's row comes just before its start posts.
        assert lines.index(event) < min(i for i, line in enumerate(lines) if f" {key}-start " in line)


def test_events_list_after_a_sync(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    env = SANDBOX_ENV | {"SOCIALBOT_SANDBOX_URL": "http://127.0.0.1:9", "COLUMNS": "200"}
    assert socialbot("--database-url", url, "schedule", "sync", FRINGE, env=env).returncode == 0
    listed = socialbot("--database-url", url, "events", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Sun 26 Sep 2027 17:30 BST  conference-fringe:jvl  confirmed  0" in listed.stdout
    assert "4 events" in listed.stdout
    mine = socialbot("--database-url", url, "events", "list", "--group", "red-flag", env=env)
    assert "0 events" in mine.stdout
    wrong = socialbot("--database-url", url, "events", "list", "--group", "nosuch", env=env)
    assert wrong.returncode == 2 and "no group 'nosuch'" in wrong.stderr
