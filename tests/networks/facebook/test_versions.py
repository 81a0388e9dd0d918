"""The Graph API version: a current default, and a warning before Meta retires the configured one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from socialbot.networks.facebook import FacebookSettings
from socialbot.networks.facebook.versions import CURRENT, RETIRED_ON, version_warning
from tests.conftest import ROOT
from tests.test_cli import socialbot
from tests.test_config import SANDBOX_ENV


@pytest.mark.parametrize(
    ("version", "today", "expected"),
    [
        ("v21.0", date(2026, 12, 2), "is retired by Meta on 21 January 2027 (in 50 days)"),
        ("v21.0", date(2026, 10, 1), None),
        ("v21.0", date(2027, 2, 1), "was retired by Meta on 21 January 2027"),
        ("v12.0", date(2026, 12, 2), "was retired by Meta"),
        ("v25.0", date(2026, 12, 2), None),
        (CURRENT, date(2026, 12, 2), None),
    ],
)
def test_a_version_near_its_end_is_named_with_what_to_set(
    version: str, today: date, expected: str | None
) -> None:
    warning = version_warning(version, today)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning and f'api_version = "{CURRENT}"' in warning


def test_the_default_is_current_and_not_retiring() -> None:
    assert FacebookSettings().api_version == CURRENT and CURRENT not in RETIRED_ON
    assert FacebookSettings().warnings(date(2026, 12, 2)) == []


def test_config_check_warns_about_the_configured_version(tmp_path: Path) -> None:
    text = (ROOT / "feeds.toml").read_text()
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[network.facebook]\napi_version = "v21.0"\n\n' + text
        if "[network.facebook]" not in text
        else text.replace("[network.facebook]", '[network.facebook]\napi_version = "v21.0"', 1)
    )
    result = socialbot("--config", str(path), "config", "check", env=SANDBOX_ENV)
    assert result.returncode == 0, result.stderr
    days = (RETIRED_ON["v21.0"] - date.today()).days
    if 0 <= days <= 90:
        warning = f"api_version v21.0 is retired by Meta on 21 January 2027 (in {days} days)"
        assert f"[network.facebook] warning: {warning}" in result.stdout
    elif days < 0:
        assert "api_version v21.0 was retired by Meta on 21 January 2027" in result.stdout
    else:
        assert "warning" not in result.stdout
