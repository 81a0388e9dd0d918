"""Officers' queue operations on SQLite and PostgreSQL: approve, cancel, reschedule, retry; all audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.queue import ops
from socialbot.queue.compose import PostRequest, compose
from socialbot.queue.errors import FilePostEdit
from socialbot.store import AuditEvent, Delivery, DeliveryState
from socialbot.store.sync import sync_config
from tests.conftest import ADMIN, ROOT
from tests.queue.test_sync import RALLY, states, sync
from tests.test_config import SANDBOX_ENV

LONDON = ZoneInfo("Europe/London")


def test_approve_then_cancel(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY)
    with db.begin() as session:
        approved = ops.approve(session, "rally:register", ADMIN)
    assert len(approved) == 2
    assert states(db)[("register", "network-x")][0] is DeliveryState.SCHEDULED
    with db.begin() as session:
        ops.cancel(session, "rally:register", ADMIN)
    assert states(db)[("register", "network-mastodon")][0] is DeliveryState.CANCELLED
    with db() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.in_(["delivery.approve", "delivery.cancel"]))
            )
            == 4
        )


def test_reschedule_from_seven_to_half_seven_and_refuse_a_missing_hour(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    year = datetime.now(UTC).year + 1
    request = PostRequest(["network-x"], "Socialist Telly tonight", at=datetime(year, 12, 9, 19), key="telly")
    with db.begin() as session:
        sync_config(session, config)
        ops.add_post(session, compose(request, config, datetime.now(UTC), tmp_path), ADMIN)
    with db.begin() as session:
        (moved,) = ops.reschedule(session, "cli:telly", datetime(year, 12, 9, 19, 30), LONDON, ADMIN)
        assert moved.due_at == datetime(year, 12, 9, 19, 30, tzinfo=UTC)
    with db() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "delivery.reschedule"))
    assert event.detail["before"] == {"due_at": f"{year}-12-09T19:00:00+00:00"}
    assert event.detail["after"] == {"due_at": f"{year}-12-09T19:30:00+00:00"}
    with db() as session, pytest.raises(ops.QueueError, match="does not exist"):
        ops.reschedule(session, "cli:telly", datetime(2026, 3, 29, 1, 30), LONDON, ADMIN)


def test_a_campaign_files_post_is_moved_in_its_file(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY)
    with db() as session, pytest.raises(FilePostEdit, match=r"rally:livestream comes from .*: edit it there"):
        ops.reschedule(session, "rally:livestream", datetime(2026, 12, 9, 19, 30), LONDON, ADMIN)


def test_retry_only_what_failed(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY)
    with db.begin() as session:
        delivery = session.scalars(select(Delivery)).first()
        assert delivery is not None
        delivery.state, delivery.last_error = DeliveryState.FAILED, "code 190"
        failed_id = delivery.id
    with db.begin() as session:
        ops.retry(session, str(failed_id), ADMIN, now=datetime(2026, 12, 1, tzinfo=UTC))
    with db() as session:
        again = session.get(Delivery, failed_id)
        assert again is not None and again.state is DeliveryState.SCHEDULED
    with db() as session, pytest.raises(ops.QueueError, match=r"no delivery .* allows it"):
        ops.retry(session, "rally:register", ADMIN)


def test_unknown_references_say_how_to_find_one(db: sessionmaker[Session]) -> None:
    with db() as session, pytest.raises(ops.QueueError, match="socialbot queue list"):
        ops.cancel(session, "nope:nothing", ADMIN)


def test_send_back_with_a_note_and_the_authors_edit_submits_it_again(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    from socialbot.access.roles import Actor, Forbidden
    from socialbot.queue.errors import QueueError
    from socialbot.store import Role

    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    author = Actor("author@example.org", Role.APPROVER, "web")
    approver = Actor("approver@example.org", Role.APPROVER, "web")
    year = datetime.now(UTC).year + 1
    request = PostRequest(
        ["network-x", "network-mastodon"], "Ballots drop", at=datetime(year, 6, 1, 19), key="ballots"
    )
    request.requires_approval = True
    with db.begin() as session:
        sync_config(session, config)
        ops.add_post(session, compose(request, config, datetime.now(UTC), tmp_path), author)
    refused: list[type[Exception]] = []
    for who, note in ((approver, " "), (author, "mine"), (Actor("approver-2", Role.OFFICER, "web"), "x")):
        with pytest.raises((QueueError, Forbidden)) as caught, db.begin() as session:
            ops.send_back(session, "cli:ballots", who, note)
        refused.append(caught.type)
    assert refused == [QueueError, Forbidden, Forbidden], (
        "no note; the author themselves (four-eyes); an officer"
    )
    with db.begin() as session:
        returned = ops.send_back(session, "cli:ballots", approver, "Say which day the ballots drop")
        assert {d.state for d in returned} == {DeliveryState.DRAFT}
    with db() as session:
        post = ops.find(session, "cli:ballots")[0].scheduled_post
        assert ops.sent_back_note(session, post) == ("approver@example.org", "Say which day the ballots drop")
    # A draft is never sent; the author's edit puts it back in the approver's list.
    request.text, request.key = "Ballots drop on Monday", "ballots"
    with db.begin() as session:
        ops.add_post(session, compose(request, config, datetime.now(UTC), tmp_path), author, replace=True)
    with db() as session:
        found = ops.find(session, "cli:ballots")
        assert {d.state for d in found} == {DeliveryState.PENDING_APPROVAL}
        assert ops.sent_back_note(session, found[0].scheduled_post) is None
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("delivery.send_back") == 2 and actions.count("delivery.submit") == 2
