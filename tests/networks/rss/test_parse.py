"""parse_feed on feeds as websites write them: relative links, xml:base, broken XML."""

from __future__ import annotations

import pytest

from socialbot.networks.base import Transient
from socialbot.networks.rss.collect import parse_feed

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Brent Momentum</title><link>https://brent.example.org/</link>
<item><title>Rally on Saturday</title><link>/2026/11/rally/</link><guid isPermaLink="false">rally-1</guid>
<pubDate>Sat, 21 Nov 2026 09:00:00 +0000</pubDate>
<description>&lt;p&gt;Meet at &lt;a href="https://brent.example.org/map?utm_source=rss"&gt;the park&lt;/a&gt;
&lt;/p&gt;</description>
<media:thumbnail url="/img/rally.jpg"/></item>
<item><title>Ballots drop tomorrow</title><link>https://brent.example.org/2026/11/ballots/</link>
<pubDate>Fri, 20 Nov 2026 09:00:00 +0000</pubDate>
<description>Check your inbox &amp;amp; vote</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://lrc.example.org/news/">
<title>LRC</title><id>urn:lrc</id><updated>2026-11-21T09:00:00Z</updated>
<entry><title>Conference fringe</title><id>urn:lrc:1</id><link href="fringe/"/>
<updated>2026-11-21T09:00:00Z</updated><summary>Room 4, 6pm</summary></entry>
</feed>"""


def test_relative_links_are_made_absolute_against_the_feed() -> None:
    posts, warnings = parse_feed(
        RSS, {"content-type": "application/rss+xml"}, "https://brent.example.org/feed/"
    )
    assert warnings == []
    rally, ballots = posts
    assert rally.permalink == "https://brent.example.org/2026/11/rally/"
    assert rally.link_url == "https://brent.example.org/2026/11/rally/"
    assert rally.external_id == "rally-1"
    assert rally.media == [{"type": "image", "url": "https://brent.example.org/img/rally.jpg", "alt": ""}]
    assert rally.text == "Rally on Saturday\n\nMeet at the park"
    assert 'href="https://brent.example.org/map"' in (rally.html or "")
    assert ballots.external_id == ballots.permalink == "https://brent.example.org/2026/11/ballots/"
    assert ballots.text == "Ballots drop tomorrow\n\nCheck your inbox & vote"


def test_xml_base_is_honoured() -> None:
    posts, _ = parse_feed(ATOM, {"content-type": "application/atom+xml"}, "https://lrc.example.org/feed.atom")
    assert [p.permalink for p in posts] == ["https://lrc.example.org/news/fringe/"]


def test_broken_xml_keeps_good_entries_or_fails_clearly() -> None:
    truncated = RSS.split(b"<item><title>Ballots")[0] + b"<item><title>Ballots"
    posts, warnings = parse_feed(truncated, {}, "https://brent.example.org/feed/")
    assert [p.permalink for p in posts] == ["https://brent.example.org/2026/11/rally/"]
    assert warnings and "not well-formed" in warnings[0]
    with pytest.raises(Transient, match="not a readable feed"):
        parse_feed(b"<html><body>Gone fishing", {}, "https://brent.example.org/feed/")


def test_a_link_with_a_broken_port_does_not_lose_the_feed() -> None:
    broken = RSS.replace(b"https://brent.example.org/2026/11/ballots/", b"https://brent.example.org:80x/b/")
    posts, _ = parse_feed(broken, {}, "https://brent.example.org/feed/")
    assert len(posts) == 2
    assert posts[1].permalink == "https://brent.example.org:80x/b/" and posts[1].link_url is None
