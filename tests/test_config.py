"""feeds.toml validation: the shipped file, and every kind of bad input with its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialbot.config import ConfigError, load_config, parse_duration
from socialbot.networks.credentials import missing_secrets, sandbox_credentials
from tests.conftest import DATA, ROOT

# The sandbox's fake value for every secret the shipped feeds.toml names.
SANDBOX_ENV = sandbox_credentials(load_config(ROOT / "feeds.toml", {}))

MINIMAL = """\
[settings]
timezone = "Europe/London"

[[group]]
slug = "brent-momentum"
name = "Brent Momentum"

[[group.source]]
network = "twitter"
handle = "brentmomentum"

[[account]]
key = "network-x"
network = "twitter"
handle = "network"
[account.credentials]
api_key = "X_KEY"
api_secret = "X_SECRET"
access_token = "X_TOKEN"
access_token_secret = "X_TOKEN_SECRET"
"""
ENV = {"X_KEY": "k", "X_SECRET": "s", "X_TOKEN": "t", "X_TOKEN_SECRET": "ts", "SOCIALBOT_X_BEARER_TOKEN": "b"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_for(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text), ENV)
    return raised.value.lines


def test_shipped_feeds_toml_is_valid_with_the_sandbox_env() -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    assert missing_secrets(config, SANDBOX_ENV) == []
    assert config.timezone.key == "Europe/London"
    assert {a.network for a in config.accounts} == {"twitter", "facebook", "bluesky", "mastodon"}


def test_shipped_feeds_toml_has_every_supporting_organisation() -> None:
    supporters = [
        line
        for line in (DATA / "supporters.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    assert sorted(g.name for g in config.groups) == sorted(supporters)
    assert all(g.source for g in config.groups), "every group has at least one source"


def test_placeholders_are_marked_in_the_shipped_file() -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    for group in config.groups:
        for source in group.source:
            if "placeholder" in source.locator or source.locator.startswith("ph_"):
                assert source.placeholder, f"{group.slug}: {source.locator} looks made up but is not marked"


def test_a_valid_minimal_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), ENV)
    assert [g.slug for g in config.groups] == ["brent-momentum"]
    assert config.groups[0].source[0].locator == "brentmomentum"
    assert config.collect_interval == 600
    assert config.database_url == "sqlite:///socialbot.db"


def test_environment_and_option_choose_the_database(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert (
        load_config(path, {**ENV, "SOCIALBOT_DATABASE_URL": "postgresql://db/x"}).database_url
        == "postgresql://db/x"
    )
    assert (
        load_config(
            path, {**ENV, "SOCIALBOT_DATABASE_URL": "postgresql://db/x"}, "sqlite:///o.db"
        ).database_url
        == "sqlite:///o.db"
    )


BAD_INPUTS = [
    pytest.param('name = "Brent Momentum', ":6:", "TOML syntax error", id="syntax-error"),
    pytest.param(
        'name = "Brent Momentum"\ncolour = "red"',
        ":7: group[0] ('brent-momentum').colour",
        "unknown key 'colour'",
        id="unknown-key",
    ),
    pytest.param(
        "name = 5",
        ":6: group[0] ('brent-momentum').name",
        "expected a string, got integer 5",
        id="wrong-type",
    ),
    pytest.param(
        'name = "Brent Momentum"\n\n[[group]]\nslug = "brent-momentum"\nname = "Again"',
        ":9: group[1] ('brent-momentum').slug",
        "duplicate slug 'brent-momentum'",
        id="duplicate-slug",
    ),
    pytest.param(
        'name = "Brent Momentum"\n\n[[group]]\nslug = "x"\nname = "X"\n'
        '[[group.source]]\nnetwork = "myspace"\nhandle = "x"',
        ":12: group[1] ('x').source[0].network",
        "unknown network 'myspace'; expected one of: ",
        id="unknown-network",
    ),
    pytest.param(
        'name = "Brent Momentum"\nwebsite = "ftp://example.org"',
        ":7:",
        "must be an http:// or https:// URL",
        id="bad-website",
    ),
    pytest.param(
        'name = "Brent Momentum"\n\n[[group]]\nslug = "Has Spaces"\nname = "X"',
        ":9: group[1]",
        "lower-case letters",
        id="bad-slug",
    ),
]


@pytest.mark.parametrize(("replacement", "where", "message"), BAD_INPUTS)
def test_bad_group_input_names_file_line_and_key(
    tmp_path: Path, replacement: str, where: str, message: str
) -> None:
    text = MINIMAL.replace('name = "Brent Momentum"', replacement)
    lines = errors_for(tmp_path, text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(str(tmp_path / "feeds.toml"))
    assert where in lines[0]
    assert message in lines[0]


SOURCE_ERRORS = [
    pytest.param(
        'network = "twitter"\npage = "brent"',
        "source[0].page",
        "is named by 'handle', not 'page'",
        id="wrong-locator-field",
    ),
    pytest.param(
        'network = "twitter"\nhandle = "not a handle!"',
        "source[0].handle",
        "not a valid X handle",
        id="invalid-handle",
    ),
    pytest.param('network = "rss"', "source[0].url", "missing; a rss source needs url", id="missing-url"),
]


@pytest.mark.parametrize(("source", "where", "message"), SOURCE_ERRORS)
def test_bad_sources(tmp_path: Path, source: str, where: str, message: str) -> None:
    text = MINIMAL.replace('network = "twitter"\nhandle = "brentmomentum"', source)
    lines = errors_for(tmp_path, text)
    assert any(where in line and message in line for line in lines), lines


def test_the_same_source_twice_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "[[account]]",
        '[[group]]\nslug = "b"\nname = "B"\n[[group.source]]\n'
        'network = "twitter"\nhandle = "BrentMomentum"\n\n[[account]]',
    )
    lines = errors_for(tmp_path, text)
    assert "is already a source of brent-momentum" in lines[0]


SETTINGS_ERRORS = [
    pytest.param(
        'timezone = "Europe/Londn"',
        "settings.timezone",
        "unknown time zone 'Europe/Londn'",
        id="bad-zone",
    ),
    pytest.param(
        'timezone = "Europe/London"\ncollect_interval = "often"',
        "settings.collect_interval",
        "must be a positive number and a unit",
        id="bad-duration",
    ),
    pytest.param(
        'timezone = "Europe/London"\ndatabase_url = 5',
        "settings.database_url",
        "expected a string",
        id="wrong-type-url",
    ),
]


@pytest.mark.parametrize(("settings", "where", "message"), SETTINGS_ERRORS)
def test_bad_settings(tmp_path: Path, settings: str, where: str, message: str) -> None:
    lines = errors_for(tmp_path, MINIMAL.replace('timezone = "Europe/London"', settings))
    assert len(lines) == 1 and where in lines[0] and message in lines[0], lines


ACCOUNT_ERRORS = [
    pytest.param(
        'api_key = "X_KEY"',
        'api_key = "sk-live-abc123"',
        "account[0] ('network-x').credentials.api_key",
        "NAME of an environment variable",
        id="secret-in-file",
    ),
    pytest.param(
        'api_key = "X_KEY"\n',
        "",
        "account[0] ('network-x').credentials",
        "missing 'api_key'",
        id="missing-credential",
    ),
    pytest.param(
        'api_key = "X_KEY"',
        'api_key = "X_KEY"\npassword = "X_PW"',
        "credentials.password",
        "unknown credential",
        id="unknown-credential",
    ),
    pytest.param(
        'network = "twitter"\nhandle = "network"',
        'network = "rss"\nhandle = "network"',
        "account[0] ('network-x').network",
        "cannot publish to rss",
        id="read-only-network",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "message"), ACCOUNT_ERRORS)
def test_bad_accounts(tmp_path: Path, old: str, new: str, where: str, message: str) -> None:
    head, tail = MINIMAL.split("[[account]]")
    lines = errors_for(tmp_path, head + "[[account]]" + tail.replace(old, new, 1))
    assert any(where in line and message in line for line in lines), lines


def test_missing_environment_variable_is_named(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), ENV)
    lines = missing_secrets(config, {k: v for k, v in ENV.items() if k != "X_TOKEN"})
    assert lines == [
        f"{tmp_path / 'feeds.toml'}: account 'network-x' (twitter): "
        "environment variable X_TOKEN for access_token is not set"
    ]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = MINIMAL.replace('timezone = "Europe/London"', 'timezone = "Mars/Base"').replace(
        'name = "Brent Momentum"', 'name = "Brent Momentum"\ncolour = "red"'
    )
    assert len(errors_for(tmp_path, text)) == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file; pass --config or set SOCIALBOT_CONFIG"):
        load_config(tmp_path / "absent.toml", {})


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86400)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0m", "10", "m", "-5m", "10 minutes"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="must be a positive number and a unit"):
        parse_duration(text)


def test_read_token_of_a_network_with_sources_is_required(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), ENV)
    lines = missing_secrets(config, {k: v for k, v in ENV.items() if k != "SOCIALBOT_X_BEARER_TOKEN"})
    assert lines == [
        f"{tmp_path / 'feeds.toml'}: [network.twitter] bearer_token_env: environment variable "
        "SOCIALBOT_X_BEARER_TOKEN is not set (needed to collect the X sources)"
    ]


NETWORK_ERRORS = [
    pytest.param(
        "[network.myspace]\nx = 1", ":22: network.myspace", "unknown network 'myspace'", id="unknown-network"
    ),
    pytest.param(
        '[network.facebook]\napi_version = "2.8"',
        ":23: network.facebook.api_version",
        "should match pattern",
        id="bad-version",
    ),
    pytest.param(
        '[network.rss]\nmax_bytes = "big"',
        ":23: network.rss.max_bytes",
        "expected an integer",
        id="wrong-type",
    ),
    pytest.param(
        '[network.twitter]\ntoken = "abc"',
        ":23: network.twitter.token",
        "unknown key 'token'",
        id="unknown-key",
    ),
]


@pytest.mark.parametrize(("table", "where", "message"), NETWORK_ERRORS)
def test_bad_network_tables(tmp_path: Path, table: str, where: str, message: str) -> None:
    lines = errors_for(tmp_path, MINIMAL + "\n" + table + "\n")
    assert len(lines) == 1 and where in lines[0] and message in lines[0], lines


def test_network_settings_have_defaults_and_overrides(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + '\n[network.facebook]\napi_version = "v22.0"\n'), ENV)
    assert config.network("facebook").api_version == "v22.0"
    assert config.network("twitter").bearer_token_env == "SOCIALBOT_X_BEARER_TOKEN"
