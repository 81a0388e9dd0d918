"""The README documents every command, setting and environment variable (a Datasette habit)."""

from __future__ import annotations

import re

import click
import pytest

from socialbot.cli import cli
from socialbot.config import SettingsTable
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def command_paths(group: click.Group, prefix: str = "socialbot") -> list[str]:
    paths = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, f"{prefix} {name} is listed but cannot be loaded"
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, f"{prefix} {name}"))
        else:
            paths.append(f"{prefix} {name}")
    return paths


@pytest.mark.parametrize("command", command_paths(cli))
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}`" in README


@pytest.mark.parametrize("key", sorted(SettingsTable.model_fields))
def test_every_setting_is_documented(key: str) -> None:
    assert f"`{key}`" in README


def test_every_environment_variable_is_documented() -> None:
    used = set()
    for path in (ROOT / "socialbot").rglob("*.py"):
        used |= set(re.findall(r"\bSOCIALBOT_[A-Z_]+\b", path.read_text()))
    missing = sorted(v for v in used if f"`{v}`" not in README)
    assert not missing


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:24])
    assert "make run" in first_screen and "make test" in first_screen


def network_setting_keys() -> list[str]:
    from socialbot.networks import NETWORKS

    return sorted(
        f"{name}.{key}"
        for name, info in NETWORKS.items()
        if info.settings
        for key in info.settings.model_fields
    )


@pytest.mark.parametrize("key", network_setting_keys())
def test_every_network_setting_is_documented(key: str) -> None:
    network, name = key.split(".")
    assert f"[network.{network}]" in README and f"`{name}`" in README


def test_the_recordings_defect_map_names_tests_that_exist() -> None:
    # tests/recordings/README.md maps each defect real answers showed to its tests; `::name` alone
    # means the file named last before it.
    section = (ROOT / "tests" / "recordings" / "README.md").read_text().split("## The defects")[1]
    named, current = 0, ""
    for row in section.splitlines()[4:]:
        for found in re.finditer(r"`(tests/[^`:]+\.py)?::(test_\w+)`", row):
            current = found.group(1) or current
            assert f"def {found.group(2)}(" in (ROOT / current).read_text(), (current, found.group(2))
            named += 1
    assert named >= 30
