"""atproto's and httpx's exceptions as socialbot's network errors, for collecting and publishing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
from atproto import exceptions

from socialbot.networks.base import AuthFailed, RateLimited, Rejected, Transient

# When a 429 carries no ratelimit-reset header.
DEFAULT_WAIT = timedelta(minutes=5)


@contextmanager
def bluesky_errors(where: str, *, signed_in: bool) -> Iterator[None]:
    """Translate what the block raises; `where` starts each message ("bluesky: HANDLE").

    A 401 means the app password was refused only when signed in. The collector reads the public
    AppView, which needs no account: there a 401 is the service's passing trouble, tried again.
    """
    try:
        yield
    except exceptions.RateLimitExceededError as exc:
        reset = exc.response.headers.get("ratelimit-reset") if exc.response else None
        at = datetime.fromtimestamp(int(reset), UTC) if reset else datetime.now(UTC) + DEFAULT_WAIT
        raise RateLimited(f"{where}: rate limited", at) from exc
    except exceptions.UnauthorizedError as exc:
        if signed_in:
            raise AuthFailed(f"{where}: the app password was refused") from exc
        raise Transient(f"{where}: the public AppView refused a read (401: {exc})") from exc
    except exceptions.BadRequestError as exc:
        raise Rejected(f"{where}: {exc}", "bad request") from exc
    except (exceptions.InvokeTimeoutError, httpx.TimeoutException) as exc:
        raise Transient(f"{where}: no answer in time (read_timeout)") from exc
    # A malformed answer surfaces as ValueError, KeyError or TypeError where its fields are read.
    except (exceptions.AtProtocolError, httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise Transient(f"{where}: {type(exc).__name__}: {exc}") from exc
