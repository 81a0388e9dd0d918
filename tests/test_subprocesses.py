"""A stop that arrives while a child is being started waits until the child is recorded."""

from __future__ import annotations

import os
import signal

import pytest

from socialbot.subprocesses import stop_requested, stops_held


def test_a_stop_inside_the_start_is_raised_at_its_end_and_outside_at_once() -> None:
    previous = signal.signal(signal.SIGTERM, stop_requested)
    try:
        reached = []
        with pytest.raises(KeyboardInterrupt), stops_held():
            os.kill(os.getpid(), signal.SIGTERM)
            # Python runs the handler at the next bytecode: here, and it only notes the stop.
            reached.append("recorded the child")
        assert reached == ["recorded the child"], "the stop waited for the child to be recorded"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs within a few bytecodes
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_server_kept_past_its_timeout_is_killed_with_its_workers() -> None:
    import subprocess
    import time

    from socialbot.subprocesses import stop

    # A "server" and its "worker" that both ignore SIGTERM and hold the output pipe, as a granian
    # worker still stopping does: killed as a group, the pipe closes at once.
    server = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; sleep 60 & wait"], stdout=subprocess.PIPE, start_new_session=True
    )
    time.sleep(0.3)
    started = time.monotonic()
    stop(server, timeout=0.5, group=True)
    assert server.stdout is not None
    assert server.stdout.read() == b"", "no worker is left holding the pipe"
    server.stdout.close()
    assert time.monotonic() - started < 10
