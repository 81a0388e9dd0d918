"""`socialbot run` as deployed: it serves the feed through its web server and stops cleanly on SIGTERM."""

from __future__ import annotations

import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from socialbot.sandbox.process import free_port
from socialbot.subprocesses import child_environment, wait_until_answering
from tests.conftest import ROOT
from tests.test_config import SANDBOX_ENV


def socialbot_run(tmp_path: Path, port: int) -> list[str]:
    """`socialbot run` on a new SQLite store, with no collection (there is no sandbox to collect from)."""
    command = [sys.executable, "-m", "socialbot", "--config", str(ROOT / "feeds.toml")]
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    return [*command, "--database-url", database, "run", "--port", str(port), "--no-collect"]


def environment(**extra: str) -> dict[str, str]:
    return child_environment(SANDBOX_ENV | extra)


def test_run_serves_the_feed_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    bot = subprocess.Popen(
        socialbot_run(tmp_path, port),
        cwd=tmp_path,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert bot.poll() is None, bot.communicate()[0]
            try:
                if requests.get(f"{base}/whats-new", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "socialbot run did not serve /whats-new within 60 s"
            time.sleep(0.2)
        assert (
            requests.get(f"{base}/feed.json", timeout=5).json()["version"]
            == "https://jsonfeed.org/version/1.1"
        )
        assert requests.get(f"{base}/healthz", timeout=5).json()["database"] == "ok"
        assert "data-socialbot-feed" in requests.get(f"{base}/demo", timeout=5).text
        bot.send_signal(signal.SIGTERM)
        output = bot.communicate(timeout=30)[0]
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.communicate()
    assert bot.returncode == 0, output
    assert "the feed at http://127.0.0.1:" in output
    # The web server went with it: nothing listens on the port any more.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_run_refuses_a_bad_trusted_proxies_setting(tmp_path: Path) -> None:
    env = environment(SOCIALBOT_TRUSTED_PROXIES="127.0.0.1,proxy.example.org")
    command = socialbot_run(tmp_path, free_port())
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "SOCIALBOT_TRUSTED_PROXIES: 'proxy.example.org' is not an address" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_run_refuses_a_port_in_use_before_anything_is_queued(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = socialbot_run(tmp_path, port)
        result = subprocess.run(
            command, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert result.stderr.strip() == f"socialbot: run: port {port} is in use (set --port)"
    assert not (tmp_path / "bot.db").exists(), "nothing was migrated, queued or sent"


def run_until_serving(tmp_path: Path, *extra: str) -> str:
    """`socialbot run` in tmp_path (with a copy of schedules/) until it serves; its output after SIGTERM."""
    shutil.copytree(ROOT / "schedules", tmp_path / "schedules")
    port = free_port()
    bot = subprocess.Popen(
        [*socialbot_run(tmp_path, port), *extra],
        cwd=tmp_path,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_answering(bot, f"http://127.0.0.1:{port}/healthz", 60, "socialbot run")
    finally:
        bot.send_signal(signal.SIGTERM)
        output = bot.communicate(timeout=30)[0]
    assert bot.returncode == 0, output
    return output


def queued(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        return int(connection.execute("select count(*) from deliveries").fetchone()[0])


def test_run_without_a_sandbox_queues_no_example_campaign(tmp_path: Path) -> None:
    output = run_until_serving(tmp_path)
    for name in ("conference-fringe", "gv6-nec-ballot", "recall-conference-rally"):
        assert f"schedules/{name}.toml: not queued: an example campaign (example = true)" in output
    assert queued(tmp_path) == 0


def test_run_against_a_sandbox_queues_the_examples_but_not_their_past_posts(
    tmp_path: Path, sandbox: str
) -> None:
    output = run_until_serving(tmp_path, "--sandbox", sandbox)
    assert "not queued" not in output.replace("already past, not queued", "")
    assert "example posts already past, not queued" in output
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        due = [row[0] for row in connection.execute("select due_at from deliveries")]
    assert due and min(due) > (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    assert "expired" not in output


def test_a_stop_while_starting_up_is_a_clean_stop(tmp_path: Path) -> None:
    # SIGTERM (docker stop) as soon as the scheduler runs, before the web server answers.
    bot = subprocess.Popen(
        socialbot_run(tmp_path, free_port()),
        cwd=tmp_path,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert bot.stdout is not None
    seen = []
    for line in bot.stdout:
        seen.append(line)
        if "scheduler: running the jobs" in line:
            bot.send_signal(signal.SIGTERM)
            break
    output = "".join(seen) + bot.communicate(timeout=30)[0]
    assert bot.returncode == 0, output
    assert "aborted" not in output
