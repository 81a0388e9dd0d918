"""Which URLs may become links, and canonical forms for dedup."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialbot.networks.links import _canonical_url, canonical_url, http_url
from socialbot.sandbox.content import SHARED_LINKS


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
        pytest.param("http://example.org:80x/", None, id="port-not-a-number"),
        pytest.param("http://example.org:99999/", None, id="port-out-of-range"),
    ],
)
def test_canonical_url(url: str, canonical: str | None) -> None:
    assert canonical_url(url) == canonical


# Text that looks like links, and the characters where the two paths could part ways: case, ports,
# users, queries, fragments, whitespace (inside and at the ends), controls and non-ASCII.
URL_TEXT = st.text(
    alphabet=st.sampled_from("abcXYZ019.-/:?#@&=_%~ \t\n\r\x00\x0b\x1f\x7f\x85\xa0\u2028\u3000éß☭"),
    max_size=30,
)
LINKS = st.builds(
    lambda scheme, host, rest: f"{scheme}://{host}{rest}",
    st.sampled_from(["http", "https", "HTTP", "Https", "ftp"]),
    st.text(alphabet=st.sampled_from("abcXYZ019.-:@[]é"), max_size=12),
    URL_TEXT,
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(LINKS, URL_TEXT, st.sampled_from(SHARED_LINKS)))
def test_canonical_url_fast_path_agrees_with_the_full_one(url: str) -> None:
    assert canonical_url(url) == _canonical_url(url)
