"""The interface every network implements, the normalised Post, and the errors they raise."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class NetworkInfo:
    """What the rest of socialbot needs to know about a network without importing its client."""

    name: str
    label: str
    # The feeds.toml key that names a source on this network: handle, page or url.
    source_field: str
    source_pattern: re.Pattern[str]
    source_example: str
    # Credential names a publishing account must map to environment variables; empty = read-only.
    publish_credentials: tuple[str, ...] = ()
    # The real hosts the network's clients talk to → the sandbox path prefix that stands in for each.
    sandbox_hosts: Mapping[str, str] = field(default_factory=dict)

    @property
    def can_publish(self) -> bool:
        """True when socialbot can post to this network, not only read it."""
        return bool(self.publish_credentials)


@dataclass
class Post:
    """A post collected from any network, normalised for the store."""

    network: str
    external_id: str
    text: str
    published_at: datetime
    author: str = ""
    permalink: str = ""
    link_url: str | None = None
    html: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    repost_of: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class NetworkError(Exception):
    """A network call that failed; the message starts with the network's name."""


class Transient(NetworkError):
    """Worth trying again later: timeouts, 5xx answers, broken connections."""


class RateLimited(Transient):
    """The platform asked us to wait until reset_at."""

    def __init__(self, message: str, reset_at: datetime) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class AuthFailed(NetworkError):
    """Credentials are missing, expired or revoked; nothing helps until they change."""


class Rejected(NetworkError):
    """The platform refused this request for good (too long, duplicate, not allowed)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class Collector(Protocol):
    """Reads a source's new posts since a cursor."""

    def fetch_new(self, locator: str, cursor: str | None) -> tuple[list[Post], str | None]:
        """Return the posts newer than cursor and the cursor to use next time."""
        ...
