"""Which URLs may become links, and canonical forms for dedup."""

import pytest

from socialbot.networks.links import canonical_url, http_url


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        pytest.param("https://labourleft.org/appeal/", "https://labourleft.org/appeal/", id="https"),
        pytest.param("HTTP://LabourLeft.org", "HTTP://LabourLeft.org", id="http-any-case"),
        pytest.param("  https://a.org/x  ", "https://a.org/x", id="trimmed"),
        pytest.param("javascript:alert(1)", None, id="javascript"),
        pytest.param("JaVaScRiPt:alert(1)", None, id="javascript-any-case"),
        pytest.param("data:text/html,<script>", None, id="data"),
        pytest.param("//evil.example/x", None, id="scheme-relative"),
        pytest.param("/whats-new", None, id="relative"),
        pytest.param("https:///x", None, id="no-host"),
        pytest.param("https://a b", None, id="space"),
        pytest.param("https://a.org/\nb", None, id="newline"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_http_url(url: str | None, kept: str | None) -> None:
    assert http_url(url) == kept


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://WWW.Example.org:443/a?utm_medium=x&b=2&fbclid=z#top", "https://www.example.org/a?b=2"),
        (
            "https://labourleft.org/fringe-meetings/?utm_source=twitter",
            "https://labourleft.org/fringe-meetings/",
        ),
        ("http://example.org:8080", "http://example.org:8080/"),
        ("mailto:someone@example.org", None),
    ],
)
def test_canonical_url(url: str, canonical: str | None) -> None:
    assert canonical_url(url) == canonical
