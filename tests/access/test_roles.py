"""Each role's allowed and refused actions, through the functions every entry point calls, on SQLite
and PostgreSQL; a refusal says why and changes nothing. Passwords are rehashed when outdated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.roles import Actor, Forbidden
from socialbot.access.signin import sign_in
from socialbot.access.users import add_user, set_role
from socialbot.config import load_config
from socialbot.feed.moderation import moderate
from socialbot.queue import ops
from socialbot.queue.compose import PostRequest, compose
from socialbot.store import AuditEvent, Delivery, DeliveryState, Group, Post, Role, User
from socialbot.store.sync import sync_config
from tests.conftest import ADMIN, ROOT
from tests.test_config import SANDBOX_ENV

CONFIG = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
AUTHOR = Actor("author@example.org", Role.OFFICER, "web")
ACTORS = {role: Actor(f"{role.value}@example.org", role, "web") for role in Role}


def setup(db: sessionmaker[Session]) -> str:
    """A post by AUTHOR waiting for approval, one failed delivery, one feed post; the post's ref."""
    when = (
        (datetime.now(UTC) + timedelta(days=2))
        .astimezone(CONFIG.timezone)
        .replace(tzinfo=None, second=0, microsecond=0)
    )
    request = PostRequest(
        ["network-x", "network-bluesky"], "Vote #GV6", at=when, requires_approval=True, key="p"
    )
    with db.begin() as session:
        sync_config(session, CONFIG)
        ops.add_post(session, compose(request, CONFIG, datetime.now(UTC), ROOT), AUTHOR)
        group = session.scalars(select(Group)).first()
        assert group is not None
        session.add(
            Post(network="rss", external_id="a", group_id=group.id, text="x", published_at=datetime.now(UTC))
        )
        session.add(User(username="someone@example.org", email="someone@example.org"))
    with db.begin() as session:
        failed = session.scalars(select(Delivery).order_by(Delivery.id)).first()
        assert failed is not None
        failed.state = DeliveryState.FAILED
    return "cli:p"


def fresh_post(actor: Actor) -> Callable[[Session], object]:
    def queue(session: Session) -> object:
        when = (
            (datetime.now(UTC) + timedelta(days=3))
            .astimezone(CONFIG.timezone)
            .replace(tzinfo=None, second=0, microsecond=0)
        )
        request = PostRequest(["network-x"], "Rally tonight", at=when)
        return ops.add_post(session, compose(request, CONFIG, datetime.now(UTC), ROOT), actor)

    return queue


ACTIONS: dict[str, Callable[[Actor], Callable[[Session], object]]] = {
    "compose": fresh_post,
    "cancel": lambda a: lambda s: ops.cancel(s, "cli:p", a),
    "reschedule": lambda a: (
        lambda s: ops.reschedule(
            s,
            "cli:p",
            (datetime.now() + timedelta(days=4)).replace(second=0, microsecond=0),
            CONFIG.timezone,
            a,
        )
    ),
    "retry": lambda a: lambda s: ops.retry(s, "cli:p", a),
    "approve": lambda a: lambda s: ops.approve(s, "cli:p", a),
    "moderate": lambda a: lambda s: moderate(s, "rss:a", "hide", a),
    "manage users": lambda a: lambda s: set_role(s, a, "someone@example.org", Role.APPROVER),
}
ALLOWED = {
    Role.OFFICER: {"compose", "cancel", "reschedule", "retry"},
    Role.APPROVER: {"compose", "cancel", "reschedule", "retry", "approve"},
    Role.ADMIN: set(ACTIONS),
}
CASES = [(role, action) for role in Role for action in ACTIONS]


@pytest.mark.parametrize(
    ("role", "action"), CASES, ids=[f"{r.value}-{a.replace(' ', '-')}" for r, a in CASES]
)
def test_each_role_and_action(db: sessionmaker[Session], role: Role, action: str) -> None:
    setup(db)
    with db() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    change = ACTIONS[action](ACTORS[role])
    if action in ALLOWED[role]:
        with db.begin() as session:
            change(session)
        with db() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) > events  # type: ignore[operator]
    else:
        refused = pytest.raises(Forbidden, match=rf"is an? {role.value}; only \w+s may ")
        with db() as session, refused, session.begin():
            change(session)
        with db() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == events, "nothing changed"


def test_an_outdated_password_hash_is_replaced_at_sign_in(db: sessionmaker[Session]) -> None:
    weak = Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1)
    with db.begin() as session:
        user = add_user(session, ADMIN, "old@example.org", Role.OFFICER)
        user.password_hash = weak.hash("an old but good passphrase")
    sign_in(db, "old@example.org", "an old but good passphrase", "127.0.0.1", datetime.now(UTC))
    with db() as session:
        stored = session.scalars(select(User.password_hash).where(User.username == "old@example.org")).one()
    assert stored is not None and stored.startswith("$argon2id$") and "m=8192" not in stored
