"""Feed responses built once per change of the store, with strong ETags and Last-Modified."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from sqlalchemy.orm import Session, sessionmaker

from socialbot.store.counters import FEED_VERSION, read

# How long the store's version is trusted before it is read again: a change shows within this.
VERSION_TTL = 1.0
MAX_ENTRIES = 2048


@dataclass(frozen=True)
class Built:
    """A rendered response body with its validators."""

    body: bytes
    media_type: str
    etag: str
    last_modified: str
    # Compressed once when built, not for every request that accepts gzip.
    gzipped: bytes


class FeedCache:
    """Maps (kind, parameters) to a response built at the store's current version."""

    def __init__(self, sessions: sessionmaker[Session], counter: str = FEED_VERSION) -> None:
        self.sessions = sessions
        # The store's counter whose change makes every cached answer stale.
        self.counter = counter
        self.lock = threading.Lock()
        self.entries: dict[tuple[object, ...], Built] = {}
        self.version: tuple[int, datetime | None] = (-1, None)
        self.checked = 0.0
        self.stop = threading.Event()
        self.refresher: threading.Thread | None = None

    def start_refresher(self) -> None:
        """Read the store's version every VERSION_TTL in a thread, so requests never wait for it."""
        if self.refresher is None:
            self.stop.clear()
            self.refresher = threading.Thread(target=self._refresh, name="feed-version", daemon=True)
            self.refresher.start()

    def stop_refresher(self) -> None:
        """Stop the version thread."""
        self.stop.set()
        if self.refresher is not None:
            self.refresher.join(5)
            self.refresher = None

    def _refresh(self) -> None:
        while not self.stop.wait(VERSION_TTL / 2):
            try:
                self.checked = 0.0
                self.current_version()
            except Exception:
                continue

    def current_version(self) -> tuple[int, datetime | None]:
        """The feed version, read from the store at most once per VERSION_TTL."""
        now = time.monotonic()
        if now - self.checked > VERSION_TTL:
            with self.sessions() as session:
                version = read(session, self.counter)
            with self.lock:
                if version != self.version:
                    self.entries.clear()
                    self.version = version
                self.checked = now
        return self.version

    def peek(self, key: tuple[object, ...]) -> Built | None:
        """The cached response for key if it is known to be current, without touching the database."""
        if self.refresher is None and time.monotonic() - self.checked > VERSION_TTL:
            return None
        return self.entries.get((self.version[0], *key))

    def get(self, key: tuple[object, ...], build: Callable[[], tuple[bytes, str]]) -> Built:
        """The cached response for key, built (once) if the store changed since."""
        version, changed = self.current_version()
        full_key = (version, *key)
        with self.lock:
            found = self.entries.get(full_key)
        if found is not None:
            return found
        body, media_type = build()
        digest = hashlib.sha256(body).hexdigest()[:24]
        modified = format_datetime((changed or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC), usegmt=True)
        built = Built(body, media_type, f'"{digest}"', modified, gzip.compress(body, 6))
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            self.entries[full_key] = built
        return built
