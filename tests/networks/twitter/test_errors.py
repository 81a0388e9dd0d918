"""X's refusals as socialbot's errors: one mapping for the collector and the publisher."""

from __future__ import annotations

import json

import pytest
import requests
import tweepy

from socialbot.networks.base import AuthFailed, NetworkError, RateLimited, Rejected, Transient
from socialbot.networks.twitter.errors import x_errors


def answer(status: int, body: dict[str, object]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["content-type"] = "application/json"
    return response


TIER = {
    "title": "Client Forbidden",
    "reason": "client-not-enrolled",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
    "from a Twitter developer App that is attached to a Project.",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}
REPLY = {
    "detail": "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to.",
    "title": "Forbidden",
    "status": 403,
}
DUPLICATE = {"detail": "You are not allowed to create a Tweet with duplicate content.", "title": "Forbidden"}

CASES = [
    pytest.param(
        tweepy.TooManyRequests(answer(429, {}), reset_time=2_000_000_000),
        RateLimited,
        "rate limited",
        id="429",
    ),
    pytest.param(tweepy.Unauthorized(answer(401, {"title": "Unauthorized"})), AuthFailed, "RENEW", id="401"),
    pytest.param(
        tweepy.Forbidden(answer(403, TIER)), AuthFailed, "access tier cannot read timelines", id="tier"
    ),
    pytest.param(
        tweepy.Forbidden(answer(403, REPLY)),
        Rejected,
        "refused the thread's next part as a reply",
        id="reply-rule",
    ),
    pytest.param(tweepy.Forbidden(answer(403, DUPLICATE)), Rejected, "duplicate content", id="duplicate"),
    pytest.param(tweepy.NotFound(answer(404, {})), Rejected, "not found", id="404"),
    pytest.param(
        tweepy.BadRequest(answer(400, {"errors": [{"message": "too long"}]})), Rejected, "too long", id="400"
    ),
    pytest.param(tweepy.TwitterServerError(answer(503, {})), Transient, "X server error 503", id="5xx"),
    pytest.param(requests.ReadTimeout(), Transient, "no answer in time", id="timeout"),
    pytest.param(ValueError("Expecting value"), Transient, "Expecting value", id="malformed-json"),
]


@pytest.mark.parametrize(("raised", "kind", "message"), CASES)
def test_x_errors(raised: Exception, kind: type[NetworkError], message: str) -> None:
    with pytest.raises(kind, match=message), x_errors("ph_lla", "RENEW", "cannot read timelines"):
        raise raised


def test_duplicates_and_reply_refusals_carry_their_reason() -> None:
    for body, reason in ((DUPLICATE, "duplicate"), (REPLY, "reply refused")):
        with pytest.raises(Rejected) as caught, x_errors("ph_lla", "RENEW", "cannot post"):
            raise tweepy.Forbidden(answer(403, body))
        assert caught.value.reason == reason
