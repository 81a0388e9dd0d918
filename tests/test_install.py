"""The installed wheel runs: built from the tracked files, installed outside the checkout, serving pages.

The tests run from an editable install, which reads templates and static files from the checkout
itself; a volunteer's `pip install .` (and the Dockerfile) gets only what the wheel carries.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests

from socialbot.sandbox.process import free_port
from socialbot.subprocesses import child_environment, wait_until_answering
from tests.conftest import ROOT
from tests.test_deploy import image_command

PIP = [sys.executable, "-m", "pip"]


def tracked_files() -> list[str]:
    """The files git tracks (what a clean clone has)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the tracked files (no build/ or egg-info left in the checkout)."""
    source = tmp_path_factory.mktemp("source")
    for name in tracked_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            *PIP,
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = dist.glob("socialbot-*.whl")
    return built


def test_the_wheel_carries_every_file_of_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [n for n in tracked_files() if n.startswith("socialbot/") and not n.endswith(".py")]
    assert wanted, "the package has templates and static files"
    assert [n for n in wanted if n not in names] == []
    assert "socialbot/web/static/embed.js" in names
    assert "socialbot/store/migrations/versions/0001_initial_schema.py" in names


def test_the_installed_wheel_serves_the_feed(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    # The dependencies come from the test environment (no download); socialbot itself from the
    # wheel. A path listed in a .pth is added to sys.path after site-packages, and the .pth files
    # in it (such as the editable install's finder) are not run.
    (site / "socialbot-test-deps.pth").write_text(
        "\n".join(sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})) + "\n"
    )
    subprocess.run(
        [
            *PIP,
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "work"
    work.mkdir()
    (work / "feeds.toml").write_bytes((ROOT / "feeds.toml").read_bytes())
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import socialbot; print(socialbot.__file__)"],
        cwd=work,
        env=child_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site)), where

    # The image's own command line (tests/test_deploy.py reads it from the Dockerfile), on a free port
    # and without collection: nothing here may reach a real platform.
    port = free_port()
    command = image_command()
    command[command.index("--port") + 1] = str(port)
    env = child_environment(
        {
            "SOCIALBOT_CONFIG": str(work / "feeds.toml"),
            "SOCIALBOT_DATABASE_URL": f"sqlite:///{work / 'bot.db'}",
        }
    )
    bot = subprocess.Popen(
        [str(venv / "bin" / command[0]), *command[1:], "--no-collect"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(bot, f"{base}/healthz", 60, "the installed socialbot")
        page = requests.get(f"{base}/whats-new", timeout=10)
        assert page.status_code == 200 and "<html" in page.text
        script = requests.get(f"{base}/embed.js", timeout=10)
        assert script.status_code == 200 and "data-socialbot-feed" in script.text
        health = requests.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        assert health.json()["database"] == "ok"
        assert requests.get(f"{base}/demo", timeout=10).status_code == 200
    finally:
        bot.terminate()
        output = bot.communicate(timeout=30)[0]
    assert bot.returncode == 0, output
