"""What every platform imitation shares: JSON answers, credential checks, rate-limit windows."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import orjson
from starlette.responses import Response

OAUTH1_PARAMS = (
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_token",
    "oauth_version",
)


def json_response(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = "application/json; charset=utf-8",
) -> Response:
    """A JSON answer, compact like the real APIs'; orjson (the sandbox answers every round of
    bench/collect.py on the same 2 cores), json for what it declines (integers beyond 64 bits)."""
    try:
        body = orjson.dumps(data)
    except TypeError:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, headers=headers, media_type=media_type)


def token_problem(token: str | None) -> str | None:
    """Why a token is refused: "missing", "expired" or "revoked"; None when it is accepted.

    The sandbox accepts any non-empty token except those starting with expired/revoked, and the
    literal "None" that a client sends when it formats a missing token into a header.
    """
    if not token or token == "None":
        return "missing"
    for problem in ("expired", "revoked"):
        if token.lower().startswith(problem):
            return problem
    return None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    if authorization and authorization.startswith("Bearer "):
        return authorization[len("Bearer ") :].strip()
    return None


def oauth1_params(authorization: str | None) -> dict[str, str] | None:
    """The parameters of a well-formed OAuth 1.0a header (RFC 5849 §3.5.1), or None.

    Form is checked, not the signature: the sandbox does not know the consumer secret.
    """
    if not authorization or not authorization.startswith("OAuth "):
        return None
    params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', authorization)}
    if any(not params.get(name) for name in OAUTH1_PARAMS):
        return None
    if params["oauth_signature_method"] != "HMAC-SHA1" or params["oauth_version"] != "1.0":
        return None
    return params


@dataclass
class Window:
    """One rate-limit window: its size, what is left, and when it resets (Unix seconds)."""

    limit: int
    remaining: int
    reset: int


class RateLimits:
    """Fixed windows per (endpoint, caller), as the platforms document them."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], Window] = {}
        self._lock = threading.Lock()

    def take(self, endpoint: str, caller: str, limit: int, seconds: int) -> Window:
        """Spend one request; the window says whether it was allowed (remaining >= 0)."""
        now = int(time.time())
        with self._lock:
            window = self._windows.get((endpoint, caller))
            if window is None or window.reset <= now:
                window = Window(limit, limit, now + seconds)
                self._windows[(endpoint, caller)] = window
            window.remaining -= 1
            return Window(window.limit, window.remaining, window.reset)

    def exhaust(self, endpoint: str, caller: str, reset_in: int) -> None:
        """Use a window up, so the next request gets a 429 (a fault)."""
        with self._lock:
            self._windows[(endpoint, caller)] = Window(1, 0, int(time.time()) + reset_in)
