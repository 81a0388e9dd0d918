"""A dispatch round: expire what missed its deadline, claim what is due, send it (accounts in parallel)."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.dispatch.claim import claim_due, expire_missed
from socialbot.dispatch.publishers import Publishers
from socialbot.dispatch.send import SendOutcome, send_delivery
from socialbot.store import Account, Delivery
from socialbot.store.counters import DISPATCH_HEARTBEAT, bump


@dataclass
class DispatchReport:
    """What one round did."""

    expired: list[int] = field(default_factory=list)
    outcomes: list[SendOutcome] = field(default_factory=list)


def dispatch_round(
    sessions: sessionmaker[Session],
    publishers: Publishers,
    worker: str,
    now: datetime | None = None,
    limit: int = 200,
    concurrency: int = 8,
) -> DispatchReport:
    """Send every due delivery once; each account's in due order (threads stay in order), accounts at once."""
    now = now or datetime.now(UTC)
    with sessions.begin() as session:
        bump(session, DISPATCH_HEARTBEAT)
    report = DispatchReport(expired=expire_missed(sessions, now))
    claimed = claim_due(sessions, now, worker, limit)
    if not claimed:
        return report
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
    return report
