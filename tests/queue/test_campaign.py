"""Campaign files: errors with file, line and key; DST refused, not guessed; recurrences in local time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialbot.config import Config, load_config
from socialbot.queue.campaign import load_campaign
from socialbot.tomlfile import ConfigError
from tests.conftest import ROOT
from tests.test_config import SANDBOX_ENV

HEAD = 'campaign = "test"\ntargets = ["network-x", "network-facebook"]\n\n[[post]]\nkey = "p"\n'


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "feeds.toml", SANDBOX_ENV)


def campaign_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "test.toml"
    path.write_text(HEAD + body)
    return path


def errors(tmp_path: Path, config: Config, body: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_campaign(campaign_file(tmp_path, body), config)
    return raised.value.lines


@pytest.mark.parametrize("path", sorted((ROOT / "schedules").glob("*.toml")), ids=lambda p: p.stem)
def test_the_shipped_campaigns_are_valid(config: Config, path: Path) -> None:
    campaign = load_campaign(path, config)
    assert campaign.posts and all(post.deliveries for post in campaign.posts)


BAD = [
    pytest.param(
        'at = 2025-10-26T01:30:00\ntext = "x"', ":6:", "happens twice in Europe/London", id="dst-ambiguous"
    ),
    pytest.param(
        'at = 2026-03-29T01:30:00\ntext = "x"', ":6:", "does not exist in Europe/London", id="dst-missing"
    ),
    pytest.param(
        'at = 2026-12-01T09:00:00\ntext = "' + "x" * 300 + '"',
        ":7: post[0] ('p').text",
        "text for network-x (X) is 20 weighted characters too long (300/280)",
        id="too-long-for-x",
    ),
    pytest.param(
        'at = 2026-12-01T09:00:00\ntargets = ["network-tiktok"]\ntext = "x"',
        ":7: post[0] ('p').targets",
        "unknown account 'network-tiktok'",
        id="unknown-account",
    ),
    pytest.param(
        'at = 2026-12-01T09:00:00\nnot_after = 2026-12-01T08:00:00\ntext = "x"',
        ":7: post[0] ('p').not_after",
        "not_after (01 Dec 08:00) is before at (01 Dec 09:00)",
        id="not-after-before-at",
    ),
    pytest.param('text = "x"', ":4:", "give either at (once) or cron", id="no-time"),
    pytest.param('cron = "0 9 * * *"\ntext = "x"', "cron", "needs start and end", id="cron-without-bounds"),
    pytest.param(
        'cron = "every morning"\nstart = 2026-12-01\nend = 2026-12-02\ntext = "x"',
        "cron",
        "not a cron expression",
        id="bad-cron",
    ),
    pytest.param("at = 2026-12-01T09:00:00", "text", "a post needs text", id="no-text"),
    pytest.param(
        'at = 2026-12-01T09:00:00\ntext = "x"\ncolour = "red"',
        ":8: post[0] ('p').colour",
        "unknown key 'colour'",
        id="unknown-key",
    ),
    pytest.param('at = "tomorrow"\ntext = "x"', "post[0] ('p').at", "", id="wrong-type"),
]


@pytest.mark.parametrize(("body", "where", "message"), BAD)
def test_bad_campaigns_name_file_line_and_key(
    tmp_path: Path, config: Config, body: str, where: str, message: str
) -> None:
    lines = errors(tmp_path, config, body)
    assert any(
        line.startswith(str(tmp_path / "test.toml")) and where in line and message in line for line in lines
    ), lines


def test_nine_the_morning_after_the_clocks_change_is_nine_local(tmp_path: Path, config: Config) -> None:
    spring = load_campaign(campaign_file(tmp_path, 'at = 2026-03-30T09:00:00\ntext = "x"'), config)
    autumn = load_campaign(campaign_file(tmp_path, 'at = 2026-10-26T09:00:00\ntext = "x"'), config)
    assert spring.posts[0].deliveries[0].due_at == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # BST
    assert autumn.posts[0].deliveries[0].due_at == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # GMT


def test_a_daily_reminder_stays_at_nine_local_across_the_change(tmp_path: Path, config: Config) -> None:
    body = (
        'cron = "0 9 * * *"\nstart = 2026-10-23\nend = 2026-10-28\nexpires_after = "2h"\ntext = "Vote #GV6"'
    )
    campaign = load_campaign(campaign_file(tmp_path, body), config)
    x = [d for d in campaign.posts[0].deliveries if d.account == "network-x"]
    assert [d.local_time.hour for d in x] == [9] * 6
    # The clocks go back early on Sunday 25 October 2026: 09:00 is 08:00 UTC before, 09:00 UTC after.
    assert [d.due_at.hour for d in x] == [8, 8, 9, 9, 9, 9]
    assert [d.occurrence for d in x][:2] == ["2026-10-23T09:00", "2026-10-24T09:00"]
    assert all((d.not_after - d.due_at).total_seconds() == 7200 for d in x if d.not_after)


def test_auto_threads_go_whole_to_facebook(tmp_path: Path, config: Config) -> None:
    body = 'at = 2026-12-01T09:00:00\nthread = "auto"\ntext = "' + "Vote for the slate. " * 30 + '"'
    deliveries = load_campaign(campaign_file(tmp_path, body), config).posts[0].deliveries
    parts = {d.account: d.parts for d in deliveries}
    assert len(parts["network-facebook"]) == 1 and len(parts["network-x"]) > 1


NIGHTLY = 'cron = "30 1 * * *"\ntext = "{date}: the night shift votes #GV6"\n'
SPRING = "start = 2027-03-27\nend = 2027-03-29\n"  # the clocks go forward at 01:00 GMT on 28 March
AUTUMN = "start = 2027-10-30\nend = 2027-11-01\n"  # and back at 02:00 BST on 31 October


def local_times(tmp_path: Path, config: Config, body: str) -> list[str]:
    campaign = load_campaign(campaign_file(tmp_path, body), config)
    return sorted(
        {d.due_at.astimezone(campaign.zone).strftime("%d %b %H:%M %Z") for d in campaign.posts[0].deliveries}
    )


@pytest.mark.parametrize(("dates", "night"), [(SPRING, "28 March 2027"), (AUTUMN, "31 October 2027")])
def test_a_recurring_post_in_the_changing_hour_is_refused_naming_the_night(
    tmp_path: Path, config: Config, dates: str, night: str
) -> None:
    (line,) = errors(tmp_path, config, NIGHTLY + dates)
    assert f"cron: 01:30 on {night} " in line and 'on_clock_change = "skip", "earlier" or "later"' in line


@pytest.mark.parametrize(
    ("dates", "policy", "expected"),
    [
        (SPRING, "skip", ["27 Mar 01:30 GMT", "29 Mar 01:30 BST"]),
        (SPRING, "earlier", ["27 Mar 01:30 GMT", "28 Mar 00:30 GMT", "29 Mar 01:30 BST"]),
        (SPRING, "later", ["27 Mar 01:30 GMT", "28 Mar 02:30 BST", "29 Mar 01:30 BST"]),
        (AUTUMN, "skip", ["01 Nov 01:30 GMT", "30 Oct 01:30 BST"]),
        (AUTUMN, "earlier", ["01 Nov 01:30 GMT", "30 Oct 01:30 BST", "31 Oct 01:30 BST"]),
        (AUTUMN, "later", ["01 Nov 01:30 GMT", "30 Oct 01:30 BST", "31 Oct 01:30 GMT"]),
    ],
    ids=["spring-skip", "spring-earlier", "spring-later", "autumn-skip", "autumn-earlier", "autumn-later"],
)
def test_on_clock_change_picks_one_moment_never_two(
    tmp_path: Path, config: Config, dates: str, policy: str, expected: list[str]
) -> None:
    body = NIGHTLY + dates + f'on_clock_change = "{policy}"\n'
    assert local_times(tmp_path, config, body) == expected
    campaign = load_campaign(campaign_file(tmp_path, body), config)
    for account in ("network-x", "network-facebook"):
        mine = [d for d in campaign.posts[0].deliveries if d.account == account]
        assert len({d.occurrence for d in mine}) == len(mine) == len(expected), "one delivery per night"
