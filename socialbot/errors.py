"""Errors that end a command with a clear message and an exit code."""


class SocialbotError(Exception):
    """A failure that a person can act on; its message is printed without a traceback."""

    exit_code = 1


class UsageError(SocialbotError):
    """Bad input from the person running socialbot: bad config, bad arguments."""

    exit_code = 2
