"""The image and compose.yaml, checked without a Docker engine (none runs on these machines).

What can be checked here is checked: the Dockerfile's instructions, what .dockerignore keeps out of
the build context, that compose.yaml parses and wires PostgreSQL as the README says, and that every
variable the README lists can be set through it. tests/test_install.py runs the image's command
from the installed wheel.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from typing import Any

import yaml

from socialbot.config import load_config
from tests.conftest import ROOT


def dockerfile() -> list[tuple[str, str]]:
    """The final stage's (INSTRUCTION, arguments)."""
    pairs = dockerfile_all()
    last = max(i for i, (key, _) in enumerate(pairs) if key == "FROM")
    return pairs[last:]


def dockerfile_all() -> list[tuple[str, str]]:
    """Every stage's (INSTRUCTION, arguments)."""
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    pairs = [line.strip().split(None, 1) for line in lines if line.strip() and not line.startswith("#")]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def instruction(name: str) -> str:
    """The arguments of the final stage's last NAME instruction."""
    found = [rest for key, rest in dockerfile() if key == name]
    assert found, f"the Dockerfile has no {name}"
    return found[-1]


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) instruction's words."""
    words = json.loads(arguments)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), arguments
    return words


def image_command() -> list[str]:
    """What the image runs by default: ENTRYPOINT followed by CMD."""
    return exec_form(instruction("ENTRYPOINT")) + exec_form(instruction("CMD"))


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def readme_variables() -> set[str]:
    """Every variable of the README's environment table, and every account's credential variable."""
    text = (ROOT / "README.md").read_text()
    table = text.split("### Environment variables", 1)[1].split("\n## ", 1)[0]
    # Those that socialbot sets for its own child processes are no deployer's to set.
    names = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| (?!set by `socialbot run`)", table, re.M))
    config = load_config(ROOT / "feeds.toml", {})
    names |= {var for account in config.accounts for var in account.credentials.values()}
    return names


def test_the_image_runs_the_bot_on_every_interface_as_the_readme_says() -> None:
    command = image_command()
    assert command[:2] == ["socialbot", "run"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert instruction("EXPOSE").split() == [port]
    readme = (ROOT / "README.md").read_text()
    assert f"its command `{shlex.join(command[1:])}`" in readme
    assert f"entrypoint is `{command[0]}`" in readme


def test_the_image_runs_as_non_root_with_its_data_on_a_volume() -> None:
    user = instruction("USER")
    assert user not in ("root", "0")
    assert exec_form(instruction("VOLUME")) == ["/srv/socialbot/data"]
    env = instruction("ENV")
    assert "SOCIALBOT_DATABASE_URL=sqlite:////srv/socialbot/data/" in env


def test_the_healthcheck_asks_healthz_on_the_exposed_port() -> None:
    check = instruction("HEALTHCHECK")
    port = instruction("EXPOSE").split()[0]
    assert f"http://127.0.0.1:{port}/healthz" in check
    assert exec_form(check.split("CMD", 1)[1].strip())[0] == "python"


def test_the_build_context_leaves_out_the_venv_and_keeps_what_the_build_copies() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, p) or path.split("/")[0] == p for p in patterns)

    for unwanted in (".venv", ".git", ".env", "tests", "socialbot.db", "socialbot/__pycache__"):
        assert ignored(unwanted), unwanted
    copied = []
    for key, rest in dockerfile_all():
        if key == "COPY" and not rest.startswith("--from"):
            copied += rest.split()[:-1]
    assert {"pyproject.toml", "README.md", "socialbot", "feeds.toml", "schedules"} <= set(copied)
    assert [path for path in copied if ignored(path)] == []


def test_compose_runs_socialbot_against_postgresql_16_with_named_volumes() -> None:
    data = compose()
    db, bot = data["services"]["db"], data["services"]["socialbot"]
    assert db["image"] == "postgres:16"
    assert any(v.startswith("db-data:") for v in db["volumes"]) and "db-data" in data["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["command"] == image_command()[1:], "compose runs what the image runs"
    assert bot["env_file"] == [".env"]
    assert bot["environment"]["SOCIALBOT_DATABASE_URL"].startswith("postgresql+psycopg://socialbot:")
    assert "@db:5432/socialbot" in bot["environment"]["SOCIALBOT_DATABASE_URL"]
    assert any(v.startswith("socialbot-data:/srv/socialbot/data") for v in bot["volumes"])
    assert "./feeds.toml:/srv/socialbot/feeds.toml:ro" in bot["volumes"]
    published = bot["ports"][0].split(":")
    assert published[-1] == instruction("EXPOSE").split()[0]


def test_every_variable_the_readme_lists_can_be_set_for_compose() -> None:
    data = compose()
    example = (ROOT / ".env.example").read_text()
    in_example = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    set_by_compose = set(data["services"]["socialbot"]["environment"])
    missing = readme_variables() - in_example - set_by_compose
    assert missing == set()
    # The password compose interpolates is one the example asks for.
    assert "POSTGRES_PASSWORD" in in_example
    # Nothing in the example is a value: a deployer fills it in.
    assert all(line.endswith("=") for line in example.splitlines() if re.match(r"^[A-Z]", line))


def test_the_env_file_is_never_committed() -> None:
    assert "/.env" in (ROOT / ".gitignore").read_text().splitlines()
