"""Headers that keep untrusted post text harmless and let other sites read the feeds."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# socialbot's own pages run only socialbot's own script and styles; images may come from https.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
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
