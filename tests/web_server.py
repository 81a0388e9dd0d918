"""Serve the web app with uvicorn in a thread, on a free port, for tests over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
import uvicorn
from starlette.applications import Starlette

from socialbot.sandbox.process import free_port


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Yield the base URL of app served by uvicorn; stop it afterwards."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.01)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(5)


class Client:
    """requests against one base URL, with the session closed afterwards."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.app: Starlette | None = None

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}{path}"
        return self.session.get(url, headers=headers, timeout=10)
