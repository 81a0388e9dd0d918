"""One client per worker thread (HTTP sessions are not shared between threads), all closable at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerThread(Generic[T]):
    """Makes a client per thread on first use, per key; close() closes every one made."""

    def __init__(self, factory: Callable[[str], T], close: Callable[[T], None]) -> None:
        self.factory = factory
        self.closer = close
        self.local = threading.local()
        self.made: list[T] = []
        self.lock = threading.Lock()

    def get(self, key: str = "") -> T:
        """This thread's client for key."""
        clients: dict[str, T] = self.local.__dict__.setdefault("clients", {})
        if key not in clients:
            clients[key] = self.factory(key)
            with self.lock:
                self.made.append(clients[key])
        return clients[key]

    def close(self) -> None:
        """Close every client made, in every thread."""
        with self.lock:
            made, self.made = self.made, []
        for client in made:
            self.closer(client)
