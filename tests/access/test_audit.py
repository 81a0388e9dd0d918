"""The audit trail on SQLite and PostgreSQL: every change writes exactly one event with before and after,
in the change's own transaction, so a process killed before the commit leaves neither."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.api_tokens import create_token, revoke_token
from socialbot.access.roles import Actor
from socialbot.access.users import add_user, disable_user, set_role
from socialbot.config import load_config
from socialbot.feed.moderation import moderate
from socialbot.queue import ops
from socialbot.queue.compose import PostRequest, compose
from socialbot.store import AuditEvent, Delivery, DeliveryState, Role
from socialbot.store.sync import sync_config
from tests.conftest import ADMIN, ROOT
from tests.feed.seed import one_post
from tests.test_config import SANDBOX_ENV

CONFIG = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
LONDON = CONFIG.timezone
OFFICER = Actor("officer@example.org", Role.OFFICER, "web")


def events(db: sessionmaker[Session]) -> list[AuditEvent]:
    with db() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def queued(db: sessionmaker[Session], key: str, approval: bool = False) -> str:
    when = (
        (datetime.now(UTC) + timedelta(days=2))
        .astimezone(LONDON)
        .replace(tzinfo=None, second=0, microsecond=0)
    )
    request = PostRequest(
        ["network-x"], f"Ballots drop tomorrow {key}", at=when, key=key, requires_approval=approval
    )
    with db.begin() as session:
        sync_config(session, CONFIG)
        # Queued by an officer, so that ADMIN is "someone else" for four-eyes.
        ops.add_post(session, compose(request, CONFIG, datetime.now(UTC), ROOT), OFFICER)
    return f"cli:{key}"


def later(hours: int) -> datetime:
    return (
        (datetime.now(UTC) + timedelta(days=3, hours=hours))
        .astimezone(LONDON)
        .replace(tzinfo=None, second=0, microsecond=0)
    )


CHANGES: list[tuple[str, Callable[[Session, str], object], str, dict[str, object], dict[str, object]]] = [
    (
        "approve",
        lambda s, ref: ops.approve(s, ref, ADMIN),
        "delivery.approve",
        {"state": "pending_approval"},
        {"state": "scheduled"},
    ),
    (
        "cancel",
        lambda s, ref: ops.cancel(s, ref, ADMIN),
        "delivery.cancel",
        {"state": "pending_approval"},
        {"state": "cancelled"},
    ),
    (
        "reschedule",
        lambda s, ref: ops.reschedule(s, ref, later(0), LONDON, ADMIN),
        "delivery.reschedule",
        {},
        {},
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "action", "before", "after"), CHANGES, ids=[c[0] for c in CHANGES]
)
def test_each_queue_change_writes_one_event_with_before_and_after(
    db: sessionmaker[Session],
    name: str,
    change: Callable[[Session, str], object],
    action: str,
    before: dict[str, object],
    after: dict[str, object],
) -> None:
    ref = queued(db, f"audit-{name}", approval=True)
    count = len(events(db))
    with db.begin() as session:
        change(session, ref)
    new = events(db)[count:]
    assert [e.action for e in new] == [action]
    (event,) = new
    assert event.actor == ADMIN.name and event.detail["via"] == "cli"
    assert (
        event.detail["before"] and event.detail["after"] and event.detail["before"] != event.detail["after"]
    )
    for key, value in before.items():
        assert event.detail["before"][key] == value
    for key, value in after.items():
        assert event.detail["after"][key] == value


def test_users_tokens_retries_and_moderation_each_write_one_event(db: sessionmaker[Session]) -> None:
    ref = queued(db, "audit-retry")
    with db.begin() as session:
        delivery = session.scalars(select(Delivery)).one()
        delivery.state = DeliveryState.FAILED
    one_post(db, "twitter", "9", "x")
    made: list[int] = []
    steps: list[tuple[str, Callable[[Session], object]]] = [
        ("delivery.retry", lambda s: ops.retry(s, ref, ADMIN)),
        ("user.add", lambda s: add_user(s, ADMIN, "dana@example.org", Role.OFFICER)),
        ("user.set_role", lambda s: set_role(s, ADMIN, "dana@example.org", Role.APPROVER)),
        ("token.create", lambda s: made.append(create_token(s, ADMIN, "dana@example.org", "site")[0].id)),
        ("token.revoke", lambda s: revoke_token(s, ADMIN, made[0], datetime.now(UTC))),
        ("user.disable", lambda s: disable_user(s, ADMIN, "dana@example.org")),
        ("feed.hide", lambda s: moderate(s, "twitter:9", "hide", ADMIN, "spam")),
    ]
    for action, step in steps:
        count = len(events(db))
        with db.begin() as session:
            step(session)
        new = events(db)[count:]
        assert [e.action for e in new] == [action]
        assert new[0].detail["before"] != new[0].detail["after"] or action == "token.create"


KILLED_BEFORE_COMMIT = """
import os, signal, sys
from socialbot.access.roles import Actor
from socialbot.queue import ops
from socialbot.store import Role
from socialbot.store.engine import make_engine, session_factory

session = session_factory(make_engine(sys.argv[1]))()
session.begin()
ops.cancel(session, sys.argv[2], Actor("os:killed", Role.ADMIN, "cli"))
session.flush()  # the change and its event are in the database's transaction, not yet committed
print("flushed", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_kill_between_the_change_and_the_commit_leaves_neither(
    db: sessionmaker[Session], store_engine: Engine, tmp_path: Path
) -> None:
    ref = queued(db, "audit-kill")
    count = len(events(db))
    url = store_engine.url.render_as_string(hide_password=False)
    script = tmp_path / "kill.py"
    script.write_text(textwrap.dedent(KILLED_BEFORE_COMMIT))
    result = subprocess.run(
        [sys.executable, str(script), url, ref],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=dict(os.environ),
    )
    assert result.returncode == -signal.SIGKILL and "flushed" in result.stdout, result.stderr
    with db() as session:
        assert session.scalars(select(Delivery.state)).all() == [DeliveryState.SCHEDULED]
        assert (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.actor == "os:killed")
            )
            == 0
        )
    assert len(events(db)) == count
