"""What socialbot posts to Bluesky links as Bluesky's own app does: URLs without the sentence's full
stop, #hashtags as tag facets (app.bsky.richtext.facet#link, #tag)."""

from __future__ import annotations

import pytest

from socialbot.networks.bluesky.publish import with_links


def facets(text: str) -> list[tuple[str, str]]:
    built = with_links(text)
    encoded = built.build_text().encode()
    found = []
    for facet in built.build_facets():
        feature = facet.features[0]
        span = encoded[facet.index.byte_start : facet.index.byte_end].decode()
        found.append((span, getattr(feature, "uri", None) or f"#{feature.tag}"))
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Join us: https://labourleft.org/rally/.",
            [("https://labourleft.org/rally/", "https://labourleft.org/rally/")],
        ),
        ("Vote #GV6, now!", [("#GV6", "#GV6")]),
        ("Ballots drop ✊ tomorrow #GV6 #NEC2026", [("#GV6", "#GV6"), ("#NEC2026", "#NEC2026")]),
        ("Year #2026 is not a tag", []),
        (
            "See https://en.wikipedia.org/wiki/Foo_(bar)).",
            [("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)")],
        ),
        (
            "A link with a fragment https://labourleft.org/page#top stays one link",
            [("https://labourleft.org/page#top", "https://labourleft.org/page#top")],
        ),
    ],
)
def test_hashtags_are_tag_facets_and_a_links_trailing_punctuation_is_left_out(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert facets(text) == expected


def mentions(text: str, known: dict[str, str]) -> list[tuple[str, str]]:
    built = with_links(text, known.get)
    encoded = built.build_text().encode()
    return [
        (encoded[f.index.byte_start : f.index.byte_end].decode(), f.features[0].did)
        for f in built.build_facets()
        if hasattr(f.features[0], "did")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks @lla.bsky.social!", [("@lla.bsky.social", "did:plc:lla")]),
        ("With @lla.bsky.social.", [("@lla.bsky.social", "did:plc:lla")]),
        ("Ask @nobody.bsky.social", []),
        ("email me@lla.bsky.social is not a mention", []),
        ("@RichardBurgon has no domain: not a Bluesky handle", []),
    ],
)
def test_mentions_of_handles_that_resolve(text: str, expected: list[tuple[str, str]]) -> None:
    assert mentions(text, {"lla.bsky.social": "did:plc:lla"}) == expected
    assert with_links(text, {"lla.bsky.social": "did:plc:lla"}.get).build_text() == text, "text unchanged"
