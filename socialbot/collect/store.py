"""Writing a round's results: posts and source state together, one savepoint per source."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.pacing import WEEK, adaptive_interval, after, backoff
from socialbot.collect.report import SourceOutcome, Task
from socialbot.config import Config
from socialbot.networks.base import AuthFailed, Collector, Fetched, NetworkError, RateLimited, Transient
from socialbot.store import Post, Source
from socialbot.store.counters import bump
from socialbot.store.upsert import upsert_posts

log = logging.getLogger(__name__)

PLACEHOLDER_REASON = "placeholder handle: set the group's real account in feeds.toml"


def store_batch(
    sessions: sessionmaker[Session],
    config: Config,
    collectors: Mapping[str, Collector],
    results: list[tuple[Task, Fetched | None, NetworkError | None]],
    now: datetime,
) -> None:
    """Write a batch of sources' results in one transaction; a source's posts and state go together.

    First all at once, with as few statements as the batch allows: while a round's fetch threads
    parse answers, every statement waits its turn for the GIL, so statements, not rows, are what a
    write costs (bench/collect.py). Should that fail, the batch is written again source by source,
    each inside its own savepoint: a write that fails rolls back that source only, which is then
    recorded as an error, retried after a back-off like any other.
    """
    try:
        with sessions.begin() as session:
            _write(session, config, collectors, results, now, isolated=False)
        return
    except SQLAlchemyError as exc:
        log.warning(
            "store: a batch of %d sources failed as a whole (%s); writing each alone", len(results), exc
        )
    with sessions.begin() as session:
        _write(session, config, collectors, results, now, isolated=True)


def _write(
    session: Session,
    config: Config,
    collectors: Mapping[str, Collector],
    results: list[tuple[Task, Fetched | None, NetworkError | None]],
    now: datetime,
    isolated: bool,
) -> None:
    sources = {
        source.id: source
        for source in session.scalars(
            select(Source).where(Source.id.in_([task.ref.id for task, _, _ in results]))
        )
    }
    stored: list[tuple[Source, Task]] = []
    for task, fetched, error in results:
        source = sources.get(task.ref.id)
        if source is None:
            continue
        if not isolated:
            # No flush before each source's queries (they read posts, not sources): the sources'
            # changes are flushed once, at commit, the rows with the same changes in one executemany.
            with session.no_autoflush:
                _store(session, config, collectors, source, task, fetched, error, now)
        else:
            try:
                with session.begin_nested():
                    _store(session, config, collectors, source, task, fetched, error, now)
            except SQLAlchemyError as exc:
                # Its posts and new state are gone with the savepoint; the failure is kept, with a
                # back-off, as for any other error (`socialbot sources` shows it).
                message = f"store: {task.ref.network} {task.ref.locator}: {exc.__class__.__name__}: {exc}"
                _store_error(config, collectors, source, task.outcome, Transient(message), now)
                source.last_attempt_at = now
                continue
        if fetched is not None:
            stored.append((source, task))
    _pace(session, config, stored, now)
    if any(task.outcome.new or task.outcome.updated for _, task in stored):
        # The feed's cached pages are built again on the next request, not before.
        bump(session)


def _store(
    session: Session,
    config: Config,
    collectors: Mapping[str, Collector],
    source: Source,
    task: Task,
    fetched: Fetched | None,
    error: NetworkError | None,
    now: datetime,
) -> None:
    """Write one source's result and its state."""
    outcome = task.outcome
    if fetched is not None:
        _store_success(session, source, task, fetched, now)
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


def _store_success(session: Session, source: Source, task: Task, fetched: Fetched, now: datetime) -> None:
    outcome = task.outcome
    counts = upsert_posts(session, task.group_id, source.id, fetched.posts, now)
    outcome.new, outcome.updated, outcome.unchanged = counts.new, counts.updated, counts.unchanged
    outcome.status = "not_modified" if fetched.not_modified else "ok"
    outcome.warning = "; ".join(fetched.warnings)
    source.cursor = fetched.cursor or source.cursor
    source.platform_id = fetched.platform_id or source.platform_id
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.content_digest = fetched.content_digest
    source.last_success_at, source.consecutive_errors = now, 0
    source.last_error = source.parked_reason = source.parked_fingerprint = None
    source.last_status, source.last_new, source.last_updated = outcome.status, counts.new, counts.updated
    if not fetched.not_modified:
        # An unchanged feed keeps the warning its body earned when it was parsed.
        source.last_warning = outcome.warning or None


def _pace(session: Session, config: Config, stored: list[tuple[Source, Task]], now: datetime) -> None:
    """The next poll of each source that answered: adaptive to its posts of the last week (one query)."""
    if not stored:
        return
    rows = session.execute(
        select(Post.source_id, func.count())
        .where(Post.source_id.in_([source.id for source, _ in stored]))
        .where(Post.published_at >= now - timedelta(seconds=WEEK))
        .group_by(Post.source_id)
    )
    week = {source_id: count for source_id, count in rows}
    for source, _ in stored:
        source.poll_interval = adaptive_interval(
            week.get(source.id, 0), config.collect_interval, config.max_poll_interval
        )
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
