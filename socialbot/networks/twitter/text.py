"""X's weighted length (twitter-text v3), computed as twitter-text's parse_tweet does, without its
emoji scan over plain ASCII: that scan (one huge regular expression tried at every character) is
nine tenths of parse_tweet's time, and an emoji is made of non-ASCII characters (a keycap starts with
one ASCII character: "1️⃣"), so it is run over each stretch of non-ASCII text only.

tests/networks/twitter/test_text.py checks it against parse_tweet on any text (hypothesis).
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from typing import Any

LINE_ENDINGS = re.compile(r"\r\n|\r|\n")
NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.cache
def _library() -> tuple[Any, Any, Any, dict[str, Any]]:
    # Imported when first needed: twitter_text's tables take 0.4 s to load (every CLI command and
    # the sandbox's start-up would wait for them). It reads them through pkg_resources, which
    # setuptools 80.9 and later warn about on import (pyproject.toml keeps setuptools below 81).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        from twitter_text import parse_tweet
        from twitter_text.config import config
        from twitter_text.extract_urls import extract_urls_with_indices
        from twitter_text.regexp.emoji import emoji
    return parse_tweet, extract_urls_with_indices, emoji, config["defaults"]


def parse_tweet(text: str) -> Any:
    """twitter-text v3's whole parse of text (validity, ranges, weighted length)."""
    return _library()[0](text)


@functools.lru_cache(maxsize=8192)
def weighted_length(text: str) -> int:
    """The weighted length X counts (parse_tweet(text).weightedLength): URLs 23, emoji 2, CJK 2.

    Cached: splitting a thread and checking it measure the same parts, and the desk's preview
    measures the same text again as the officer types."""
    _, extract_urls, emoji, options = _library()
    scale, url_weight = options["scale"], options["transformed_url_length"] * options["scale"]
    normal = LINE_ENDINGS.sub("\n", unicodedata.normalize("NFC", text))
    urls = {u["indices"][0]: u["indices"][1] for u in extract_urls(normal)}
    emojis = {}
    for run in NON_ASCII.finditer(normal):
        for match in emoji.finditer(normal, max(0, run.start() - 1), run.end()):
            emojis[match.start()] = match.end()
    weights = _weights(tuple((r["start"], r["end"], r["weight"]) for r in options["ranges"]))
    default = options["default_weight"]
    total, index = 0, 0
    while index < len(normal):
        if index in urls:
            total += url_weight
            index = urls[index]
        elif index in emojis:
            total += default
            index = emojis[index]
        else:
            total += weights(ord(normal[index]), default)
            index += 1
    return int(total / scale)


@functools.cache
def _weights(ranges: tuple[tuple[int, int, int], ...]) -> Any:
    """The weight of a code point, by twitter-text's configured ranges."""

    @functools.lru_cache(maxsize=4096)
    def weight(char: int, default: int) -> int:
        return next((w for start, end, w in ranges if start <= char <= end), default)

    return weight
