"""When to poll a source next: adaptive to how often it posts, backing off after errors."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

WEEK = 7 * 24 * 3600


def adaptive_interval(posts_last_week: int, minimum: int, maximum: int) -> int:
    """Seconds until the next poll: a week divided by the posts of the last week, within bounds.

    Like Miniflux's entry-frequency scheduler: an account posting hourly is polled at the minimum,
    one posting weekly at the maximum, so quiet sources cost few requests.
    """
    if posts_last_week <= 0:
        return maximum
    return max(minimum, min(maximum, WEEK // posts_last_week))


def backoff(consecutive_errors: int, base: int, cap: int, rng: random.Random | None = None) -> int:
    """Seconds to wait after the nth error in a row: doubling from base, capped, with ±20% jitter.

    Never a permanent stop: a source that keeps failing is still tried every `cap` seconds.
    """
    delay = min(cap, base * 2 ** max(consecutive_errors - 1, 0))
    return int(delay * (rng or random).uniform(0.8, 1.2))


def after(now: datetime, seconds: float) -> datetime:
    """now plus seconds."""
    return now + timedelta(seconds=seconds)
