"""`schedule rehearse`: whole campaigns against the sandbox on a virtual clock."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from socialbot.queue.text import fill_occurrence
from tests.test_cli import socialbot
from tests.test_config import SANDBOX_ENV


def test_the_shipped_gv6_campaign_rehearses_without_errors() -> None:
    result = socialbot("schedule", "rehearse", "schedules/gv6-nec-ballot.toml", env=SANDBOX_ENV)
    assert result.returncode == 0, result.stderr
    assert "schedules/gv6-nec-ballot.toml: 70 of 70 deliveries sent, 0 problems" in result.stdout
    for expected in (
        "ballots-arrive-tomorrow",
        "ballots-drop-tomorrow",
        "daily-reminder",
        "Tue 15 Dec 09:00 GMT",
        "https://x.com/ph_network/status/",
        "https://bsky.app/profile/network.placeholder.invalid",
    ):
        assert expected in result.stdout, expected


def test_every_shipped_campaign_rehearses_in_an_empty_environment() -> None:
    # No credentials set at all: against its sandbox socialbot brings the fake ones itself.
    result = socialbot("schedule", "rehearse", env={})
    assert result.returncode == 0, result.stderr
    assert "rehearsal: 138 of 138 deliveries sent, 0 problems" in result.stdout
    # The rally's livestream post waits for an approver in real life; the rehearsal says it approved it.
    assert "sent (approved for the rehearsal)" in result.stdout


def test_a_reminder_with_the_same_text_every_day_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "same.toml"
    path.write_text(
        'campaign = "same"\ntargets = ["network-x", "network-mastodon"]\n\n[[post]]\n'
        'key = "daily"\ncron = "0 9 * * *"\nstart = 2026-12-02\nend = 2026-12-04\n'
        'text = "Have you voted yet? #GV6"\n'
    )
    result = socialbot("schedule", "rehearse", str(path), env=SANDBOX_ENV)
    assert result.returncode == 1
    assert "duplicate content" in result.stdout
    assert "2 deliveries would not go out" in result.stderr


def test_occurrence_placeholders() -> None:
    text = "{date}: {days_left} days left to vote #GV6"
    assert (
        fill_occurrence(text, "2026-12-13T09:00", date(2026, 12, 15))
        == "Sunday 13 December: 3 days left to vote #GV6"
    )
    assert fill_occurrence(text, "", None) == text, "one-off posts are left as written"
