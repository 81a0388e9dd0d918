"""Posting to Mastodon with Mastodon.py: statuses with an Idempotency-Key, threads by in_reply_to_id."""

from __future__ import annotations

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
            version_check_mode="none",
        )

    def close(self) -> None:
        """Close the session."""
        self.client.session.close()

    def publish_part(
        self, text: str, thread: list[str], idempotency_key: str, media: Sequence[Media] = ()
    ) -> Published:
        """Post a status, images uploaded first; a retry with the same Idempotency-Key returns the first."""
        with mastodon_errors(self.handle):
            media_ids = [
                self.client.media_post(
                    m.read(), mime_type=m.mime_type, description=m.alt, file_name=Path(m.path).name
                )["id"]
                for m in media
            ]
            status = self.client.status_post(
                text,
                in_reply_to_id=thread[-1] if thread else None,
                media_ids=media_ids or None,
                idempotency_key=idempotency_key,
            )
        return Published(str(status["id"]), str(status["url"]))

    def find_recent(self, text: str, since: datetime) -> Published | None:
        """Our status with this text since then."""
        with mastodon_errors(self.handle):
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
def mastodon_errors(handle: str) -> Iterator[None]:
    """Mastodon.py's exceptions as socialbot's network errors."""
    where = f"mastodon: {handle}"
    try:
        yield
    except MastodonRatelimitError as exc:
        raise RateLimited(f"{where}: rate limited", datetime.now(UTC) + timedelta(minutes=5)) from exc
    except MastodonUnauthorizedError as exc:
        raise AuthFailed(f"{where}: the access token was refused") from exc
    except (MastodonNetworkError, MastodonServerError) as exc:
        raise Transient(f"{where}: {type(exc).__name__}: {exc}") from exc
    except MastodonAPIError as exc:
        raise Rejected(f"{where}: {exc}", "api error") from exc


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
