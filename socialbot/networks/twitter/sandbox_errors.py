"""The sandbox's X error answers, in the shapes X API v2 gives them (docs.x.com/x-api, "Error
responses") and tweepy reads: RFC 7807 problems, "errors" arrays, and 429s that name their reset."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from socialbot.sandbox.http import json_response

INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length see "
    "https://github.com/twitter/twitter-text."
)


def problem(title: str, status: int, detail: str = "", kind: str = "about:blank") -> dict[str, Any]:
    """An RFC 7807 problem as X writes it: title, detail (the title when none), type, status."""
    return {"title": title, "detail": detail or title, "type": kind, "status": status}


UNAUTHORIZED = problem("Unauthorized", 401)
APP_ONLY_FORBIDDEN = problem(
    "Unsupported Authentication",
    403,
    "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "https://api.twitter.com/2/problems/unsupported-authentication",
)
DUPLICATE = problem("Forbidden", 403, "You are not allowed to create a Tweet with duplicate content.")
REPLY_NOT_ALLOWED = problem(
    "Forbidden",
    403,
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
    "engaged by the author of the post you are replying to.",
)


def not_found(resource: str, parameter: str, value: str) -> dict[str, Any]:
    """The errors entry X gives (with HTTP 200) for an unknown user or tweet."""
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def invalid_request(message: str) -> dict[str, Any]:
    """X's 400 body for a malformed request."""
    return {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }


def invalid_param(name: str, value: str, message: str) -> dict[str, Any]:
    """X's 400 body naming the parameter at fault."""
    return {
        "errors": [{"parameters": {name: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }


def rate_limited(reset: int, headers: dict[str, str] | None = None) -> Response:
    """X's 429: always with x-rate-limit-reset, or tweepy's wait_on_rate_limit spins."""
    headers = {
        "x-rate-limit-limit": "1",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset),
        **(headers or {}),
    }
    headers["x-rate-limit-remaining"] = "0"
    return json_response(problem("Too Many Requests", 429), 429, headers)
