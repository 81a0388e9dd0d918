"""Locating a key path's line in TOML text."""

import pytest

from socialbot.config_lines import find_line

TEXT = """\
[settings]
timezone = "Europe/London"

[[group]]
slug = "a"

[[group.source]]
network = "rss"

[[group]]
slug = "b"
[[group.source]]
network = "twitter"
[[group.source]]
network = "facebook"

[[account]]
key = "x"
[account.credentials]
api_key = "K"
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        pytest.param(("settings", "timezone"), 2, id="settings-key"),
        pytest.param(("group", 0, "slug"), 5, id="first-group"),
        pytest.param(("group", 0, "source", 0, "network"), 8, id="first-source"),
        pytest.param(("group", 1, "source", 1, "network"), 15, id="second-group-second-source"),
        pytest.param(("group", 1, "source", 1, "handle"), 14, id="missing-key-points-at-its-table"),
        pytest.param(("account", 0, "credentials", "api_key"), 20, id="sub-table"),
        pytest.param(("group", 7), None, id="absent"),
    ],
)
def test_find_line(path: tuple[str | int, ...], line: int | None) -> None:
    assert find_line(TEXT, path) == line
