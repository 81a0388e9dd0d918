"""The models on SQLite and PostgreSQL: aware UTC times, constraints, enums, foreign keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from socialbot.store import (
    Account,
    Delivery,
    DeliveryPart,
    DeliveryState,
    Group,
    Moderation,
    Post,
    ScheduledPost,
    Source,
)

BST = timezone(timedelta(hours=1))


def a_group(session: Session) -> Group:
    group = Group(slug="brent-momentum", name="Brent Momentum")
    group.sources.append(Source(network="twitter", locator="brentmomentum"))
    session.add(group)
    session.flush()
    return group


def a_post(group: Group, external_id: str = "1", **fields: object) -> Post:
    values: dict[str, object] = {
        "network": "twitter",
        "external_id": external_id,
        "group": group,
        "text": "Ballots drop tomorrow. Check your inbox & vote #GV6",
        "published_at": datetime(2025, 3, 30, 8, 0, tzinfo=BST),
    }
    values.update(fields)
    return Post(**values)


def test_timestamps_come_back_aware_in_utc(db: sessionmaker[Session]) -> None:
    with db.begin() as session:
        session.add(a_post(a_group(session)))
    with db() as session:
        post = session.scalars(select(Post)).one()
        assert post.published_at == datetime(2025, 3, 30, 7, 0, tzinfo=UTC)
        assert post.published_at.utcoffset() == timedelta(0)
        assert post.fetched_at.tzinfo is not None
        assert post.moderation is Moderation.VISIBLE


def test_time_comparisons_use_utc_instants(db: sessionmaker[Session]) -> None:
    with db.begin() as session:
        group = a_group(session)
        session.add(a_post(group, "early", published_at=datetime(2025, 3, 30, 8, 30, tzinfo=BST)))  # 07:30Z
        session.add(a_post(group, "late", published_at=datetime(2025, 3, 30, 7, 45, tzinfo=UTC)))
    with db() as session:
        order = session.scalars(select(Post.external_id).order_by(Post.published_at)).all()
        assert order == ["early", "late"]
        after = session.scalars(
            select(Post.external_id).where(Post.published_at > datetime(2025, 3, 30, 8, 40, tzinfo=BST))
        ).all()
        assert after == ["late"]


def test_naive_datetimes_are_refused(db: sessionmaker[Session]) -> None:
    with db() as session, pytest.raises(StatementError, match="naive datetime"):
        session.add(a_post(a_group(session), published_at=datetime(2025, 3, 30, 8, 0)))
        session.flush()


def test_a_post_is_unique_per_network_and_external_id(db: sessionmaker[Session]) -> None:
    with db() as session:
        group = a_group(session)
        session.add(a_post(group, "42"))
        session.add(a_post(group, "42", network="facebook"))
        session.flush()
        session.add(a_post(group, "42"))
        with pytest.raises(IntegrityError):
            session.flush()


def test_foreign_keys_are_enforced(db: sessionmaker[Session]) -> None:
    with db() as session:
        session.add(Post(network="rss", external_id="x", group_id=999, published_at=datetime.now(UTC)))
        with pytest.raises(IntegrityError):
            session.flush()


def test_delivery_state_machine_columns(db: sessionmaker[Session]) -> None:
    due = datetime(2025, 10, 26, 9, 0, tzinfo=UTC)
    with db.begin() as session:
        account = Account(
            key="network-x",
            network="twitter",
            handle="network",
            credential_env={"api_key": "SOCIALBOT_X_API_KEY"},
        )
        post = ScheduledPost(
            campaign="gv6",
            key="ballots-drop",
            text="Ballots drop tomorrow.",
            thread=["(1/2) Members are the Labour Party", "(2/2) Vote #GV6"],
        )
        session.add(Delivery(scheduled_post=post, account=account, due_at=due, state=DeliveryState.SCHEDULED))
    with db.begin() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.state is DeliveryState.SCHEDULED
        assert delivery.scheduled_post.thread[1] == "(2/2) Vote #GV6"
        session.add(DeliveryPart(delivery_id=delivery.id, position=0, external_id="1001"))
    with db() as session:
        delivery = session.scalars(select(Delivery)).one()
        session.add(
            Delivery(
                scheduled_post_id=delivery.scheduled_post_id,
                account_id=delivery.account_id,
                due_at=due,
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()


def test_scheduled_post_is_unique_per_campaign_and_key(db: sessionmaker[Session]) -> None:
    with db() as session:
        session.add(ScheduledPost(campaign="gv6", key="ballots-drop"))
        session.add(ScheduledPost(campaign="rally", key="ballots-drop"))
        session.flush()
        session.add(ScheduledPost(campaign="gv6", key="ballots-drop"))
        with pytest.raises(IntegrityError):
            session.flush()
