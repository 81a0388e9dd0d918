"""Untrusted HTML: sanitised to the allow-list, and its text with paragraphs kept."""

from __future__ import annotations

import pytest

from socialbot.networks.html import html_to_text, sanitize_html


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<p>Ballots drop <b>tomorrow</b>.</p><p>Check your inbox &amp; vote</p>",
            "Ballots drop tomorrow.\n\nCheck your inbox & vote",
        ),
        ("line<br/>break<br>two", "line\nbreak\ntwo"),
        ("<ul><li>Laura Pidcock</li><li>Ann Henderson</li></ul>", "Laura Pidcock\n\nAnn Henderson"),
        ("Labour&#8217;s NEC &nbsp; <i>slate</i>", "Labour\u2019s NEC slate"),
        ("Ballots <3 and a < b > c", "Ballots <3 and a < b > c"),
        ("<script>window.__pwned = 1</script> Ballots drop tomorrow", "Ballots drop tomorrow"),
        ("<style>p { color: red }</style>ok <!-- a comment -->", "ok"),
        ("<p title='a>b' class=x>x</p><div>y</div>", "x\n\ny"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("", ""),
        ("Plain title > with\x00 no markup", "Plain title > with no markup"),
        ("two\nlines  of  text", "two\nlines of text"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_sanitize_keeps_safe_tags_and_http_links_only() -> None:
    html = (
        '<p onclick="x()">Rally <a href="https://labourleft.org/rally/?utm_source=fb&id=3">here</a>'
        ' <a href="javascript:alert(1)">bad</a><img src="https://stats.wp.com/pixel.gif" width="1">'
        "<script>alert(2)</script><iframe src=https://evil.example></iframe></p>"
    )
    clean = sanitize_html(html)
    assert clean.startswith("<p>Rally ")
    assert 'href="https://labourleft.org/rally/?id=3"' in clean and "utm_source" not in clean
    for gone in ("onclick", "javascript:", "stats.wp.com", "<script", "alert(2)", "<iframe"):
        assert gone not in clean, gone
