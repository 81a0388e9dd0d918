"""Posting to Mastodon with Mastodon.py: statuses with an Idempotency-Key, threads by in_reply_to_id."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from socialbot.networks.base import (
    AuthFailed,
    Media,
    Published,
    RateLimited,
    Rejected,
    Transient,
    made_since,
    same_text,
)
from socialbot.networks.credentials import secrets_for
from socialbot.networks.html import html_to_text
from socialbot.networks.routing import route_session

# How long an uploaded file may stay in processing before the part is retried.
PROCESSING_WAIT = 60.0
# The API level assumed, so that Mastodon.py never asks the server's version itself: it asks before
# every upload, and an instance answer without a version it can read sent it into endless recursion
# (found replaying a recorded upload). Mastodon 4.0 (2022) has every method socialbot calls.
API_LEVEL = "4.0.0"


class MastodonPublisher:
    """One Mastodon account, user@server."""

    def __init__(
        self,
        key: str,
        handle: str,
        credentials: Mapping[str, str],
        env: Mapping[str, str],
        sandbox_url: str | None,
    ) -> None:
        token = secrets_for(key, "mastodon", credentials, env)["access_token"]
        self.handle = handle
        server = handle.rsplit("@", 1)[-1]
        self.client = Mastodon(
            api_base_url=f"https://{server}",
            access_token=token,
            request_timeout=15,
            session=route_session(requests.Session(), sandbox_url),
            ratelimit_method="throw",
            # "created": methods are checked against the level given (no request); "none" ignores
            # it, and Mastodon.py then takes the server for 1.0 and uploads to the old /api/v1/media.
            mastodon_version=API_LEVEL,
            version_check_mode="created",
        )

    def close(self) -> None:
        """Close the session."""
        self.client.session.close()

    def publish_part(
        self, text: str, thread: list[str], idempotency_key: str, media: Sequence[Media] = ()
    ) -> Published:
        """Post a status, images uploaded first; a retry with the same Idempotency-Key returns the first."""
        with mastodon_errors(self.handle, self.client):
            media_ids = [self._upload(m) for m in media]
            status = self.client.status_post(
                text,
                in_reply_to_id=thread[-1] if thread else None,
                media_ids=media_ids or None,
                idempotency_key=idempotency_key,
            )
        return Published(str(status["id"]), str(status["url"]))

    def _upload(self, media: Media) -> str:
        """Upload one file and wait until the server has processed it.

        POST /api/v2/media answers 202 with no url while the server still processes the file (videos,
        larger images), and a status naming it then is refused (422); its GET answers the url once
        it is done. Mastodon.py's own synchronous wait sleeps 5 s before each look.
        """
        attachment = self.client.media_post(
            media.read(), mime_type=media.mime_type, description=media.alt, file_name=Path(media.path).name
        )
        deadline = time.monotonic() + PROCESSING_WAIT
        pause = 0.2
        while attachment.get("url") is None:
            if time.monotonic() > deadline:
                raise Transient(
                    f"mastodon: {self.handle}: {Path(media.path).name} was still being processed "
                    f"after {PROCESSING_WAIT:.0f} s"
                )
            attachment = self.client.media(attachment["id"])
            if attachment.get("url") is None:
                time.sleep(pause)
                pause = min(pause * 2, 5.0)
        return str(attachment["id"])

    def find_recent(self, text: str, since: datetime) -> Published | None:
        """Our status with this text since then."""
        with mastodon_errors(self.handle, self.client):
            me = self.client.account_verify_credentials()
            statuses = self.client.account_statuses(me["id"], limit=40)
        for status in statuses:
            created = status["created_at"]
            created = created if isinstance(created, datetime) else datetime.fromisoformat(str(created))
            if made_since(created.astimezone(UTC), since) and same_text(
                html_to_text(status["content"]), text
            ):
                return Published(str(status["id"]), str(status["url"]))
        return None


@contextmanager
def mastodon_errors(handle: str, client: Mastodon | None = None) -> Iterator[None]:
    """Mastodon.py's exceptions as socialbot's network errors; a rate limit waits until the reset the
    server's X-RateLimit-Reset named (kept by Mastodon.py on the client), else five minutes."""
    where = f"mastodon: {handle}"
    try:
        yield
    except MastodonRatelimitError as exc:
        now = datetime.now(UTC)
        reset = getattr(client, "ratelimit_reset", None)
        until = datetime.fromtimestamp(reset, UTC) if reset and reset > now.timestamp() else None
        raise RateLimited(f"{where}: rate limited", until or now + timedelta(minutes=5)) from exc
    except MastodonUnauthorizedError as exc:
        raise AuthFailed(f"{where}: the access token was refused ({api_error_text(exc)})") from exc
    except (MastodonNetworkError, MastodonServerError) as exc:
        raise Transient(f"{where}: {type(exc).__name__}: {exc}") from exc
    except MastodonAPIError as exc:
        status = exc.args[1] if len(exc.args) > 1 else "?"
        raise Rejected(f"{where}: refused ({status}): {api_error_text(exc)}", "api error") from exc


def api_error_text(exc: MastodonAPIError) -> str:
    """Mastodon's own words for a refusal ({"error": …}), as Mastodon.py passes them on."""
    args = exc.args
    # Mastodon.py raises (message, status code, reason, error text).
    return str(args[3]) if len(args) > 3 and args[3] else str(args[2] if len(args) > 2 else exc)


def make_publisher(
    key: str,
    handle: str,
    credentials: Mapping[str, str],
    env: Mapping[str, str],
    sandbox_url: str | None,
    settings: Any,
) -> MastodonPublisher:
    """The publisher for a Mastodon account."""
    return MastodonPublisher(key, handle, credentials, env, sandbox_url)
