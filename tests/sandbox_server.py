"""Start `socialbot sandbox` as people do, in a subprocess, and talk to it over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from socialbot.sandbox.process import running_sandbox as start_sandbox
from tests.conftest import ROOT
from tests.test_config import SANDBOX_ENV


@contextmanager
def running_sandbox(*args: str, state: Path | None = None) -> Iterator[tuple[str, float]]:
    """A sandbox over the shipped feeds.toml with the sandbox's credentials."""
    extra = ["--state", str(state)] if state else []
    with start_sandbox(*args, *extra, env=SANDBOX_ENV, cwd=ROOT) as started:
        yield started


def control(base: str, method: str, path: str, body: Any = None) -> Any:
    """Call a /_sandbox endpoint and return its JSON."""
    response = requests.request(method, f"{base}/_sandbox/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()
