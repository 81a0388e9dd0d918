"""Mastodon accounts' statuses through Mastodon.py, paging forward from the newest id seen (min_id)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

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
from socialbot.networks.html import first_link, html_to_text, sanitize_html
from socialbot.networks.links import canonical_url
from socialbot.networks.mastodon import MastodonSettings
from socialbot.networks.per_thread import PerThread
from socialbot.networks.routing import route_session

PAGE, FIRST_FETCH, MAX_PAGES, TIMEOUT = 40, 20, 10, 15


class MastodonCollector:
    """Reads statuses; one Mastodon.py client per (thread, server)."""

    def __init__(self, settings: MastodonSettings, env: Mapping[str, str], sandbox_url: str | None) -> None:
        self.token = env.get(settings.token_env, "") if settings.token_env else ""
        self.sandbox_url = sandbox_url
        self.clients = PerThread(self._new_client, lambda client: client.session.close())

    def credentials_fingerprint(self) -> str:
        """Changes when the (optional) token does."""
        return secret_fingerprint(self.token)

    def close(self) -> None:
        """Close every thread's session."""
        self.clients.close()

    def _new_client(self, server: str) -> Mastodon:
        return Mastodon(
            api_base_url=f"https://{server}",
            access_token=self.token or None,
            session=route_session(requests.Session(), self.sandbox_url),
            request_timeout=TIMEOUT,
            ratelimit_method="throw",
            version_check_mode="none",
        )

    def _client(self, server: str) -> Mastodon:
        return self.clients.get(server)

    def fetch_new(self, source: SourceRef) -> Fetched:
        """Statuses after the cursor (an id), oldest pages first; the newest first_fetch on a first fetch."""
        user, _, server = source.locator.partition("@")
        client = self._client(server)
        requests_made = 0
        try:
            account_id = source.platform_id
            if not account_id:
                account_id, requests_made = str(client.account_lookup(user)["id"]), 1
            statuses, pages = self._read(client, account_id, source)
        except MastodonRatelimitError as exc:
            raise RateLimited(
                f"mastodon: {source.locator}: rate limited", datetime.now(UTC) + timedelta(minutes=5)
            ) from exc
        except MastodonUnauthorizedError as exc:
            raise AuthFailed(f"mastodon: {source.locator}: {server} refused the token: {exc}") from exc
        except MastodonNotFoundError as exc:
            raise Rejected(f"mastodon: {source.locator}: no such account on {server}", "not found") from exc
        except (MastodonNetworkError, MastodonServerError) as exc:
            raise Transient(f"mastodon: {source.locator}: {type(exc).__name__}: {exc}") from exc
        except MastodonAPIError as exc:
            raise Rejected(f"mastodon: {source.locator}: {exc}", "api error") from exc
        except ValueError as exc:
            raise Transient(f"mastodon: {source.locator}: malformed answer: {exc}") from exc
        posts = [status_post(s) for s in statuses]
        newest = max((int(s["id"]) for s in statuses), default=None)
        return Fetched(
            posts,
            cursor=str(newest) if newest else source.cursor,
            platform_id=account_id,
            requests=requests_made + pages,
        )

    def _read(self, client: Mastodon, account_id: str, source: SourceRef) -> tuple[list[Any], int]:
        options = {
            "exclude_replies": not source.options.get("include_replies"),
            "exclude_reblogs": not source.options.get("include_reposts"),
        }
        if not source.cursor:
            return list(client.account_statuses(account_id, limit=FIRST_FETCH, **options)), 1
        statuses: list[Any] = []
        cursor, pages = source.cursor, 0
        while pages < MAX_PAGES:
            # min_id pages forward from the cursor without skipping a post, however many arrived.
            page = client.account_statuses(account_id, min_id=cursor, limit=PAGE, **options)
            pages += 1
            statuses += page
            if len(page) < PAGE:
                break
            cursor = str(max(int(s["id"]) for s in page))
        return statuses, pages


def status_post(status: Any) -> Post:
    """A Status as a Post: sanitised HTML, its text, the card's or first outside link."""
    html = sanitize_html(status["content"] or "")
    card = status.get("card") or {}
    link = card.get("url") or outside_link(html, status)
    media = [
        {"type": m["type"], "url": m["url"], "alt": m.get("description") or ""}
        for m in status.get("media_attachments", [])
        if m.get("url")
    ]
    created = status["created_at"]
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return Post(
        network="mastodon",
        external_id=str(status["id"]),
        text=html_to_text(html),
        html=html,
        author=status["account"]["acct"],
        published_at=created.astimezone(UTC),
        permalink=status.get("url") or status.get("uri", ""),
        link_url=canonical_url(link) if link else None,
        media=media,
        repost_of=str(status["reblog"]["id"]) if status.get("reblog") else None,
        raw={"id": str(status["id"]), "edited_at": str(status.get("edited_at") or "")},
    )


def outside_link(html: str, status: Any) -> str | None:
    """The first link that is not a hashtag or a mention."""
    link = first_link(html)
    if link and ("/tags/" in link or "/@" in link):
        return None
    return link


def make_collector(settings: Any, env: Mapping[str, str], sandbox_url: str | None) -> MastodonCollector:
    """The Mastodon collector for these settings."""
    return MastodonCollector(settings, env, sandbox_url)
