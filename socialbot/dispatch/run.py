"""A dispatch round: expire what missed its deadline, claim what is due, send it (accounts in parallel)."""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.dispatch.alerts import Alerts
from socialbot.dispatch.claim import claim_due, expire_missed
from socialbot.dispatch.hold import hold_unpublishable
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.send import SendOutcome, send_delivery
from socialbot.store import Account, Delivery, DeliveryState, ScheduledPost
from socialbot.store.counters import DISPATCH_HEARTBEAT, bump


@dataclass
class DispatchReport:
    """What one round did."""

    expired: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    outcomes: list[SendOutcome] = field(default_factory=list)


def dispatch_round(
    sessions: sessionmaker[Session],
    publishers: Publishers,
    worker: str,
    now: datetime | None = None,
    concurrency: int = 8,
    alerts: Alerts | None = None,
    budget: float | None = 1.5,
) -> DispatchReport:
    """Send due deliveries once; each account's in due order (threads stay in order), accounts at once.

    Deliveries are claimed a small batch at a time (a crash leaves only that batch to settle), batch
    after batch while the last one was full, for about budget seconds (None: until nothing is due),
    so that one round fits between two of the scheduler's ticks.
    """
    now = now or datetime.now(UTC)
    with sessions.begin() as session:
        bump(session, DISPATCH_HEARTBEAT)
    report = DispatchReport(
        expired=expire_missed(sessions, now), held=hold_unpublishable(sessions, publishers, now)
    )
    deadline = None if budget is None else time.monotonic() + budget
    while True:
        claimed = claim_due(sessions, now, worker, limit=concurrency)
        if claimed:
            _send(sessions, publishers, now, claimed, concurrency, report)
        if len(claimed) < concurrency or (deadline is not None and time.monotonic() > deadline):
            break
    if alerts is not None:
        _alert(sessions, alerts, report)
    return report


def _send(
    sessions: sessionmaker[Session],
    publishers: Publishers,
    now: datetime,
    claimed: list[int],
    concurrency: int,
    report: DispatchReport,
) -> None:
    with sessions() as session:
        rows = session.execute(
            select(Delivery.id, Account.key)
            .join(Account, Delivery.account_id == Account.id)
            .where(Delivery.id.in_(claimed))
            .order_by(Delivery.due_at, Delivery.id)
        ).all()
    by_account: dict[str, list[int]] = defaultdict(list)
    for delivery_id, account in rows:
        by_account[account].append(delivery_id)

    def send_all(ids: list[int]) -> list[SendOutcome]:
        return [send_delivery(sessions, delivery_id, publishers, now) for delivery_id in ids]

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(by_account)))) as pool:
        for outcomes in pool.map(send_all, by_account.values()):
            report.outcomes += outcomes


def _alert(sessions: sessionmaker[Session], alerts: Alerts, report: DispatchReport) -> None:
    """One alert per failed delivery, one for every batch of expired ones."""
    failed = {o.delivery_id: o.message for o in report.outcomes if o.state is DeliveryState.FAILED}
    failed |= {o.delivery_id: o.message for o in report.outcomes if o.state is DeliveryState.EXPIRED}
    names = describe_deliveries(sessions, [*failed, *report.expired, *report.held])
    for delivery_id, message in failed.items():
        alerts.send(
            f"socialbot: a post failed ({names[delivery_id]})",
            f"{message}\n\nDelivery {delivery_id}. `socialbot queue retry {delivery_id}` sends it again "
            "once the cause is fixed.",
        )
    if report.expired:
        listed = "\n".join(f"- {names[i]} (delivery {i})" for i in report.expired)
        alerts.send(
            f"socialbot: {len(report.expired)} posts expired unsent",
            f"They missed their not_after deadline:\n{listed}",
        )
    if report.held:
        listed = "\n".join(f"- {names[i]} (delivery {i})" for i in report.held)
        alerts.send(
            f"socialbot: {len(report.held)} posts held, not sent",
            f"Their accounts must not be sent to the real platform (`socialbot queue list` says why):\n"
            f"{listed}\n\nFix the account in feeds.toml, then `socialbot queue retry ID` sends each.",
        )


def describe_deliveries(sessions: sessionmaker[Session], ids: list[int]) -> dict[int, str]:
    """ "campaign:key to account" for each delivery id."""
    if not ids:
        return {}
    with sessions() as session:
        rows = session.execute(
            select(Delivery.id, ScheduledPost.campaign, ScheduledPost.key, Account.key)
            .join(ScheduledPost, Delivery.scheduled_post_id == ScheduledPost.id)
            .join(Account, Delivery.account_id == Account.id)
            .where(Delivery.id.in_(ids))
        ).all()
    return {delivery_id: f"{campaign}:{key} to {account}" for delivery_id, campaign, key, account in rows}
