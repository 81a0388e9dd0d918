"""Each network's length rules and thread splitting."""

from __future__ import annotations

import pytest

from socialbot.queue.text import measure, split_thread, too_long
from tests.conftest import ROOT

GV6 = (ROOT / "schedules" / "gv6-nec-ballot.toml").read_text().split('text = """')[1].split('"""')[0]


@pytest.mark.parametrize(
    ("network", "text", "length"),
    [
        pytest.param("twitter", "a" * 10, 10, id="x-latin"),
        pytest.param("twitter", "团" * 10, 20, id="x-cjk-counts-double"),
        pytest.param("twitter", "see https://labourleft.org/" + "a" * 100, 27, id="x-url-is-23"),
        pytest.param("bluesky", "🗳️" * 10, 10, id="bluesky-graphemes"),
        pytest.param("mastodon", "see https://labourleft.org/" + "a" * 100, 27, id="mastodon-url-is-23"),
        pytest.param("facebook", "é" * 10, 10, id="facebook-characters"),
    ],
)
def test_measure(network: str, text: str, length: int) -> None:
    assert measure(network, text) == length


def test_too_long_says_by_how_much() -> None:
    assert too_long("twitter", "x" * 312) == "32 weighted characters too long (312/280)"
    assert too_long("twitter", "x" * 280) is None
    assert too_long("bluesky", "x" * 301) == "1 graphemes too long (301/300)"


@pytest.mark.parametrize("network", ["twitter", "bluesky", "mastodon"])
def test_the_ballot_post_splits_into_numbered_parts_within_the_limit(network: str) -> None:
    parts = split_thread(network, GV6)
    assert len(parts) > 1
    for i, part in enumerate(parts, 1):
        assert part.endswith(f"({i}/{len(parts)})")
        assert too_long(network, part) is None
    assert parts[0].startswith("Tomorrow, ballots for Labour's NEC will start arriving.")
    assert "1. Laura Pidcock\n2. Ann Henderson" in "".join(parts), "lists keep their lines"
    words = [w for p in parts for w in p.rsplit(" (", 1)[0].split()]
    assert words == GV6.split(), "nothing lost, nothing repeated"


def test_a_text_that_fits_is_one_unnumbered_part() -> None:
    assert split_thread("twitter", "Ballots drop tomorrow.") == ["Ballots drop tomorrow."]
