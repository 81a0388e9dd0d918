"""Roles and what each may do, in one table; four-eyes for approvals."""

from __future__ import annotations

import enum
import getpass
from dataclasses import dataclass
from typing import Protocol

from socialbot.store import Role, User


class Action(enum.Enum):
    """A change someone may ask for."""

    COMPOSE = "compose posts"
    EDIT = "edit posts"
    CANCEL = "cancel posts"
    RESCHEDULE = "reschedule posts"
    RETRY = "retry posts"
    APPROVE = "approve posts"
    MODERATE = "moderate the feed"
    MANAGE_USERS = "manage users"
    MANAGE_ACCOUNTS = "manage publishing accounts"
    MANAGE_SOURCES = "manage sources"


OFFICER = {Action.COMPOSE, Action.EDIT, Action.CANCEL, Action.RESCHEDULE, Action.RETRY}
ALLOWED: dict[Role, frozenset[Action]] = {
    Role.OFFICER: frozenset(OFFICER),
    Role.APPROVER: frozenset(OFFICER | {Action.APPROVE}),
    Role.ADMIN: frozenset(Action),
}


class Forbidden(PermissionError):
    """A change this actor may not make; the message says why, and nothing was changed."""


class Authored(Protocol):
    """What four-eyes needs to know of a post: who queued it."""

    created_by: str


@dataclass(frozen=True)
class Actor:
    """Who asks: what the audit trail records, what four-eyes compares, and the role that decides."""

    # An officer's email (desk and API alike), or "os:USER" for the command line and campaign files.
    name: str
    role: Role
    # "web", "api" or "cli": how the change arrived, for the audit trail.
    via: str
    user_id: int | None = None

    @classmethod
    def for_user(cls, user: User, via: str) -> Actor:
        """A signed-in officer, on the desk or through a token."""
        return cls(user.email or user.username, user.role, via, user.id)

    @classmethod
    def command_line(cls) -> Actor:
        """Whoever runs socialbot on its own machine: an administrator, named by the system's user."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
        return cls(f"os:{user}", Role.ADMIN, "cli")


def can(actor: Actor, action: Action) -> bool:
    """Whether the actor's role allows the action at all."""
    return action in ALLOWED[actor.role]


def authorize(actor: Actor, action: Action, post: Authored | None = None) -> None:
    """Forbidden unless the actor may do this (to this post): the one place that decides."""
    if not can(actor, action):
        needed = min((r for r in Role if action in ALLOWED[r]), key=list(Role).index)
        raise Forbidden(f"{actor.name} is {_a(actor.role.value)}; only {needed.value}s may {action.value}")
    if action is Action.APPROVE and post is not None and post.created_by == actor.name:
        raise Forbidden(
            f"four-eyes: {actor.name} queued this post, so someone else approves it "
            "(it goes out in the network's name)"
        )


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"
