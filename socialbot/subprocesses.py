"""Child processes socialbot starts and waits for (the sandbox, the web server): up, then stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

import httpx


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without its SOCIALBOT_* settings, plus extra.

    A child socialbot reads only the settings it is given: the shell that started the tests or the
    benchmark may hold a real database URL or real credentials.
    """
    return {k: v for k, v in os.environ.items() if not k.startswith("SOCIALBOT_")} | dict(extra or {})


# A stop (SIGTERM, Ctrl-C) that arrives while a child is being started waits until the child is
# recorded, so the code that stops it on the way out knows about it (`socialbot run` installs
# stop_requested for both signals; it runs in the main thread only, as Python's handlers do).
_held = 0
_pending = False


def stop_requested(signum: int, frame: Any) -> None:
    """The signal handler of a stop: KeyboardInterrupt now, or as soon as no child is being started."""
    global _pending
    if _held:
        _pending = True
        return
    raise KeyboardInterrupt


@contextmanager
def stops_held() -> Iterator[None]:
    """Defer a stop requested inside the block to its end: a child started here is recorded first,
    so the caller's finally stops it (else a stop between Popen and the try left it running)."""
    global _held, _pending
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if not _held and _pending:
            _pending = False
            raise KeyboardInterrupt


def wait_until_answering(
    process: subprocess.Popen[Any], url: str, timeout: float, what: str, errors: IO[bytes] | None = None
) -> None:
    """Return once url answers at all (any HTTP status); RuntimeError if the process exits first or the
    time runs out, with the end of what it wrote to `errors`."""
    deadline = time.monotonic() + timeout
    # One client for all the tries: making one (its TLS context) costs more CPU than a try, and the
    # process being waited for needs that CPU to start.
    with httpx.Client(timeout=1) as client:
        while True:
            try:
                client.get(url)
                return
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(
                    f"{what} exited with code {process.returncode} before answering{_said(errors)}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer at {url} within {timeout:g} s{_said(errors)}")
            time.sleep(0.02)


def stop(process: subprocess.Popen[Any], timeout: float = 10.0, group: bool = False) -> None:
    """Ask the process to stop (SIGTERM); kill it if it has not within timeout. With group (a process
    started in a session of its own), the kill takes its whole group: a server's workers that were
    still stopping would otherwise be left running, holding the output pipe that its caller reads
    to the end (CI once waited 30 s for granian's worker after granian itself was killed)."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if group:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.kill()
        process.wait()


def _said(errors: IO[bytes] | None) -> str:
    if errors is None:
        return ""
    errors.seek(0)
    lines = errors.read().decode(errors="replace").strip().splitlines()
    return ": " + " | ".join(lines[-5:]) if lines else ""
