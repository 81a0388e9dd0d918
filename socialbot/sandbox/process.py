"""Start `socialbot sandbox` in a subprocess and wait until it answers (benchmarks, tests, make run)."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from socialbot.subprocesses import child_environment, stop, stops_held, wait_until_answering


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_sandbox(
    *args: str,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 20.0,
) -> Iterator[tuple[str, float]]:
    """Yield a fresh sandbox's base URL and the seconds until it first answered; stop it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "socialbot"]
    if config is not None:
        command += ["--config", str(config)]
    command += ["sandbox", "--port", str(port), *args]
    environment = child_environment(env)
    started = time.monotonic()
    # Its warnings go to a file, not an unread pipe that would block it once full.
    with tempfile.TemporaryFile() as errors:
        base = f"http://127.0.0.1:{port}"
        process = None
        try:
            with stops_held():
                process = subprocess.Popen(
                    command, cwd=cwd, env=environment, stdout=subprocess.DEVNULL, stderr=errors
                )
            wait_until_answering(process, f"{base}/_sandbox/health", timeout, "the sandbox", errors)
            yield base, time.monotonic() - started
        finally:
            if process is not None:
                stop(process, 5)
