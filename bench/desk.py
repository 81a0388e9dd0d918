"""Desk benchmark (not a test). Run: make bench, or .venv/bin/python bench/desk.py.

1. /desk/calendar for a month holding 10,000 deliveries (2,500 posts to 4 accounts), asked in-process
   as a signed-in officer: the page's time (target: under 100 ms), against the same month read
   naively (every Delivery loaded as an ORM object with its post and account) and grouped the same way.
2. /desk/compose/preview for a 2,000-character text split into threads for X, Bluesky and Mastodon
   (target: under 20 ms), against the same preview() called directly (what the endpoint adds).
All numbers come from one run, measured side by side; medians of repeated runs.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import joinedload

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient; httpx is what socialbot installs.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from socialbot.access.roles import Actor  # noqa: E402
from socialbot.access.users import add_user  # noqa: E402
from socialbot.config import load_config  # noqa: E402
from socialbot.networks.credentials import sandbox_credentials  # noqa: E402
from socialbot.networks.twitter.text import parse_tweet, weighted_length  # noqa: E402
from socialbot.queue.compose import PostRequest  # noqa: E402
from socialbot.queue.preview import preview  # noqa: E402
from socialbot.queue.text import split_thread  # noqa: E402
from socialbot.store import Account, Delivery, DeliveryState, Role, ScheduledPost  # noqa: E402
from socialbot.store.engine import make_engine, session_factory  # noqa: E402
from socialbot.store.migrate import upgrade  # noqa: E402
from socialbot.store.sync import sync_config  # noqa: E402
from socialbot.web.app import create_app  # noqa: E402
from socialbot.web.desk.calendar import Entry, local_midnight, span  # noqa: E402

ENV = sandbox_credentials(load_config(ROOT / "feeds.toml", {}))
PASSWORD = "bench officer passphrase"
MONTH = datetime(2027, 1, 1)
STATES = [DeliveryState.SCHEDULED, DeliveryState.SENT, DeliveryState.PENDING_APPROVAL, DeliveryState.FAILED]


def median_ms(run: Callable[[], object], times: int = 15) -> float:
    """The median wall time of run, in milliseconds, after one warm-up."""
    run()
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def seed(db: object, config: object) -> None:
    """2,500 posts to every account (10,000 deliveries) spread over January 2027."""
    sessions = db  # type: ignore[assignment]
    with sessions.begin() as session:  # type: ignore[attr-defined]
        accounts = list(session.scalars(select(Account).where(Account.network != "rss")))[:4]
        zone = config.timezone  # type: ignore[attr-defined]
        for n in range(2500):
            local = MONTH + timedelta(minutes=17 * n)
            due = local.replace(tzinfo=zone).astimezone(UTC)
            post = ScheduledPost(
                campaign=f"campaign-{n % 12}", key=f"post-{n}", text=f"Post {n}: ballots drop tomorrow #GV6"
            )
            post.deliveries = [
                Delivery(
                    account=account,
                    state=STATES[(n + i) % len(STATES)],
                    due_at=due,
                    idempotency_key=uuid.uuid4().hex,
                )
                for i, account in enumerate(accounts)
            ]
            session.add(post)


def naive_month(db: object, zone: object) -> dict[object, list[Entry]]:
    """The same month the naive way: every Delivery an ORM object with its post and account."""
    first, last = span("month", MONTH.date())
    days: dict[object, list[Entry]] = defaultdict(list)
    with db() as session:  # type: ignore[operator]
        found = session.scalars(
            select(Delivery)
            .options(joinedload(Delivery.scheduled_post), joinedload(Delivery.account))
            .where(
                Delivery.due_at >= local_midnight(first, zone),  # type: ignore[arg-type]
                Delivery.due_at < local_midnight(last + timedelta(days=1), zone),  # type: ignore[arg-type]
            )
            .order_by(Delivery.due_at)
        ).all()
        by_post: dict[tuple[int, datetime], Entry] = {}
        for d in found:
            local = d.due_at.astimezone(zone)  # type: ignore[arg-type]
            key = (d.scheduled_post_id, d.due_at)
            if key not in by_post:
                post = d.scheduled_post
                by_post[key] = Entry(f"{post.campaign}:{post.key}", post.campaign, local, post.text[:80])
                days[local.date()].append(by_post[key])
            states = by_post[key].states
            states[d.state.value] = states.get(d.state.value, 0) + 1
            assert d.account.key
    return days


def thread_parts(text: str) -> list[str]:
    """X's parts of text (measured once, so the comparison below times parse_tweet alone)."""
    return split_thread("twitter", text)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="socialbot-bench-desk-"))
    engine = make_engine(f"sqlite:///{folder / 'desk.db'}")
    upgrade(engine)
    db = session_factory(engine)
    config = load_config(ROOT / "feeds.toml", ENV)
    with db.begin() as session:
        sync_config(session, config)
        add_user(
            session, Actor("os:bench", Role.ADMIN, "cli"), "bench@example.org", Role.APPROVER, "B", PASSWORD
        )
    started = time.perf_counter()
    seed(db, config)
    print(f"seeded 10,000 deliveries in {time.perf_counter() - started:.1f} s")
    app = create_app(config, db, environ={"SOCIALBOT_MEDIA_DIR": str(folder / "media")})
    with TestClient(app, base_url="http://localhost") as client:
        page = client.get("/desk/sign-in").text
        token = re.search(r'name="form_token" value="([^"]+)"', page)
        assert token
        signed = client.post(
            "/desk/sign-in",
            data={"form_token": token.group(1), "email": "bench@example.org", "password": PASSWORD},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/desk").text)
        assert csrf

        url = f"/desk/calendar?day={MONTH:%Y-%m-%d}"
        answer = client.get(url)
        # The month shows six entries a day and "+N more" (the week view lists them all).
        assert (
            answer.status_code == 200 and answer.text.count("desk-entry ") > 150 and "more</a>" in answer.text
        )
        ours = median_ms(lambda: client.get(url))
        naive = median_ms(lambda: naive_month(db, config.timezone), times=7)
        print("\n1. The calendar month with 10,000 deliveries (in-process, signed in)")
        week = median_ms(lambda: client.get(url + "&view=week"))
        print(f"   /desk/calendar page: {ours:7.1f} ms   (target under 100 ms); its week view: {week:.1f} ms")
        print(
            f"   naive ORM read of the same month (no rendering): {naive:7.1f} ms   -> {naive / ours:.1f}x the whole page"
        )

        words = "Ballots drop tomorrow. Check your inbox & vote #GV6 https://example.org/gv6/how-to-vote."
        text = (words + " ") * (2000 // (len(words) + 1))
        text = text[:2000]
        form = {
            "csrf_token": csrf.group(1),
            "text": text,
            "thread": "auto",
            "targets": ["network-x", "network-bluesky", "network-mastodon"],
            "day": "2027-01-20",
            "at": "19:00",
            "campaign": "desk",
        }
        shown = client.post("/desk/compose/preview", data=form)
        assert shown.status_code == 200 and "(1/" in shown.text, shown.text[:300]
        typed = iter(range(10**6))

        def as_typed() -> object:
            # One character more each time, as the page asks while the officer types.
            return client.post("/desk/compose/preview", data={**form, "text": f"{text} {next(typed)}"})

        def cold() -> object:
            weighted_length.cache_clear()
            return client.post("/desk/compose/preview", data=form)

        endpoint = median_ms(as_typed, times=30)
        endpoint_cold = median_ms(cold, times=15)
        request = PostRequest(form["targets"], text, at=datetime(2027, 1, 20, 19), thread=True)  # type: ignore[arg-type]

        def direct() -> object:
            weighted_length.cache_clear()
            return preview(request, config, datetime(2027, 1, 1, tzinfo=UTC), folder)

        alone = median_ms(direct, times=15)
        with_library = median_ms(lambda: [parse_tweet(p) for p in thread_parts(text)], times=15)
        print(f"\n2. The compose preview of a {len(text):,}-character text (threads on X, Bluesky, Mastodon)")
        print(
            f"   /desk/compose/preview as typed (one character more each time): {endpoint:6.1f} ms   (target under 20 ms)"
        )
        print(f"   /desk/compose/preview cold (no length cached):                 {endpoint_cold:6.1f} ms")
        print(
            f"   preview() alone, cold: {alone:6.1f} ms; twitter-text's parse_tweet of X's parts alone: {with_library:6.1f} ms"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
