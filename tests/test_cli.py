"""The `socialbot` command as people run it: exit codes, one-line errors, the set-up commands."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from socialbot.subprocesses import child_environment
from tests.conftest import ROOT
from tests.test_config import SANDBOX_ENV


def socialbot(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialbot", *args],
        cwd=cwd,
        env=child_environment(env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "feeds.toml").read_text()
    assert old in text
    path = tmp_path / "feeds.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param('name = "Brent Momentum"', 'name = "Brent Momentum', "TOML syntax error", id="syntax"),
        pytest.param(
            'name = "Brent Momentum"',
            'name = "Brent Momentum"\ncolour = "red"',
            "group[10] ('brent-momentum').colour: unknown key 'colour'",
            id="unknown-key",
        ),
        pytest.param(
            'collect_interval = "10m"',
            "collect_interval = 10",
            "settings.collect_interval: expected a string, got integer 10",
            id="wrong-type",
        ),
    ],
)
def test_config_check_on_a_broken_copy(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = broken_copy(tmp_path, old, new)
    result = socialbot("--config", str(path), "config", "check", env=SANDBOX_ENV)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{path}:"), "names the file and the line"
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_verbose_adds_the_traceback(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, 'collect_interval = "10m"', "collect_interval = 10")
    result = socialbot("-v", "--config", str(path), "config", "check", env=SANDBOX_ENV)
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_config_check_reports_missing_secrets() -> None:
    result = socialbot("config", "check")
    assert result.returncode == 2
    assert "environment variable SOCIALBOT_X_API_KEY for api_key is not set" in result.stderr


def test_config_check_summary_never_prints_secret_values() -> None:
    result = socialbot("config", "check", env=SANDBOX_ENV)
    assert result.returncode == 0, result.stderr
    assert "groups            34" in result.stdout
    assert "$SOCIALBOT_X_API_KEY" in result.stdout
    assert not any(value in result.stdout for value in SANDBOX_ENV.values())


def test_bad_usage_exits_2() -> None:
    result = socialbot("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_unreachable_database_is_one_line_exit_1(tmp_path: Path) -> None:
    result = socialbot("--database-url", "postgresql://nobody@127.0.0.1:1/none", "db", "status")
    assert result.returncode == 1
    assert result.stderr.startswith("socialbot: database: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_upgrade_and_sync_leave_every_group_in_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    first = socialbot("--database-url", url, "groups", "sync")
    assert first.returncode == 0, first.stderr
    assert "groups: 34 created" in first.stdout
    again = socialbot("--database-url", url, "groups", "sync")
    assert "groups: 0 created, 0 updated, 0 disabled" in again.stdout
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        assert connection.execute("select count(*) from groups where enabled").fetchone() == (34,)
        assert connection.execute("pragma journal_mode").fetchone() == ("wal",)


def test_help_lists_every_command() -> None:
    from socialbot.cli import COMMANDS

    result = socialbot("--help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)


def test_the_sandbox_loads_no_database_or_client_code() -> None:
    # It must start fast (issue #3: under 2 s). The store (SQLAlchemy, alembic), rich's tables and
    # the HTTP clients that the bot routes to it took 0.7 s of a 1.7 s start.
    probe = (
        "import sys\n"
        "from click import Context\n"
        "from socialbot.cli import cli\n"
        "cli.get_command(Context(cli), 'sandbox')\n"
        "import socialbot.sandbox.app, socialbot.sandbox.server\n"
        "heavy = ('sqlalchemy', 'alembic', 'rich', 'httpx', 'requests')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_version() -> None:
    result = socialbot("--version")
    assert result.returncode == 0 and result.stdout.startswith("socialbot, version ")


NEXT_YEAR = date.today().year + 1


def test_queue_add_show_and_cancel_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    added = socialbot(
        "--database-url",
        url,
        "queue",
        "add",
        "--at",
        f"{NEXT_YEAR}-12-09 19:30",
        "--to",
        "network-x,network-mastodon",
        "--text",
        "We're live: the rally is streaming now.",
        "--key",
        "livestream",
        env=SANDBOX_ENV,
    )
    assert added.returncode == 0, added.stderr
    assert "cli:livestream: 1 posts created" in added.stdout and "2 created" in added.stdout
    second = socialbot(
        "--database-url",
        url,
        "queue",
        "add",
        "--at",
        f"{NEXT_YEAR}-12-10 09:00",
        "--to",
        "network-x",
        "--text",
        "Thank you for coming.",
        env=SANDBOX_ENV,
    )
    assert second.returncode == 0 and "no longer in the file" not in second.stdout, "adding keeps the others"
    shown = socialbot("--database-url", url, "queue", "show", "cli:livestream", env=SANDBOX_ENV)
    due = f"due {date(NEXT_YEAR, 12, 9):%a} 09 Dec {NEXT_YEAR} 19:30 GMT"
    assert "to network-x — scheduled" in shown.stdout and due in shown.stdout
    assert "part 1: not sent" in shown.stdout
    too_long = socialbot(
        "--database-url",
        url,
        "queue",
        "add",
        "--at",
        f"{NEXT_YEAR}-12-11 09:00",
        "--to",
        "network-x",
        "--text",
        "x" * 300,
        env=SANDBOX_ENV,
    )
    assert too_long.returncode == 2 and "20 weighted characters too long" in too_long.stderr
    cancelled = socialbot("--database-url", url, "queue", "cancel", "cli:livestream", env=SANDBOX_ENV)
    assert cancelled.returncode == 0 and "cancel: 2 deliveries" in cancelled.stdout
    nothing = socialbot("--database-url", url, "queue", "cancel", "cli:livestream", env=SANDBOX_ENV)
    assert nothing.returncode == 2 and "no delivery" in nothing.stderr


def test_dispatch_dry_run_posts_nothing_and_marks_sent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    added = socialbot(
        "--database-url",
        url,
        "queue",
        "add",
        "--now",
        "--to",
        "network-x",
        "--text",
        "Dry run: ballots drop tomorrow.",
        env=SANDBOX_ENV,
    )
    assert added.returncode == 0, added.stderr
    # No sandbox and no network: a dry run must not try to reach anything.
    result = socialbot(
        "-v",
        "--database-url",
        url,
        "dispatch",
        "--dry-run",
        "--until-idle",
        "--interval",
        "0",
        env=SANDBOX_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "dry-run: network-x would post: Dry run: ballots drop tomorrow." in result.stderr
    assert ": sent" in result.stdout


def test_a_command_run_elsewhere_says_there_is_no_database_and_creates_none(tmp_path: Path) -> None:
    result = socialbot("--config", str(ROOT / "feeds.toml"), "queue", "list", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"socialbot: no database at {tmp_path / 'socialbot.db'}; run `socialbot db upgrade` "
        "(or set SOCIALBOT_DATABASE_URL)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_database_behind_the_code_is_named_with_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade", "--revision", "0006").returncode == 0
    result = socialbot("--database-url", url, "queue", "list")
    assert result.returncode == 1
    from socialbot.store.migrate import head_revision

    assert f"is at revision 0006, this socialbot needs {head_revision()}; run `socialbot db upgrade`" in (
        result.stderr
    )


def test_schedule_plan_shows_approval_and_the_queued_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    rally = "schedules/recall-conference-rally.toml"
    before = socialbot("--database-url", url, "schedule", "plan", rally, env={"COLUMNS": "250"})
    assert before.returncode == 0, before.stderr
    assert "not queued" in before.stdout and "needed" in before.stdout
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    synced = socialbot(
        "--database-url", url, "schedule", "sync", rally, env={"SOCIALBOT_SANDBOX_URL": "http://127.0.0.1:9"}
    )
    assert synced.returncode == 0, synced.stderr
    after = socialbot("--database-url", url, "schedule", "plan", rally, env={"COLUMNS": "250"})
    assert "pending_approval" in after.stdout and "scheduled" in after.stdout


def test_schedule_sync_outside_a_sandbox_leaves_an_example_unqueued(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    result = socialbot("--database-url", url, "schedule", "sync", "schedules/gv6-nec-ballot.toml")
    assert result.returncode == 0
    assert "schedules/gv6-nec-ballot.toml: not queued: an example campaign" in result.stdout
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        assert connection.execute("select count(*) from scheduled_posts").fetchone() == (0,)
