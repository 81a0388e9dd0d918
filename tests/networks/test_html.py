"""Untrusted HTML: sanitised to the allow-list, and its text with paragraphs kept."""

from __future__ import annotations

import pytest

from socialbot.networks.html import html_to_text, sanitize_html, sanitize_with_text

CASES = [
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
]


@pytest.mark.parametrize(("html", "text"), CASES)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


# Markup sanitising keeps, drops or rewrites, with the characters a tag-stripping pattern could trip on.
AWKWARD = [
    '<p>Rally <a href="https://labourleft.org/a?q=1&amp;b=%3E" title="x > y &quot;z&quot;">here</a></p>',
    '<img src="https://labourleft.org/rally.jpg" alt="a <b> & c > d">Photo<br>caption',
    "<blockquote><p>quoted</p></blockquote><pre>  pre  </pre><h2>Head</h2><hr>after",
    "<figure><img src=https://x.example/i.png alt='>'><figcaption>Cap &amp; tion</figcaption></figure>",
    "<ol><li>one<li>two</ol><table><tr><td>cell</td></tr></table><div>div</div>",
    "a &lt;script&gt; b <code>&lt;p&gt;</code> <!-- <p>hidden</p> --> c",
    "<p>nbsp&nbsp;&nbsp;here &#x27;quoted&#x27; \u202eRTL</p><s>gone</s><u>under</u>",
    '<a href="javascript:alert(1)">bad</a><a href="https://ok.example/">o"k</a>',
]


@pytest.mark.parametrize("html", [html for html, _ in CASES] + AWKWARD)
def test_sanitize_with_text_agrees_with_html_to_text(html: str) -> None:
    safe, text = sanitize_with_text(html)
    assert safe == sanitize_html(html)
    assert text == html_to_text(safe)


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
