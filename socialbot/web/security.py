"""Headers that keep untrusted post text harmless and let other sites read the feeds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from socialbot.config import Config

# socialbot's own pages run only socialbot's own script and styles; images may come from https.
# frame-ancestors: the embed's script is the way onto another site, not a frame (clickjacking).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ALLOWED_HOSTS_ENV = "SOCIALBOT_ALLOWED_HOSTS"
WEB_HOST_ENV = "SOCIALBOT_WEB_HOST"
# Answered for any Host: load balancers and probes ask by the machine's address, and neither
# answer holds a URL built from the Host.
ANY_HOST_PATHS = ("/healthz", "/metrics")
PRIVATE_CSP = CSP.replace("img-src 'self' https: data:", "img-src 'self' data:")
CORS_OPEN = {"Access-Control-Allow-Origin": "*"}


class SecurityHeaders:
    """Adds CSP, nosniff and referrer policy to HTML answers that do not set their own."""

    def __init__(self, app: ASGIApp, privacy_mode: bool = False, sandbox_url: str | None = None) -> None:
        self.app = app
        self.headers = self.fixed_headers(privacy_mode, sandbox_url)

    @staticmethod
    def fixed_headers(privacy_mode: bool, sandbox_url: str | None = None) -> list[tuple[bytes, bytes]]:
        """The headers this middleware adds, for answers sent without it.

        Against a sandbox, its images come from its own http://127.0.0.1:PORT: that origin is allowed
        too, or every image of a demo would be a grey box.
        """
        csp = PRIVATE_CSP if privacy_mode else CSP
        if sandbox_url and not privacy_mode:
            parts = urlsplit(sandbox_url)
            csp = csp.replace("img-src 'self'", f"img-src 'self' {parts.scheme}://{parts.netloc}")
        return [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"content-security-policy", csp.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in self.headers if name not in names)
            await send(message)

        await self.app(scope, receive, with_headers)


def allowed_hosts(config: Config, env: Mapping[str, str]) -> list[str]:
    """The Host names answered: localhost, [feed] base_url's host, the address the server is bound to
    (unless every address), [web] allowed_hosts and SOCIALBOT_ALLOWED_HOSTS (comma-separated)."""
    hosts = {"localhost", "127.0.0.1", *config.web.allowed_hosts}
    hosts |= {h.strip() for h in env.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip()}
    if config.feed.base_url:
        hosts.add(urlsplit(config.feed.base_url).hostname or "")
    bound = env.get(WEB_HOST_ENV, "")
    if bound and bound not in ("0.0.0.0", "::"):
        hosts.add(bound)
    return sorted(h for h in hosts if h)


class TrustedHosts:
    """Starlette's TrustedHostMiddleware for every path but the health and metrics answers."""

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.checked = TrustedHostMiddleware(app, allowed_hosts=hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in ANY_HOST_PATHS:
            await self.checked(scope, receive, send)
        else:
            await self.app(scope, receive, send)
