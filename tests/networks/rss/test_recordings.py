"""A real WordPress RSS 2 feed (tests/recordings/rss/, laminas-feed's integration test data) through
the collector's parsing, every field of every post checked."""

from __future__ import annotations

from datetime import UTC, datetime

from socialbot.networks.rss.collect import parse_feed
from tests.conftest import ROOT

RECORDED = ROOT / "tests" / "recordings" / "rss"
URL = "http://www.norm2782.com/feed/"


def test_a_recorded_wordpress_feed_parses_with_every_field() -> None:
    posts, warnings = parse_feed((RECORDED / "wordpress-rss2.xml").read_bytes(), {}, URL)
    assert warnings == [] and len(posts) == 2
    books, weeks = posts
    assert books.external_id == "http://www.norm2782.com/?p=114", "the guid, though not a permalink"
    assert books.permalink == "http://www.norm2782.com/2009/03/wth-reading-books/"
    assert books.link_url == "http://www.norm2782.com/2009/03/wth-reading-books/"
    assert books.author == "norm2782", "dc:creator"
    assert books.published_at == datetime(2009, 3, 2, 8, 9, 33, tzinfo=UTC)
    # The title, then content:encoded (not the cut description with its "[...]"), as plain text.
    assert books.text.startswith("Wth… reading books?\n\nBeing in New Zealand does strange things")
    assert "[...]" not in books.text and "Implementation Patterns, by Kent Beck" in books.text
    assert books.html is not None and 'href="http://www.amazon.com/Agile-Software-Development' in books.html
    assert books.media == [], "no image in it"
    # The first inline image, with its alt text.
    assert weeks.media == [
        {
            "type": "image",
            "url": "http://farm4.static.flickr.com/3403/3232983613_637af46bc3.jpg?v=0",
            "alt": "SF Airport",
        }
    ]
    assert weeks.published_at == datetime(2009, 2, 15, 3, 29, 21, tzinfo=UTC)
    assert weeks.html is not None and "<script" not in weeks.html
