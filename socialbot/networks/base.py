"""The interface every network implements, the normalised Post, and the errors they raise."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class NetworkSettings(BaseModel):
    """Options of one network in feeds.toml's [network.NAME]; unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def warnings(self, today: date) -> list[str]:
        """What `config check` should tell the deployer about these settings (none by default)."""
        return []


class HttpSettings(NetworkSettings):
    """The limits every network's HTTP client keeps: a hung host or a huge answer costs one source a
    bounded wait and no memory, never the round (networks/routing.py applies them to each session)."""

    connect_timeout: float = Field(default=5.0, gt=0, le=60)
    read_timeout: float = Field(default=15.0, gt=0, le=300)
    # An answer larger than this is refused, not read into memory.
    max_bytes: int = Field(default=5_000_000, ge=10_000, le=100_000_000)


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
    # The [network.NAME] table of feeds.toml: this network's own options (read tokens, versions).
    settings: type[NetworkSettings] | None = None
    # Settings keys naming environment variables that collection needs.
    read_secrets: tuple[str, ...] = ()

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
    # A content warning (Mastodon's spoiler_text): the post is shown folded behind it.
    content_warning: str | None = None
    # Topics the source files it under that its text does not carry as #hashtags (WordPress
    # categories and tags), as the hashtag filter matches them: "New Zealand" → "newzealand".
    tags: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class SourceRef:
    """What a collector knows of a source: a snapshot taken from the store, never the row itself."""

    id: int
    network: str
    locator: str
    platform_id: str | None = None
    cursor: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    content_digest: str | None = None


@dataclass
class Fetched:
    """What one fetch of a source brought: new or changed posts and the state to keep for next time."""

    posts: list[Post]
    cursor: str | None = None
    platform_id: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    # The digest of the body read, to keep on the source (feeds only).
    content_digest: str | None = None
    warnings: list[str] = field(default_factory=list)
    requests: int = 1


class Collector(Protocol):
    """Reads a source's posts that are newer than its cursor."""

    def fetch_new(self, source: SourceRef) -> Fetched:
        """Fetch the source's new posts; raise RateLimited, AuthFailed, Transient or Rejected."""
        ...

    def credentials_fingerprint(self) -> str:
        """A short hash of the credentials in use, so a parked source un-parks when they change."""
        ...

    def close(self) -> None:
        """Close the HTTP sessions the collector opened."""
        ...


@dataclass(frozen=True)
class Media:
    """An image to attach: a file, its type, and the words that describe it for screen readers."""

    path: str
    mime_type: str
    alt: str

    def read(self) -> bytes:
        """The file's bytes."""
        with open(self.path, "rb") as file:
            return file.read()


@dataclass(frozen=True)
class Published:
    """A part the platform accepted: its id and where people see it."""

    external_id: str
    permalink: str


class Publisher(Protocol):
    """Posts to one of our accounts."""

    def publish_part(
        self, text: str, thread: list[str], idempotency_key: str, media: Sequence[Media] = ()
    ) -> Published:
        """Post text (with media), as a reply to the last of thread (the ids of the parts already sent)."""
        ...

    def find_recent(self, text: str, since: datetime) -> Published | None:
        """The account's post with this text made since then, if the platform shows one."""
        ...

    def close(self) -> None:
        """Close the HTTP sessions the publisher opened."""
        ...


def same_text(a: str, b: str) -> bool:
    """Whether two texts are the same, links (which platforms shorten), spacing and HTML escaping set
    aside (X answers "Check your inbox &amp; vote" for the "&" we sent: unrecognised, our own post
    was sent again after a crash)."""

    def normal(text: str) -> str:
        return " ".join(re.sub(r"https?://\S+", "", html.unescape(text)).split())

    return normal(a) == normal(b)


def made_since(created: datetime, since: datetime) -> bool:
    """Whether a post made at created is from since on, with a second's slack: platforms round
    their timestamps to the second, and a post made in since's own second still counts."""
    return created >= since - timedelta(seconds=1)


def secret_fingerprint(*values: str | None) -> str:
    """A short, one-way fingerprint of secrets, safe to store and compare."""
    return hashlib.sha256("\x00".join(v or "" for v in values).encode()).hexdigest()[:16]
