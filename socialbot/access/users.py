"""Officers' accounts: add, list, change role, disable, set a password from a one-time link."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from socialbot.access.audit import record
from socialbot.access.passwords import hash_password
from socialbot.access.roles import Action, Actor, Forbidden, authorize
from socialbot.access.tokens import digest, new_secret
from socialbot.store import Role, SignInLink, User, UserSession

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A sign-in link printed by `users add` is good for this long, and once.
LINK_LIFETIME = timedelta(hours=48)


class UserError(LookupError):
    """No such user, a user that exists already, or a link that is not (or no longer) good."""


def normal_email(email: str) -> str:
    """The email as stored and compared: trimmed, lower-case; UserError when it is not one."""
    value = email.strip().lower()
    if not EMAIL.match(value):
        raise UserError(f"users: {email!r} is not an email address")
    return value


def find_user(session: Session, email: str) -> User:
    """The user with this email; UserError when there is none."""
    user = session.scalar(select(User).where(User.username == normal_email(email)))
    if user is None:
        raise UserError(f"users: no user {email!r}; `socialbot users list` shows them")
    return user


def add_user(
    session: Session, actor: Actor, email: str, role: Role, name: str = "", password: str | None = None
) -> User:
    """A new officer with a role, and a password if one is given (else a sign-in link sets it)."""
    authorize(actor, Action.MANAGE_USERS)
    address = normal_email(email)
    if session.scalar(select(User.id).where(User.username == address)) is not None:
        raise UserError(f"users: {address} exists already; `socialbot users set-role` changes a role")
    user = User(username=address, email=address, name=name, role=role)
    if password is not None:
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    record(session, actor, "user.add", "user", user.id, {}, {"email": address, "role": role.value})
    return user


def set_role(session: Session, actor: Actor, email: str, role: Role) -> User:
    """Change a user's role."""
    authorize(actor, Action.MANAGE_USERS)
    user = find_user(session, email)
    if actor.user_id == user.id and role is not Role.ADMIN:
        raise Forbidden("users: an admin cannot take away their own admin role; ask another admin")
    before = user.role.value
    user.role = role
    record(session, actor, "user.set_role", "user", user.id, {"role": before}, {"role": role.value})
    return user


def disable_user(session: Session, actor: Actor, email: str) -> User:
    """Disable a user: every session ends and nothing of theirs signs in again (tokens included)."""
    authorize(actor, Action.MANAGE_USERS)
    user = find_user(session, email)
    if actor.user_id == user.id:
        raise Forbidden("users: you cannot disable yourself; ask another admin")
    user.disabled = True
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    record(session, actor, "user.disable", "user", user.id, {"disabled": False}, {"disabled": True})
    return user


def sign_in_link(session: Session, actor: Actor, user: User, now: datetime) -> str:
    """A new one-time secret that lets the user set their password (the caller makes it a URL)."""
    authorize(actor, Action.MANAGE_USERS)
    secret = new_secret()
    session.add(SignInLink(user_id=user.id, token_hash=digest(secret), expires_at=now + LINK_LIFETIME))
    record(
        session,
        actor,
        "user.sign_in_link",
        "user",
        user.id,
        message=f"good until {now + LINK_LIFETIME:%c} UTC",
    )
    return secret


def link_user(session: Session, secret: str, now: datetime) -> tuple[SignInLink, User]:
    """The unused, unexpired link for this secret and its user; UserError otherwise."""
    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == digest(secret)))
    if link is None or link.used_at is not None or link.expires_at <= now or link.user.disabled:
        raise UserError("this sign-in link is not valid any more; ask an admin for a new one")
    return link, link.user


def set_password_from_link(session: Session, secret: str, password: str, now: datetime) -> User:
    """Use a link once: set the user's password; every other session of theirs ends."""
    link, user = link_user(session, secret, now)
    user.password_hash = hash_password(password)
    link.used_at = now
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    actor = Actor.for_user(user, "web")
    record(session, actor, "user.set_password", "user", user.id, message="from a one-time link")
    return user


def first_admin(session: Session, email: str, now: datetime) -> str | None:
    """With no user at all yet, an admin for email and a one-time link's secret; else None."""
    if session.scalar(select(User.id).limit(1)) is not None:
        return None
    system = Actor("socialbot run", Role.ADMIN, "cli")
    user = add_user(session, system, email, Role.ADMIN, "")
    return sign_in_link(session, system, user, now)
