"""Signing in to the desk: passwords checked and throttled, server-side sessions with idle and
absolute timeouts, and sign-out everywhere. (Each session's CSRF token is derived from its cookie:
access/tokens.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.audit import record
from socialbot.access.passwords import verify
from socialbot.access.roles import Actor
from socialbot.access.tokens import digest, new_secret
from socialbot.store import SignInAttempt, User, UserSession

# Five wrong passwords a minute for one account, or twenty from one address across accounts; the
# next try waits until the oldest of those is a minute old (OWASP's authentication cheat sheet).
WINDOW = timedelta(minutes=1)
PER_ACCOUNT, PER_ADDRESS = 5, 20
# A session ends after two idle hours, and after twelve whatever happens.
IDLE, ABSOLUTE = timedelta(hours=2), timedelta(hours=12)
# One message for every refusal: it does not tell an unknown email from a wrong password.
REFUSED = "That email and password do not match an account that can sign in."


class SignInRefused(PermissionError):
    """A refused sign-in; retry_at is set when it was throttled."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


@dataclass(frozen=True)
class Started:
    """A new session: the cookie's secret (given once) and its officer."""

    secret: str
    user: User


def throttled_until(session: Session, email: str, address: str, now: datetime) -> datetime | None:
    """When this account or address may try again, or None when it may now."""
    since = now - WINDOW
    for column, value, limit in (
        (SignInAttempt.email, email, PER_ACCOUNT),
        (SignInAttempt.address, address, PER_ADDRESS),
    ):
        failures = list(
            session.scalars(
                select(SignInAttempt.at)
                .where(column == value, SignInAttempt.at > since, SignInAttempt.succeeded.is_(False))
                .order_by(SignInAttempt.at.desc())
                .limit(limit)
            )
        )
        if len(failures) >= limit:
            return failures[-1] + WINDOW
    return None


def sign_in(
    sessions: sessionmaker[Session], email: str, password: str, address: str, now: datetime
) -> Started:
    """Check the password and start a session (a new secret: nothing from before sign-in is kept).

    The attempt is stored whatever the outcome (a refusal must count towards the throttle), in its
    own transaction.
    """
    email = email.strip().lower()[:320]
    with sessions.begin() as session:
        retry_at = throttled_until(session, email, address, now)
        if retry_at is not None:
            raise SignInRefused("Too many attempts to sign in. Try again later.", retry_at)
        user = session.scalar(select(User).where(User.username == email))
        ok, rehashed = verify(password, user.password_hash if user is not None else None)
        ok = ok and user is not None and not user.disabled
        session.add(SignInAttempt(at=now, email=email, address=address[:64], succeeded=ok))
        # Old attempts are no use once outside every window.
        session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - timedelta(days=1)))
        if not ok or user is None:
            started = None
        else:
            if rehashed:
                user.password_hash = rehashed
            user.last_sign_in_at = now
            secret = new_secret()
            session.add(
                UserSession(
                    token_hash=digest(secret),
                    user_id=user.id,
                    created_at=now,
                    last_seen_at=now,
                    address=address[:64],
                )
            )
            record(session, Actor.for_user(user, "web"), "user.sign_in", "user", user.id, address=address)
            started = Started(secret, user)
    if started is None:
        raise SignInRefused(REFUSED)
    return started


def current_session(session: Session, secret: str | None, now: datetime) -> UserSession | None:
    """The live session this cookie secret belongs to (its last-seen time moved on), or None when
    there is none, it timed out, or its user was disabled."""
    if not secret:
        return None
    found = session.scalar(select(UserSession).where(UserSession.token_hash == digest(secret)))
    if found is None:
        return None
    if found.user.disabled or now - found.last_seen_at > IDLE or now - found.created_at > ABSOLUTE:
        session.delete(found)
        return None
    # Written at most once a minute: a page that polls should not write on every request.
    if now - found.last_seen_at > timedelta(minutes=1):
        found.last_seen_at = now
    return found


def sign_out(session: Session, current: UserSession, everywhere: bool = False) -> int:
    """End this session (or every session of its user); how many ended."""
    actor = Actor.for_user(current.user, "web")
    query = delete(UserSession).where(
        UserSession.user_id == current.user_id if everywhere else UserSession.id == current.id
    )
    ended = session.execute(query.returning(UserSession.id)).all()
    record(
        session, actor, "user.sign_out_everywhere" if everywhere else "user.sign_out", "user", current.user_id
    )
    return len(ended)


def live_sessions(session: Session, user_id: int) -> int:
    """How many sessions the user has."""
    return (
        session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id))
        or 0
    )
