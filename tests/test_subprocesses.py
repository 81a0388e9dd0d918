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
