"""Feed shapes real sites send: WordPress's media:content, an article's inline image, FeedBurner's
origLink (the RSS 2.0 and Media RSS specifications; feedparser's keys for them)."""

from __future__ import annotations

import feedparser

from socialbot.networks.rss.collect import PARSE_OPTIONS, entry_to_post

FEED = "https://labourleft.org/feed/"


def parsed(item: str) -> object:
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>Labour Left Alliance</title><link>https://labourleft.org/</link>
<item>{item}</item></channel></rss>"""
    entries = feedparser.parse(body.encode(), **PARSE_OPTIONS).entries
    return entry_to_post(entries[0], FEED, "Labour Left Alliance")


def test_media_content_images_are_kept() -> None:
    post = parsed(
        "<title>Rally</title><link>https://labourleft.org/rally/</link><guid>r1</guid>"
        '<media:content url="https://labourleft.org/wp-content/uploads/rally.jpg" medium="image"/>'
        '<media:content url="https://labourleft.org/wp-content/uploads/talk.mp3" medium="audio"/>'
        "<description>Join us</description>"
    )
    assert [m["url"] for m in post.media] == ["https://labourleft.org/wp-content/uploads/rally.jpg"]  # type: ignore[attr-defined]


def test_the_first_inline_image_of_the_content_when_there_is_no_other() -> None:
    post = parsed(
        "<title>Fringe</title><link>https://labourleft.org/fringe/</link><guid>f1</guid>"
        "<content:encoded><![CDATA[<p>Meet us.</p><p>"
        '<img src="https://labourleft.org/wp-content/uploads/hall.jpg" alt="The hall"></p>'
        "]]></content:encoded>"
    )
    assert post.media == [
        {"type": "image", "url": "https://labourleft.org/wp-content/uploads/hall.jpg", "alt": "The hall"}
    ]  # type: ignore[attr-defined]


def test_feedburner_orig_link_is_the_permalink() -> None:
    post = parsed(
        "<title>Statement</title><link>https://feeds.feedburner.com/~r/lla/~3/abc/</link><guid>s1</guid>"
        "<feedburner:origLink>https://labourleft.org/statement/</feedburner:origLink><description>x</description>"
    )
    assert post.permalink == "https://labourleft.org/statement/"  # type: ignore[attr-defined]
    assert post.link_url == "https://labourleft.org/statement/"  # type: ignore[attr-defined]
