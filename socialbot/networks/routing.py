"""Send the platform clients' own HTTP sessions to the sandbox, by rewriting hosts in their transport.

Nothing is patched: a requests adapter (tweepy, facebook-sdk, Mastodon.py, our RSS fetcher) or an
httpx transport (atproto) is handed to the library, as httpx's and requests' docs intend for
pointing a real client at another service. Without SOCIALBOT_SANDBOX_URL nothing is rewritten.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from requests.adapters import HTTPAdapter

from socialbot.networks import sandbox_prefixes

SANDBOX_ENV = "SOCIALBOT_SANDBOX_URL"


def sandbox_target(url: str, base_url: str) -> str:
    """Rewrite https://HOST/path?query to the sandbox's PREFIX/path?query."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    prefix = sandbox_prefixes().get(host) or f"web/{host}"
    target = f"{base_url.rstrip('/')}/{prefix}{parts.path or '/'}"
    return f"{target}?{parts.query}" if parts.query else target


def sandbox_url(env: Mapping[str, str] | None = None) -> str | None:
    """The sandbox base URL from the environment, or None to talk to the real platforms."""
    value = (os.environ if env is None else env).get(SANDBOX_ENV, "").strip()
    return value or None


class SandboxAdapter(HTTPAdapter):
    """A requests adapter that sends every request to the sandbox instead of its real host."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if not url.startswith(self.base_url + "/"):
            request.url = sandbox_target(url, self.base_url)
        return super().send(request, *args, **kwargs)


def route_session(session: requests.Session, base_url: str | None) -> requests.Session:
    """Mount the sandbox adapter on a library's session when base_url is set; return the session."""
    if base_url:
        adapter = SandboxAdapter(base_url)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # The sandbox is local: no proxy from the environment applies (and requests would read the
        # environment again on every request to find one).
        session.trust_env = False
    return session


class SandboxTransport(httpx.HTTPTransport):
    """An httpx transport that sends every request to the sandbox instead of its real host."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if not url.startswith(self.base_url + "/"):
            request.url = httpx.URL(sandbox_target(url, self.base_url))
            request.headers["Host"] = request.url.netloc.decode("ascii")
        return super().handle_request(request)
