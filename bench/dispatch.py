"""Dispatch benchmark (not a test). Run: make bench, or .venv/bin/python bench/dispatch.py [--due N].

10,000 queued deliveries on the network's four accounts, 1,000 of them due across the same minute,
the sandbox with no added latency. The dispatcher runs as `socialbot dispatch` does (a round, then
another at once if it sent anything). Prints each due delivery's lateness (the time its last part
was stored, minus its due time) at p50 and p99, and the peak memory. Target: p99 <= 1 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from socialbot.config import load_config  # noqa: E402
from socialbot.dispatch.publishers import Publishers  # noqa: E402
from socialbot.dispatch.run import dispatch_round  # noqa: E402
from socialbot.networks.credentials import sandbox_credentials  # noqa: E402
from socialbot.sandbox.process import running_sandbox  # noqa: E402
from socialbot.store import Account, Delivery, DeliveryPart, DeliveryState, ScheduledPost  # noqa: E402
from socialbot.store.engine import make_engine, session_factory  # noqa: E402
from socialbot.store.migrate import upgrade  # noqa: E402
from socialbot.store.sync import sync_config  # noqa: E402

ENV = sandbox_credentials(load_config(ROOT / "feeds.toml", {}))


def queue(sessions: object, total: int, due: int, start: datetime) -> None:
    """total deliveries, one post each, round-robin over the accounts; due of them spread over a minute."""
    with sessions.begin() as session:  # type: ignore[attr-defined]
        accounts = list(session.scalars(select(Account).order_by(Account.key)))
        for i in range(total):
            when = (
                start + timedelta(seconds=60 * i / due) if i < due else start + timedelta(hours=2, seconds=i)
            )
            post = ScheduledPost(
                campaign="bench", key=f"post-{i}", text=f"Ballots drop tomorrow: bench post {i} #GV6"
            )
            post.deliveries.append(
                Delivery(
                    account=accounts[i % len(accounts)],
                    state=DeliveryState.SCHEDULED,
                    due_at=when,
                    idempotency_key=uuid.uuid4().hex,
                )
            )
            session.add(post)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    config = load_config(ROOT / "feeds.toml", ENV)
    with tempfile.TemporaryDirectory() as directory, running_sandbox(env=ENV, cwd=ROOT) as (sandbox, _):
        engine = make_engine(f"sqlite:///{Path(directory) / 'dispatch.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            sync_config(session, config)
        start = datetime.now(UTC) + timedelta(seconds=10)
        queue(sessions, args.total, args.due, start)
        print(f"== {args.total:,} deliveries queued, {args.due:,} due from {start:%H:%M:%S} over one minute")
        publishers = Publishers(config, ENV, sandbox)
        stop = threading.Event()

        def dispatcher() -> None:
            while not stop.is_set():
                report = dispatch_round(sessions, publishers, "bench")
                if not report.outcomes:
                    time.sleep(0.05)

        thread = threading.Thread(target=dispatcher)
        thread.start()
        deadline = start + timedelta(seconds=75)
        while datetime.now(UTC) < deadline:
            time.sleep(1)
        stop.set()
        thread.join()
        publishers.close()
        with sessions() as session:
            rows = session.execute(
                select(Delivery.due_at, func.max(DeliveryPart.sent_at))
                .join(DeliveryPart, DeliveryPart.delivery_id == Delivery.id)
                .where(Delivery.state == DeliveryState.SENT)
                .group_by(Delivery.id)
            ).all()
            states = dict(
                session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
            )
        engine.dispose()
    lateness = sorted((sent - due).total_seconds() for due, sent in rows)
    p50 = statistics.median(lateness)
    p99 = lateness[int(len(lateness) * 0.99) - 1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  sent {len(lateness):,} of {args.due:,} due; states: { {s.value: n for s, n in states.items()} }"
    )
    print(
        f"  lateness p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, worst {lateness[-1] * 1000:.0f} ms  "
        f"(target p99 <= 1,000 ms)"
    )
    print(f"  peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
