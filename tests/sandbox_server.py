"""Start `socialbot sandbox` as people do, in a subprocess, and talk to it over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.conftest import ROOT
from tests.test_config import SANDBOX_ENV


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_sandbox(*args: str, state: Path | None = None) -> Iterator[tuple[str, float]]:
    """Yield the base URL of a fresh sandbox and the seconds it took to answer its first request."""
    port = free_port()
    command = [sys.executable, "-m", "socialbot", "sandbox", "--port", str(port), *args]
    if state:
        command += ["--state", str(state)]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SOCIALBOT_")}, **SANDBOX_ENV}
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if requests.get(f"{base}/_sandbox/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() - started > 20:
                raise RuntimeError(f"sandbox did not start: {process.communicate()[1]}")
            time.sleep(0.02)
        yield base, time.monotonic() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def control(base: str, method: str, path: str, body: Any = None) -> Any:
    """Call a /_sandbox endpoint and return its JSON."""
    response = requests.request(method, f"{base}/_sandbox/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()
