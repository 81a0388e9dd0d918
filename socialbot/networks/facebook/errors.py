"""Graph API errors as socialbot's network errors, for reading Pages and posting to them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import facebook
import requests

from socialbot.networks.base import AuthFailed, RateLimited, Rejected, Transient

TIMEOUT = 15
# Graph error codes (developers.facebook.com/docs/graph-api/guides/error-handling).
AUTH_CODES = {102, 190, 10, 200, 299}
RATE_CODES = {4, 17, 32, 613, 80001}
RETRY_CODES = {1, 2}


def regain_minutes(headers: Mapping[str, str]) -> int | None:
    """The minutes Graph says to wait before a throttled page or app may call again: the largest
    estimated_time_to_regain_access in X-Business-Use-Case-Usage (developers.facebook.com, "Rate
    Limits", Business Use Case headers); None when it names none."""
    raw = headers.get("X-Business-Use-Case-Usage")
    try:
        usage = json.loads(raw) if raw else {}
    except ValueError:
        return None
    minutes = [
        int(entry.get("estimated_time_to_regain_access") or 0)
        for entries in (usage.values() if isinstance(usage, dict) else [])
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    return max(minutes, default=0) or None


def remember_regain(session: requests.Session) -> Callable[[], int | None]:
    """Hook the session to keep its last answer's regain time (facebook-sdk's GraphAPIError drops the
    headers); the function reads it."""
    seen: dict[str, int | None] = {"minutes": None}

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        seen["minutes"] = regain_minutes(response.headers)

    session.hooks["response"].append(hook)
    return lambda: seen["minutes"]


@contextmanager
def graph_errors(page: str, regain: Callable[[], int | None] | None = None) -> Iterator[None]:
    """facebook-sdk's and requests' exceptions inside the block, as socialbot's network errors; a rate
    limit waits as long as the answer's usage header said (regain), else a default."""
    try:
        yield
    except facebook.GraphAPIError as exc:
        raise graph_error(page, exc, regain() if regain else None) from exc
    except requests.Timeout as exc:
        raise Transient(f"facebook: {page}: no answer in time ({exc})") from exc
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise Transient(f"facebook: {page}: {type(exc).__name__}: {exc}") from exc


def graph_error(page: str, exc: facebook.GraphAPIError, regain: int | None = None) -> Exception:
    """The socialbot error for a Graph error code."""
    code = getattr(exc, "code", None)
    where = f"facebook: {page}"
    message = str(exc.message if hasattr(exc, "message") else exc)
    if code == 100 and any(words in message.lower() for words in ("appsecret_proof", "app secret proof")):
        # Graph says it both ways; recorded: "(#100) Pages Public Content Access requires either app
        # secret proof or an app token" (tests/recordings/facebook/error_app_secret_proof.json).
        return AuthFailed(
            f"{where}: the app requires appsecret_proof (code 100): set [network.facebook] app_secret_env "
            f"to the environment variable that holds the app secret ({message})"
        )
    if code == 100 and "permission" in message:
        # Recorded (tests/recordings/facebook/error_permission.json): it cannot heal until the token
        # or the app's access changes, so the source is parked, not retried with backoff.
        return AuthFailed(
            f"{where}: the token may not read this page (code 100): give it the pages_read_engagement "
            f"permission or the app Page Public Content Access ({message})"
        )
    if code in AUTH_CODES:
        return AuthFailed(f"{where}: the token was refused (code {code}): {message}; renew it")
    if code in RATE_CODES:
        # The usage header's estimated_time_to_regain_access when it gave one; else Graph's documented
        # advice is to back off, typically for an hour or less.
        wait = timedelta(minutes=regain or 15)
        return RateLimited(f"{where}: rate limited (code {code}): {message}", datetime.now(UTC) + wait)
    if code in RETRY_CODES or code is None:
        return Transient(f"{where}: {message}")
    return Rejected(f"{where}: {message} (code {code})", f"code {code}")
