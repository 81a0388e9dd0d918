"""A real WordPress RSS 2 feed (tests/recordings/rss/, laminas-feed's integration test data) through
the collector's parsing, every field of every post checked."""

from __future__ import annotations

from datetime import UTC, datetime

from socialbot.networks.rss.collect import parse_feed
from tests.conftest import ROOT

RECORDED = ROOT / "tests" / "recordings" / "rss"
URL = "http://www.norm2782.com/feed/"
ATOM = "http://www.norm2782.com/feed/atom/"


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


def test_the_same_blog_as_wordpress_atom_parses_to_the_same_post() -> None:
    (atom,), warnings = parse_feed((RECORDED / "wordpress-atom10.xml").read_bytes(), {}, ATOM)
    (rss, _), _ = parse_feed((RECORDED / "wordpress-rss2.xml").read_bytes(), {}, URL)
    assert warnings == []
    # Atom's published, not its later updated (2009-03-07), is when it was posted.
    assert atom.published_at == datetime(2009, 3, 2, 8, 9, 33, tzinfo=UTC) == rss.published_at
    assert atom.author == "norm2782" == rss.author
    assert (atom.external_id, atom.permalink, atom.tags) == (rss.external_id, rss.permalink, rss.tags)
    assert atom.text.startswith("Wth… reading books?\n\nBeing in New Zealand") and "[...]" not in atom.text
    assert atom.media == []


def test_an_rss_1_rdf_feed_without_items_is_an_empty_feed_not_an_error() -> None:
    posts, warnings = parse_feed((RECORDED / "rss10-rdf.xml").read_bytes(), {}, "https://example.org/rdf")
    assert (posts, warnings) == ([], [])


def test_the_recorded_wordpress_feed_is_fetched_over_http_and_parsed_once() -> None:
    from socialbot.networks.base import SourceRef
    from socialbot.networks.rss import RssSettings
    from socialbot.networks.rss.collect import RssCollector
    from tests.recordings.cassettes import Recorded, replaying

    body = (RECORDED / "wordpress-rss2.xml").read_text()
    answer = Recorded("GET", "/feed/", 200, {"Content-Type": ["application/rss+xml; charset=UTF-8"]}, body)
    with replaying(answer) as server:
        collector = RssCollector(RssSettings(), server.base)
        try:
            first = collector.fetch_new(SourceRef(1, "rss", URL))
            again = collector.fetch_new(SourceRef(1, "rss", URL, content_digest=first.content_digest))
        finally:
            collector.close()
    assert [p.permalink for p in first.posts] == [
        "http://www.norm2782.com/2009/03/wth-reading-books/",
        "http://www.norm2782.com/2009/02/my-first-few-weeks-in-new-zealand/",
    ]
    assert first.posts[0].author == "norm2782" and first.posts[1].media[0]["alt"] == "SF Airport"
    assert again.not_modified and again.posts == [], "the same bytes are not parsed again"
    assert [path for _, path, _ in server.requests] == ["/web/www.norm2782.com/feed/"] * 2
