"""Mastodon accounts' public statuses over the REST API, paging forward from the newest id seen (min_id).

Reads use plain HTTP on the documented public endpoints (docs.joinmastodon.org/methods/accounts/):
Mastodon.py casts every answer into typed entities, which costs ~25 ms of CPU per page and made it
the slowest reader in a round; it remains socialbot's client for publishing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from socialbot.networks.base import (
    AuthFailed,
    Fetched,
    Post,
    RateLimited,
    Rejected,
    SourceRef,
    Transient,
    secret_fingerprint,
)
from socialbot.networks.html import first_link, sanitize_with_text
from socialbot.networks.links import canonical_url
from socialbot.networks.mastodon import MastodonSettings
from socialbot.networks.per_thread import PerThread
from socialbot.networks.routing import route_session

PAGE, FIRST_FETCH, MAX_PAGES = 40, 20, 10


class MastodonCollector:
    """Reads statuses; one HTTP session per thread."""

    def __init__(self, settings: MastodonSettings, env: Mapping[str, str], sandbox_url: str | None) -> None:
        self.settings = settings
        self.token = env.get(settings.token_env, "") if settings.token_env else ""
        self.sandbox_url = sandbox_url
        self.sessions = PerThread(self._new_session, requests.Session.close)

    def credentials_fingerprint(self) -> str:
        """Changes when the (optional) token does."""
        return secret_fingerprint(self.token)

    def close(self) -> None:
        """Close every thread's session."""
        self.sessions.close()

    def _new_session(self, _: str) -> requests.Session:
        session = route_session(requests.Session(), self.sandbox_url, self.settings)
        if self.token:
            session.headers["Authorization"] = f"Bearer {self.token}"
        return session

    def _get(self, server: str, path: str, params: dict[str, Any]) -> Any:
        # The session's adapter keeps the [network.mastodon] timeouts and size cap.
        response = self.sessions.get().get(f"https://{server}/api/v1/{path}", params=params)
        where = f"mastodon: {server}"
        if response.status_code == 429:
            reset = response.headers.get("X-RateLimit-Reset")
            at = datetime.fromisoformat(reset.replace("Z", "+00:00")) if reset else None
            raise RateLimited(f"{where}: rate limited", at or datetime.now(UTC) + timedelta(minutes=5))
        if response.status_code in (401, 403):
            raise AuthFailed(f"{where}: refused ({response.status_code}): {error_text(response)}")
        if response.status_code == 404:
            raise Rejected(f"{where}: {path}: not found ({error_text(response)})", "not found")
        if response.status_code >= 500:
            raise Transient(f"{where}: server error {response.status_code}")
        if response.status_code >= 400:
            raise Rejected(f"{where}: HTTP {response.status_code}: {error_text(response)}", "http error")
        return response.json()

    def fetch_new(self, source: SourceRef) -> Fetched:
        """Statuses after the cursor (an id), oldest pages first; the newest FIRST_FETCH on a first fetch."""
        user, _, server = source.locator.partition("@")
        requests_made = 0
        try:
            account_id = source.platform_id
            if not account_id:
                account_id, requests_made = str(self._get(server, "accounts/lookup", {"acct": user})["id"]), 1
            statuses, pages = self._read(server, account_id, source)
        except requests.Timeout as exc:
            raise Transient(f"mastodon: {source.locator}: no answer in time ({exc})") from exc
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            raise Transient(f"mastodon: {source.locator}: {type(exc).__name__}: {exc}") from exc
        # Followers-only and direct statuses never enter a public feed.
        posts = [status_post(s) for s in statuses if is_public(s)]
        newest = max((int(s["id"]) for s in statuses), default=None)
        return Fetched(
            posts,
            cursor=str(newest) if newest else source.cursor,
            platform_id=account_id,
            requests=requests_made + pages,
        )

    def _read(self, server: str, account_id: str, source: SourceRef) -> tuple[list[Any], int]:
        params: dict[str, Any] = {
            "exclude_replies": str(not source.options.get("include_replies")).lower(),
            "exclude_reblogs": str(not source.options.get("include_reposts")).lower(),
        }
        path = f"accounts/{account_id}/statuses"
        if not source.cursor:
            return list(self._get(server, path, params | {"limit": FIRST_FETCH})), 1
        statuses: list[Any] = []
        cursor, pages = source.cursor, 0
        while pages < MAX_PAGES:
            # min_id pages forward from the cursor without skipping a post, however many arrived.
            page = self._get(server, path, params | {"limit": PAGE, "min_id": cursor})
            pages += 1
            statuses += page
            if len(page) < PAGE:
                break
            cursor = str(max(int(s["id"]) for s in page))
        return statuses, pages


def error_text(response: requests.Response) -> str:
    """Mastodon's {"error": …} message, or the status line."""
    try:
        return str(response.json().get("error", response.reason))
    except ValueError:
        return str(response.reason)


PUBLIC = ("public", "unlisted")


def is_public(status: Any) -> bool:
    """Whether a status (and what it boosts) is public or unlisted; private and direct ones are not."""
    shown = status.get("reblog") or status
    return status.get("visibility", "public") in PUBLIC and shown.get("visibility", "public") in PUBLIC


def status_post(status: Any) -> Post:
    """A Status as a Post: sanitised HTML, its text, the card's or first outside link.

    A boost is stored as the boost (its own id, when it was shared) carrying what it boosts: a
    reblog's own content is empty and its url an /activity page (recorded answers:
    tests/recordings/mastodon/).
    """
    shown = status.get("reblog") or status
    html, text = sanitize_with_text(shown["content"] or "")
    card = shown.get("card") or {}
    link = card.get("url") or outside_link(html, shown)
    media = [found for m in shown.get("media_attachments", []) if (found := attachment_media(m))]
    created = status["created_at"]
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return Post(
        network="mastodon",
        external_id=str(status["id"]),
        text=text,
        html=html,
        author=shown["account"]["acct"],
        published_at=created.astimezone(UTC),
        permalink=shown.get("url") or shown.get("uri", ""),
        link_url=canonical_url(link) if link else None,
        media=media,
        repost_of=str(status["reblog"]["id"]) if status.get("reblog") else None,
        raw={"id": str(status["id"]), "edited_at": str(status.get("edited_at") or "")},
        # docs.joinmastodon.org/entities/Status/#spoiler_text: the text is behind this warning.
        content_warning=(shown.get("spoiler_text") or "").strip() or None,
    )


def attachment_media(attachment: Any) -> dict[str, Any] | None:
    """What the feed shows of an attachment: an image itself, a video's or GIFV's still (preview_url;
    its url is an MP4 that an <img> cannot show), nothing of audio or unknown kinds."""
    kind = attachment.get("type")
    url = (
        attachment.get("url")
        if kind == "image"
        else attachment.get("preview_url")
        if kind in ("video", "gifv")
        else None
    )
    if not url:
        return None
    return {"type": kind, "url": url, "alt": attachment.get("description") or ""}


def outside_link(html: str, status: Any) -> str | None:
    """The first link that is not a hashtag or a mention."""
    link = first_link(html)
    if link and ("/tags/" in link or "/@" in link):
        return None
    return link


def make_collector(settings: Any, env: Mapping[str, str], sandbox_url: str | None) -> MastodonCollector:
    """The Mastodon collector for these settings."""
    return MastodonCollector(settings, env, sandbox_url)
