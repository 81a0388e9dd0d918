"""Canonical links, so the same article shared by several groups is recognised as one."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track who clicked where (Google, Facebook, Mailchimp, X, Instagram…).
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "ref_src",
    "ref_url",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "yclid",
    "twclid",
    "s_cid",
    "si",
}
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_")


def is_tracking(name: str) -> bool:
    """True for a query parameter that only tracks clicks."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


# str.isspace's characters (sre's Unicode \s is the same test), found in C rather than per character.
WHITESPACE = re.compile(r"\s")


def http_url(url: str | None) -> str | None:
    """url if it is an absolute http(s) URL (as given), else None: never javascript:, data: or relative.

    A prefix check, not urlsplit: it runs for every URL of every stored post.
    """
    if not url:
        return None
    url = url.strip()
    head = url[:8].lower()
    rest = url[8:] if head == "https://" else url[7:] if head.startswith("http://") else ""
    if not rest or rest[0] in "/?#\\" or WHITESPACE.search(rest):
        return None
    return url


# A link that is canonical already: http(s), a lower-case host with no port or user, no query or
# fragment, nothing urlsplit would strip. Most links are; every href of every feed entry comes here.
CANONICAL_ALREADY = re.compile(r"https?://[a-z0-9.-]+(/[^?#\s\x00-\x1f\x7f]*)?")


def canonical_url(url: str) -> str | None:
    """http(s) URL with lower-case host, no default port, fragment or tracking parameters; else None."""
    plain = CANONICAL_ALREADY.fullmatch(url)
    if plain is not None:
        return url if plain.group(1) else url + "/"
    return _canonical_url(url)


def _canonical_url(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        # A port that is not a number (or out of range) is a broken link, not a crash.
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    port = port if port not in (80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)]
    )
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))
