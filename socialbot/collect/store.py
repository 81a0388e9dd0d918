"""Writing a round's results: posts and source state together, one savepoint per source."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.pacing import WEEK, adaptive_interval, after, backoff
from socialbot.collect.report import SourceOutcome, Task
from socialbot.config import Config
from socialbot.networks.base import AuthFailed, Collector, Fetched, NetworkError, RateLimited
from socialbot.store import Post, Source
from socialbot.store.counters import bump
from socialbot.store.upsert import upsert_posts

PLACEHOLDER_REASON = "placeholder handle: set the group's real account in feeds.toml"


def store_batch(
    sessions: sessionmaker[Session],
    config: Config,
    collectors: Mapping[str, Collector],
    results: list[tuple[Task, Fetched | None, NetworkError | None]],
    now: datetime,
) -> None:
    """Write a batch of sources' results in one transaction, each source inside its own savepoint.

    A source's posts and state are written together or not at all; a write that fails rolls back
    that source only, which is then reported as an error (and fetched again next round).
    """
    with sessions.begin() as session:
        # One query loads the batch's sources; session.get then finds them in the identity map.
        list(session.scalars(select(Source).where(Source.id.in_([task.ref.id for task, _, _ in results]))))
        for task, fetched, error in results:
            try:
                with session.begin_nested():
                    _store(session, config, collectors, task, fetched, error, now)
            except SQLAlchemyError as exc:
                task.outcome.status = "error"
                task.outcome.message = (
                    f"store: {task.ref.network} {task.ref.locator}: {exc.__class__.__name__}: {exc}"
                )


def _store(
    session: Session,
    config: Config,
    collectors: Mapping[str, Collector],
    task: Task,
    fetched: Fetched | None,
    error: NetworkError | None,
    now: datetime,
) -> None:
    """Write one source's result and its state."""
    outcome = task.outcome
    source = session.get(Source, task.ref.id)
    if source is None:
        return
    if fetched is not None:
        # Queries first, then every change to the source row, so it is written by one UPDATE.
        _store_success(session, config, source, task, fetched, now)
    elif error is not None:
        _store_error(config, collectors, source, outcome, error, now)
    else:
        source.last_status, source.last_error = outcome.status, outcome.message
        placeholder = outcome.message == PLACEHOLDER_REASON
        source.next_attempt_at = after(
            now, config.max_poll_interval if placeholder else config.collect_interval
        )
    source.last_attempt_at = now
    source.last_duration_ms = int(outcome.seconds * 1000)


def _store_success(
    session: Session, config: Config, source: Source, task: Task, fetched: Fetched, now: datetime
) -> None:
    outcome = task.outcome
    counts = upsert_posts(session, task.group_id, source.id, fetched.posts, now)
    week = session.scalar(
        select(func.count())
        .select_from(Post)
        .where(Post.source_id == source.id, Post.published_at >= now - timedelta(seconds=WEEK))
    )
    outcome.new, outcome.updated, outcome.unchanged = counts.new, counts.updated, counts.unchanged
    if counts.new or counts.updated:
        # The feed's cached pages are built again on the next request, not before.
        bump(session)
    outcome.status = "not_modified" if fetched.not_modified else "ok"
    outcome.warning = "; ".join(fetched.warnings)
    source.cursor = fetched.cursor or source.cursor
    source.platform_id = fetched.platform_id or source.platform_id
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.last_success_at, source.consecutive_errors = now, 0
    source.last_error = source.parked_reason = source.parked_fingerprint = None
    source.last_status, source.last_new, source.last_updated = outcome.status, counts.new, counts.updated
    source.last_warning = outcome.warning or None
    source.poll_interval = adaptive_interval(week or 0, config.collect_interval, config.max_poll_interval)
    source.next_attempt_at = after(now, source.poll_interval)


def _store_error(
    config: Config,
    collectors: Mapping[str, Collector],
    source: Source,
    outcome: SourceOutcome,
    error: NetworkError,
    now: datetime,
) -> None:
    outcome.message = str(error)
    source.last_error = outcome.message
    if isinstance(error, RateLimited):
        outcome.status = source.last_status = "rate_limited"
        source.next_attempt_at = max(error.reset_at, after(now, 1))
    elif isinstance(error, AuthFailed):
        # Parked: retrying cannot help until the credentials change (checked every round).
        outcome.status = source.last_status = "parked"
        source.parked_reason = outcome.message
        source.parked_fingerprint = collectors[source.network].credentials_fingerprint()
        source.next_attempt_at = after(now, config.max_poll_interval)
    else:
        outcome.status = source.last_status = "error"
        source.consecutive_errors += 1
        source.next_attempt_at = after(
            now,
            backoff(
                source.consecutive_errors, config.collect_interval, config.max_poll_interval, random.Random()
            ),
        )


def count_dry(
    sessions: sessionmaker[Session], task: Task, fetched: Fetched | None, error: NetworkError | None
) -> None:
    outcome = task.outcome
    if error is not None:
        outcome.status = "rate_limited" if isinstance(error, RateLimited) else "error"
        outcome.message = str(error)
        return
    if fetched is None:
        return
    ids = [p.external_id for p in fetched.posts]
    with sessions() as session:
        stored = set(
            session.scalars(
                select(Post.external_id).where(Post.network == task.ref.network, Post.external_id.in_(ids))
            )
        )
    outcome.status = "not_modified" if fetched.not_modified else "ok"
    outcome.new, outcome.unchanged = len(set(ids) - stored), len(stored)
