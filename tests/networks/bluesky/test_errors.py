"""atproto's exceptions as socialbot's network errors, the same for collecting and publishing."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from atproto import exceptions
from atproto_client.request import Response

from socialbot.networks.base import AuthFailed, RateLimited, Rejected, Transient
from socialbot.networks.bluesky.errors import bluesky_errors


def answer(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(success=False, status_code=status, content=b"{}", headers=headers or {})


def test_429_waits_until_the_reset_it_names() -> None:
    with pytest.raises(RateLimited) as raised, bluesky_errors("bluesky: a.bsky.social", signed_in=False):
        raise exceptions.RateLimitExceededError(answer(429, {"ratelimit-reset": "1795000000"}))
    assert raised.value.reset_at == datetime.fromtimestamp(1795000000, UTC)


@pytest.mark.parametrize(
    ("signed_in", "expected", "says"),
    [(True, AuthFailed, "app password was refused"), (False, Transient, "public AppView refused")],
)
def test_401_is_a_refused_password_only_when_signed_in(
    signed_in: bool, expected: type[Exception], says: str
) -> None:
    with pytest.raises(expected, match=says), bluesky_errors("bluesky: a.bsky.social", signed_in=signed_in):
        raise exceptions.UnauthorizedError(answer(401))


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (exceptions.BadRequestError(answer(400)), Rejected),
        (exceptions.NetworkError(), Transient),
        (httpx.ReadTimeout("slow"), Transient),
        (KeyError("feed"), Transient),
        (TypeError("'NoneType' object is not subscriptable"), Transient),
    ],
)
def test_other_failures(raised: Exception, expected: type[Exception]) -> None:
    with (
        pytest.raises(expected, match=r"^bluesky: a\.bsky\.social: "),
        bluesky_errors("bluesky: a.bsky.social", signed_in=True),
    ):
        raise raised
