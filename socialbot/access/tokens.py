"""Random secrets handed to people (session cookies, API tokens, sign-in links) and their digests.

Only the SHA-256 digest is stored: these are long random values, not passwords, so a fast digest is
enough, and a stolen database holds nothing that signs anyone in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(prefix: str = "") -> str:
    """A URL-safe random secret of 256 bits, after an optional prefix ("sbt_" for API tokens)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The hex SHA-256 of a secret, as stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(session_secret: str) -> str:
    """The CSRF token of the session whose cookie holds session_secret: derived (HMAC), never stored,
    so neither the store nor a log of its statements holds one."""
    return hmac.new(session_secret.encode(), b"socialbot desk csrf", hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(a.encode(), b.encode())
