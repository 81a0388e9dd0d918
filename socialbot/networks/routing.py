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
from socialbot.networks.base import HttpSettings

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


class ResponseTooLarge(requests.RequestException):
    """An answer larger than the network's max_bytes: refused, not read."""


class LimitedAdapter(HTTPAdapter):
    """A requests adapter with the network's limits: a default connect/read timeout for clients that
    set none (tweepy sets none, so a hung X host held a round for 600 s), and a size cap; against a
    sandbox it also sends every request there instead of its real host."""

    def __init__(self, base_url: str | None, limits: HttpSettings | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.limits = limits or HttpSettings()

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if self.base_url and not url.startswith(self.base_url + "/"):
            request.url = sandbox_target(url, self.base_url)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = (self.limits.connect_timeout, self.limits.read_timeout)
        if kwargs.get("stream"):
            return super().send(request, *args, **kwargs)
        kwargs["stream"] = True
        response = super().send(request, *args, **kwargs)
        # Read at most max_bytes + 1: a larger answer is refused before it fills memory.
        body = response.raw.read(self.limits.max_bytes + 1, decode_content=True)
        response.close()
        if len(body) > self.limits.max_bytes:
            host, cap = urlsplit(url).hostname, self.limits.max_bytes
            raise ResponseTooLarge(
                f"answer from {host} larger than {cap:,} bytes (max_bytes)", response=response
            )
        response._content = body
        return response


def route_session(
    session: requests.Session, base_url: str | None, limits: HttpSettings | None = None
) -> requests.Session:
    """Mount the limits (and, when base_url is set, the sandbox routing) on a library's session."""
    adapter = LimitedAdapter(base_url, limits)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if base_url:
        # The sandbox is local: no proxy from the environment applies (and requests would read the
        # environment again on every request to find one).
        session.trust_env = False
    return session


class SandboxTransport(httpx.HTTPTransport):
    """An httpx transport with the network's size cap that, against a sandbox, sends every request
    there instead of its real host (httpx clients set their own timeouts)."""

    def __init__(self, base_url: str | None, limits: HttpSettings | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.limits = limits or HttpSettings()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if self.base_url and not url.startswith(self.base_url + "/"):
            request.url = httpx.URL(sandbox_target(url, self.base_url))
            request.headers["Host"] = request.url.netloc.decode("ascii")
        response = super().handle_request(request)
        body = b""
        for chunk in response.stream:  # type: ignore[union-attr]
            body += chunk
            if len(body) > self.limits.max_bytes:
                response.close()
                raise httpx.ReadError(
                    f"answer from {request.url.host} larger than {self.limits.max_bytes:,} bytes (max_bytes)",
                    request=request,
                )
        response.close()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )
