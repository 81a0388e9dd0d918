"""Graph API errors as socialbot's network errors, for reading Pages and posting to them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import facebook
import requests

from socialbot.networks.base import AuthFailed, RateLimited, Rejected, Transient

TIMEOUT = 15
# Graph error codes (developers.facebook.com/docs/graph-api/guides/error-handling).
AUTH_CODES = {102, 190, 10, 200, 299}
RATE_CODES = {4, 17, 32, 613, 80001}
RETRY_CODES = {1, 2}


@contextmanager
def graph_errors(page: str) -> Iterator[None]:
    """facebook-sdk's and requests' exceptions inside the block, as socialbot's network errors."""
    try:
        yield
    except facebook.GraphAPIError as exc:
        raise graph_error(page, exc) from exc
    except requests.Timeout as exc:
        raise Transient(f"facebook: {page}: no answer in time ({exc})") from exc
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise Transient(f"facebook: {page}: {type(exc).__name__}: {exc}") from exc


def graph_error(page: str, exc: facebook.GraphAPIError) -> Exception:
    """The socialbot error for a Graph error code."""
    code = getattr(exc, "code", None)
    where = f"facebook: {page}"
    message = str(exc.message if hasattr(exc, "message") else exc)
    if code == 100 and "appsecret_proof" in message:
        return AuthFailed(
            f"{where}: the app requires appsecret_proof (code 100): set [network.facebook] app_secret_env "
            "to the environment variable that holds the app secret"
        )
    if code in AUTH_CODES:
        return AuthFailed(f"{where}: the token was refused (code {code}): {message}; renew it")
    if code in RATE_CODES:
        # Graph gives no reset time; its documented advice is to back off, typically for an hour or less.
        return RateLimited(
            f"{where}: rate limited (code {code}): {message}", datetime.now(UTC) + timedelta(minutes=15)
        )
    if code in RETRY_CODES or code is None:
        return Transient(f"{where}: {message}")
    return Rejected(f"{where}: {message} (code {code})", f"code {code}")
