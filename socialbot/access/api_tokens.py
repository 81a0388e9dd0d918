"""Personal API tokens: shown once, stored as a digest, revocable, their last use kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialbot.access.audit import record
from socialbot.access.roles import Action, Actor, Forbidden, authorize
from socialbot.access.tokens import digest, new_secret
from socialbot.access.users import find_user
from socialbot.store import ApiToken, User

PREFIX = "sbt_"


def create_token(session: Session, actor: Actor, email: str, name: str) -> tuple[ApiToken, str]:
    """A new token for a user (an admin's act, or the user's own); the secret is returned once."""
    user = find_user(session, email)
    if actor.user_id != user.id:
        authorize(actor, Action.MANAGE_USERS)
    if user.disabled:
        raise Forbidden(f"tokens: {user.username} is disabled")
    secret = new_secret(PREFIX)
    token = ApiToken(user_id=user.id, name=name[:100], token_hash=digest(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    record(session, actor, "token.create", "token", token.id, {}, {"user": user.username, "name": token.name})
    return token, secret


def token_user(session: Session, secret: str, now: datetime) -> User | None:
    """The user a live token belongs to (its last use noted), or None for a revoked or unknown one."""
    if not secret.startswith(PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or token.user.disabled:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token.user


def revoke_token(session: Session, actor: Actor, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token: from now on it is refused."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise LookupError(f"tokens: no token {token_id}; `socialbot tokens list` shows them")
    if actor.user_id != token.user_id:
        authorize(actor, Action.MANAGE_USERS)
    if token.revoked_at is None:
        token.revoked_at = now
        record(session, actor, "token.revoke", "token", token.id, {"revoked": False}, {"revoked": True})
    return token
