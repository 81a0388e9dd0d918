"""X's weighted length without the emoji scan over ASCII agrees with twitter-text's parse_tweet on any
text: emoji (with skin tones, ZWJ sequences, keycaps, flags), CJK, URLs with and without a scheme,
typographic punctuation, line endings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from socialbot.networks.twitter.text import parse_tweet, weighted_length

PIECES = [
    "Ballots drop tomorrow. ",
    "Check your inbox & vote #GV6 ",
    "https://example.org/gv6/how-to-vote",
    "example.org/rally",
    " labour.org.uk ",
    "😷",
    "🙋🏽",
    "👨\u200d🎤",
    "1\ufe0f\u20e3",
    "#\u20e3",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "🇬🇧",
    "日本語",
    "Labour\u2019s \u201cleft\u201d \u2013 \u2026",
    "©®™",
    "\r\n",
    "\n\n",
    "e\u0301",
    "@RichardBurgon",
    "(1/8)",
    "0",
    "☺",
    "\ufe0f",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=25))
def test_the_weighted_length_is_twitter_texts(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert weighted_length(text) == parse_tweet(text).weightedLength


def test_named_cases() -> None:
    cases = {
        "plain": ("Ballots drop tomorrow. Check your inbox & vote #GV6", 51),
        "a URL counts 23": ("Vote: https://example.org/a/very/long/path/that/goes/on/and/on", 29),
        "an emoji counts 2": ("Vote 🗳️", 7),
        "CJK counts 2": ("日本", 4),
    }
    for name, (text, expected) in cases.items():
        assert weighted_length(text) == expected == parse_tweet(text).weightedLength, name
