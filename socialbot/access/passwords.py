"""Passwords: argon2id through pwdlib, rehashed when the parameters change; never logged."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# pwdlib's recommended argon2id parameters; a stored hash made with others is replaced at sign-in.
HASHER = PasswordHash((Argon2Hasher(),))
MIN_LENGTH = 12
MAX_LENGTH = 1024


class WeakPassword(ValueError):
    """A password that is too short (or absurdly long); the message says what is wanted."""


def check_strength(password: str) -> None:
    """WeakPassword unless the password is long enough to be a passphrase."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters (a few words make a good one)")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    check_strength(password)
    return HASHER.hash(password)


def verify(password: str, stored: str | None) -> tuple[bool, str | None]:
    """Whether password matches the stored hash, and a new hash when the stored one is outdated.

    With no stored hash, a hash is still computed, so that an unknown account takes as long to
    refuse as a wrong password does.
    """
    if not stored:
        HASHER.hash(password[:MAX_LENGTH] or "-")
        return False, None
    try:
        return HASHER.verify_and_update(password[:MAX_LENGTH], stored)
    except Exception:  # an unreadable stored hash: refuse, never raise into the sign-in page
        return False, None
