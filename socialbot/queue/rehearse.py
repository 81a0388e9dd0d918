"""`schedule rehearse`: a campaign run against the sandbox on a virtual clock, in a throwaway store.

Every due time of the campaign is visited in order: the dispatcher runs as if it were that moment,
so a two-week campaign rehearses in seconds, and officers see what would appear where, and when.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from socialbot.access.roles import Actor
from socialbot.config import Config
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.run import dispatch_round
from socialbot.queue.campaign import Campaign
from socialbot.queue.ops import in_due_order
from socialbot.queue.sync import sync_campaign
from socialbot.store import Delivery, DeliveryState, Role
from socialbot.store.engine import make_engine, session_factory
from socialbot.store.migrate import upgrade
from socialbot.store.sync import sync_config


@dataclass
class RehearsedDelivery:
    """One delivery as the rehearsal saw it."""

    when: datetime
    account: str
    post: str
    state: DeliveryState
    parts: list[str]
    permalink: str | None
    error: str | None
    # It waits for an approver in real life; the rehearsal approved it.
    approved_for_rehearsal: bool = False


@dataclass
class Rehearsal:
    """The campaign's timeline as it played out."""

    deliveries: list[RehearsedDelivery] = field(default_factory=list)

    @property
    def problems(self) -> list[RehearsedDelivery]:
        """Deliveries that did not go out."""
        return [d for d in self.deliveries if d.state is not DeliveryState.SENT]


REHEARSAL = Actor("rehearsal", Role.ADMIN, "cli")


def rehearse(
    campaign: Campaign, config: Config, env: dict[str, str], sandbox_url: str, approve_all: bool = True
) -> Rehearsal:
    """Play the campaign against the sandbox, every due moment in order, in a temporary database."""
    with tempfile.TemporaryDirectory(prefix="socialbot-rehearsal-") as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'rehearsal.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        approved: set[int] = set()
        with sessions.begin() as session:
            sync_config(session, config)
            sync_campaign(session, campaign, actor=REHEARSAL)
            if approve_all:
                # Officers approve before the day; a rehearsal assumes they did, and says so.
                for delivery in session.scalars(
                    select(Delivery).where(Delivery.state == DeliveryState.PENDING_APPROVAL)
                ):
                    delivery.state = DeliveryState.SCHEDULED
                    approved.add(delivery.id)
        moments = sorted({d.due_at for post in campaign.posts for d in post.deliveries})
        publishers = Publishers(config, env, sandbox_url)
        try:
            for moment in moments:
                dispatch_round(
                    sessions, publishers, "rehearsal", now=moment + timedelta(seconds=1), budget=None
                )
        finally:
            publishers.close()
        rehearsal = Rehearsal()
        with sessions() as session:
            for d in session.scalars(in_due_order()):
                rehearsal.deliveries.append(
                    RehearsedDelivery(
                        d.due_at.astimezone(campaign.zone),
                        d.account.key,
                        d.scheduled_post.key,
                        d.state,
                        [p.external_id for p in d.parts],
                        d.permalink,
                        d.last_error,
                        d.id in approved,
                    )
                )
        engine.dispose()
    return rehearsal
