"""tweepy's and requests' exceptions as socialbot's network errors, for reading and posting alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import requests
import tweepy

from socialbot.networks.base import AuthFailed, RateLimited, Rejected, Transient

# X's answers when the app's plan does not include an endpoint (e.g. timelines on the free tier).
TIER_MARKERS = (
    "client-not-enrolled",
    "access to a subset of X API",
    "not have access",
    "Unsupported Authentication",
)
# X's 2026 rule for self-serve plans: API replies only where the author mentioned you.
REPLY_REFUSED = "Reply to this conversation is not allowed"


@contextmanager
def x_errors(handle: str, refused: str, tier: str) -> Iterator[None]:
    """Translate inside the block; refused and tier say what a 401, and a plan refusal, mean here."""
    where = f"twitter: @{handle}"
    try:
        yield
    except tweepy.TooManyRequests as exc:
        headers = exc.response.headers
        if headers.get("x-user-limit-24hour-remaining") == "0" and headers.get("x-user-limit-24hour-reset"):
            # The day's posting cap, not the 15-minute window tweepy reads: waiting for the window
            # only meets the cap again, all day.
            reset = datetime.fromtimestamp(int(headers["x-user-limit-24hour-reset"]), UTC)
            raise RateLimited(
                f"{where}: X's 24-hour posting cap is reached; it resets {reset:%d %b %H:%M} UTC", reset
            ) from exc
        reset = datetime.fromtimestamp(exc.reset_time, UTC) if exc.reset_time else datetime.now(UTC)
        raise RateLimited(f"{where}: rate limited until {reset:%H:%M:%S} UTC", reset) from exc
    except tweepy.Unauthorized as exc:
        raise AuthFailed(f"{where}: {refused}") from exc
    except tweepy.Forbidden as exc:
        detail = str(exc).splitlines()[-1]
        # The markers are in the body (e.g. "reason": "client-not-enrolled"), not in tweepy's message.
        if any(marker in f"{exc.response.text} {exc}" for marker in TIER_MARKERS):
            raise AuthFailed(f"{where}: your X API access tier {tier} ({detail})") from exc
        if REPLY_REFUSED in detail:
            raise Rejected(
                f"{where}: X refused the thread's next part as a reply: {detail}", "reply refused"
            ) from exc
        raise Rejected(
            f"{where}: forbidden: {detail}", "duplicate" if "duplicate" in detail else "forbidden"
        ) from exc
    except tweepy.NotFound as exc:
        raise Rejected(f"{where}: not found", "not found") from exc
    except tweepy.BadRequest as exc:
        raise Rejected(f"{where}: {str(exc).splitlines()[-1]}", "bad request") from exc
    except tweepy.TwitterServerError as exc:
        raise Transient(f"{where}: X server error {exc.response.status_code}") from exc
    except requests.Timeout as exc:
        raise Transient(f"{where}: no answer in time") from exc
    except (requests.RequestException, ValueError) as exc:
        raise Transient(f"{where}: {type(exc).__name__}: {exc}") from exc
    except tweepy.HTTPException as exc:
        if exc.response.status_code == 402:
            # Pay-per-use plans answer 402 when the account's credits are used up.
            raise Rejected(
                f"{where}: X refused it (402 Payment Required): the X developer account's API credits are "
                "used up; top them up in the developer portal, then `socialbot queue retry`",
                "credits depleted",
            ) from exc
        raise Rejected(f"{where}: HTTP {exc.response.status_code}", "http error") from exc
