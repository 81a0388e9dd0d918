"""`schedule sync` on SQLite and PostgreSQL: idempotent, reschedules unsent, never touches sent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store import Delivery, DeliveryState, ScheduledPost
from socialbot.store.sync import sync_config
from tests.conftest import ADMIN, ROOT
from tests.test_config import SANDBOX_ENV

RALLY = """campaign = "rally"
targets = ["network-x", "network-mastodon"]

[[post]]
key = "livestream"
at = 2026-12-09T19:00:00
text = "We're live: the rally is streaming now."

[[post]]
key = "register"
at = 2026-12-07T12:00:00
requires_approval = true
text = "Register now to join the rally."
"""


def sync(db: sessionmaker[Session], tmp_path: Path, text: str, prune: bool = False) -> object:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    path = tmp_path / "rally.toml"
    path.write_text(text)
    with db.begin() as session:
        sync_config(session, config)
        return sync_campaign(session, load_campaign(path, config), actor=ADMIN, prune=prune)


def states(db: sessionmaker[Session]) -> dict[tuple[str, str], tuple[DeliveryState, str]]:
    with db() as session:
        rows = session.execute(select(ScheduledPost.key, Delivery).join(Delivery.scheduled_post)).all()
        return {(key, d.account.key): (d.state, d.due_at.strftime("%H:%M")) for key, d in rows}


def test_sync_is_idempotent_and_approval_is_respected(db: sessionmaker[Session], tmp_path: Path) -> None:
    first = sync(db, tmp_path, RALLY)
    again = sync(db, tmp_path, RALLY)
    assert (first.posts_created, first.deliveries_created) == (2, 4)  # type: ignore[attr-defined]
    assert (again.posts_created, again.deliveries_created, again.deliveries_rescheduled) == (0, 0, 0)  # type: ignore[attr-defined]
    found = states(db)
    assert found[("livestream", "network-x")] == (DeliveryState.SCHEDULED, "19:00")
    assert found[("register", "network-x")][0] is DeliveryState.PENDING_APPROVAL


def test_seven_pm_to_half_seven_moves_unsent_and_never_touches_sent(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    sync(db, tmp_path, RALLY)
    with db.begin() as session:
        sent = session.scalars(
            select(Delivery)
            .join(Delivery.account)
            .where(Delivery.occurrence == "", Delivery.state == DeliveryState.SCHEDULED)
        ).first()
        assert sent is not None
        sent.state = DeliveryState.SENT
        sent_key = (sent.scheduled_post.key, sent.account.key)
    result = sync(db, tmp_path, RALLY.replace("2026-12-09T19:00:00", "2026-12-09T19:30:00"))
    found = states(db)
    assert found[sent_key][1] == "19:00" and found[sent_key][0] is DeliveryState.SENT
    assert result.deliveries_rescheduled == 1 and result.left_alone == 1  # type: ignore[attr-defined]
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 4, "moved, not duplicated"


def test_removed_posts_are_cancelled_only_with_prune(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY)
    only_livestream = RALLY.split('[[post]]\nkey = "register"')[0]
    kept = sync(db, tmp_path, only_livestream)
    assert kept.removed_posts == ["register"] and kept.deliveries_cancelled == 0  # type: ignore[attr-defined]
    pruned = sync(db, tmp_path, only_livestream, prune=True)
    assert pruned.deliveries_cancelled == 2  # type: ignore[attr-defined]
    assert states(db)[("register", "network-x")][0] is DeliveryState.CANCELLED


def test_a_dropped_target_cancels_its_unsent_delivery(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync(db, tmp_path, RALLY)
    result = sync(
        db, tmp_path, RALLY.replace('targets = ["network-x", "network-mastodon"]', 'targets = ["network-x"]')
    )
    assert result.deliveries_cancelled == 2  # type: ignore[attr-defined]
    assert states(db)[("livestream", "network-mastodon")][0] is DeliveryState.CANCELLED


def test_the_shipped_gv6_campaign_syncs(db: sessionmaker[Session], tmp_path: Path) -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, config)
        result = sync_campaign(
            session, load_campaign(ROOT / "schedules" / "gv6-nec-ballot.toml", config), ADMIN
        )
    assert result.deliveries_created == 70
