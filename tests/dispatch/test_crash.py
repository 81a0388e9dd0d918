"""The crash test: the dispatcher is killed with SIGKILL at random moments and restarted, over and over.

300 deliveries on 3 accounts (a third of them 4-part threads), all due at once. At the end the
sandbox's record must show every part of every delivery exactly once, each thread in order, and
the store must hold no delivery outside sent and unknown (every unknown one is checked against the
record and counted).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from socialbot.config import load_config
from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store import AuditEvent, Delivery, DeliveryState
from socialbot.store.engine import make_engine, session_factory
from socialbot.store.migrate import upgrade
from socialbot.store.sync import sync_config
from socialbot.subprocesses import child_environment
from tests.conftest import ADMIN, ROOT
from tests.sandbox_server import control, running_sandbox
from tests.test_config import SANDBOX_ENV

POSTS, THREADS_EVERY, KILLS = 100, 3, 20


def campaign_text() -> str:
    when = (datetime.now(UTC) - timedelta(seconds=30)).astimezone(ZoneInfo("Europe/London"))
    lines = ['campaign = "crash"', 'targets = ["network-x", "network-bluesky", "network-mastodon"]', ""]
    for n in range(POSTS):
        lines += [
            "[[post]]",
            f'key = "post-{n}"',
            f"at = {when.replace(tzinfo=None, microsecond=0).isoformat()}",
        ]
        if n % THREADS_EVERY == 0:
            parts = [f"Crash test post {n}, part {i}: members are the party. ({i}/4)" for i in range(1, 5)]
            lines.append("thread = [" + ", ".join(f'"{p}"' for p in parts) + "]")
        else:
            lines.append(f'text = "Crash test post {n}: ballots drop tomorrow, check your inbox & vote #GV6"')
        lines.append("")
    return "\n".join(lines)


def test_every_part_exactly_once_through_twenty_kills(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    (tmp_path / "crash.toml").write_text(campaign_text())
    with sessions.begin() as session:
        sync_config(session, config)
        sync_campaign(session, load_campaign(tmp_path / "crash.toml", config), ADMIN)
    env = child_environment(SANDBOX_ENV)
    rng = random.Random(2026)
    with running_sandbox("--latency", "20") as (sandbox, _):
        command = [
            sys.executable,
            "-m",
            "socialbot",
            "--database-url",
            db_url,
            "dispatch",
            "--sandbox",
            sandbox,
            "--interval",
            "0.2",
        ]
        kills = 0
        deadline = time.monotonic() + 300
        while kills < KILLS and time.monotonic() < deadline:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(1.2, 2.5))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
        final = subprocess.run(
            [*command[:-2], "--until-idle", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert final.returncode == 0, final.stderr[-2000:]
        record = [
            e
            for e in control(sandbox, "GET", "published")["published"]
            if "Crash test post" in e.get("text", "")
        ]
    assert kills >= KILLS, f"only {kills} kills before the work ran out"
    counts = Counter((e["network"], e["account"], e["text"]) for e in record)
    repeated = [key for key, n in counts.items() if n > 1]
    assert repeated == [], f"{len(repeated)} parts published more than once: {repeated[:3]}"
    by_thread: dict[tuple[str, str, int], list[dict[str, object]]] = defaultdict(list)
    for entry in record:
        post = int(str(entry["text"]).split("post ")[1].split(",")[0].split(":")[0])
        by_thread[(str(entry["network"]), str(entry["account"]), post)].append(entry)
    with sessions() as session:
        deliveries = session.scalars(
            select(Delivery).options(joinedload(Delivery.account), joinedload(Delivery.scheduled_post))
        ).all()
        states = Counter(d.state for d in deliveries)
        unknown = [d for d in deliveries if d.state is DeliveryState.UNKNOWN]
        assert set(states) <= {DeliveryState.SENT, DeliveryState.UNKNOWN}, states
        decisions = Counter(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("delivery.reconcile.%"))
            ).all()
        )
        for d in deliveries:
            if d.state is not DeliveryState.SENT:
                continue
            post = int(d.scheduled_post.key.split("-")[1])
            network = d.account.network
            parts = by_thread[(network, d.account.handle, post)]
            expected = 4 if post % THREADS_EVERY == 0 else 1
            assert len(parts) == expected, (d.account.key, post, [p["text"] for p in parts])
            assert [p["reply_to"] for p in parts] == [None] + [p["id"] for p in parts[:-1]], "thread in order"
    published_unknown = sum(
        1
        for d in unknown
        if by_thread[(d.account.network, d.account.handle, int(d.scheduled_post.key.split("-")[1]))]
    )
    print(
        f"\ncrash test: {kills} kills, {len(deliveries)} deliveries: {states[DeliveryState.SENT]} sent, "
        f"{len(unknown)} unknown ({published_unknown} of them published, "
        f"{len(unknown) - published_unknown} not); "
        f"{len(record)} parts published, none twice; reconciled after kills: {dict(decisions)}"
    )
    engine.dispose()
