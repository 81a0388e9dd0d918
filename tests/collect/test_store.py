"""Writing a round's results: a batch at once, and source by source when a write fails (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.report import SourceOutcome, Task
from socialbot.collect.store import store_batch
from socialbot.config import Config, load_config
from socialbot.networks.base import Fetched, Post, SourceRef
from socialbot.store import Post as StoredPost
from socialbot.store import Source
from socialbot.store.counters import read
from socialbot.store.sync import sync_config
from tests.test_config import SANDBOX_ENV

FEEDS = "[settings]\n" + "".join(
    f'[[group]]\nslug = "branch-{n}"\nname = "Branch {n}"\n'
    f'[[group.source]]\nnetwork = "rss"\nurl = "https://branch{n}.example.org/feed/"\n'
    for n in range(3)
)
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def config(db: sessionmaker[Session], tmp_path: Path) -> Config:
    (tmp_path / "feeds.toml").write_text(FEEDS)
    loaded = load_config(tmp_path / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, loaded)
    return loaded


@pytest.fixture
def refusing(store_engine: Engine) -> Iterator[None]:
    """A trigger that refuses to store one post, as a database refuses a value it cannot hold."""
    with store_engine.begin() as connection:
        if store_engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON posts WHEN NEW.external_id = 'poison' "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.external_id = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END "
                    "$$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON posts "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
                )
            )
    yield
    with store_engine.begin() as connection:
        connection.execute(
            text(
                "DROP TRIGGER refuse_poison" + ("" if store_engine.dialect.name == "sqlite" else " ON posts")
            )
        )
        if store_engine.dialect.name != "sqlite":
            connection.execute(text("DROP FUNCTION refuse_poison()"))


def results(db: sessionmaker[Session], poisoned: int | None = None) -> list[tuple[Task, Fetched, None]]:
    """Each source's fetch: three posts, one of them refused by the database for source `poisoned`."""
    with db() as session:
        sources = session.scalars(select(Source).order_by(Source.id)).all()
        found = []
        for n, source in enumerate(sources):
            ids = [f"{source.locator}#{i}" for i in range(3)]
            if n == poisoned:
                ids[1] = "poison"
            posts = [
                Post(
                    "rss",
                    external_id,
                    f"Post {external_id}",
                    NOW - timedelta(hours=i),
                    permalink=f"https://x.org/{i}",
                )
                for i, external_id in enumerate(ids)
            ]
            ref = SourceRef(source.id, "rss", source.locator)
            outcome = SourceOutcome(source.id, f"branch-{n}", "rss", source.locator)
            found.append(
                (Task(ref, source.group_id, outcome, "example.org"), Fetched(posts, etag=f'"{n}"'), None)
            )
    return found


def test_a_batch_is_written_whole(db: sessionmaker[Session], config: Config) -> None:
    batch = results(db)
    store_batch(db, config, {}, batch, NOW)
    assert [task.outcome.new for task, _, _ in batch] == [3, 3, 3]
    with db() as session:
        assert session.scalar(select(func.count()).select_from(StoredPost)) == 9
        sources = session.scalars(select(Source)).all()
        assert all(s.last_status == "ok" and s.etag and s.next_attempt_at for s in sources)
        # Three posts in the last week each: polled at the longest interval the rate allows.
        assert {s.poll_interval for s in sources} == {config.max_poll_interval}
        assert read(session)[0] == 1, "the feed version moves once per batch"


def test_a_refused_write_rolls_back_that_source_only(
    db: sessionmaker[Session], config: Config, refusing: None
) -> None:
    batch = results(db, poisoned=1)
    store_batch(db, config, {}, batch, NOW)
    outcomes = [task.outcome for task, _, _ in batch]
    assert [o.status for o in outcomes] == ["ok", "error", "ok"]
    assert outcomes[1].message.startswith("store: rss https://branch1.example.org/feed/: ")
    assert "refused" in outcomes[1].message
    with db() as session:
        stored = set(session.scalars(select(StoredPost.external_id)))
        assert len(stored) == 6 and not any("branch1" in e for e in stored), "none of its posts, not half"
        failed = session.get(Source, batch[1][0].ref.id)
        assert failed is not None and failed.etag is None, "its new state went with its posts"
        assert failed.last_status == "error" and failed.consecutive_errors == 1
        assert failed.last_error == outcomes[1].message
        assert failed.next_attempt_at is not None and failed.next_attempt_at > NOW, "retried after a back-off"


def test_an_unchanged_feed_keeps_its_warning_and_digest(db: sessionmaker[Session], config: Config) -> None:
    parsed = results(db)
    for n, (_, fetched, _) in enumerate(parsed):
        fetched.warnings, fetched.content_digest = ["rss: feed is not well-formed, kept 3 entries"], f"d{n}"
    store_batch(db, config, {}, parsed, NOW)
    unchanged = [
        (task, Fetched([], etag=fetched.etag, not_modified=True, content_digest=fetched.content_digest), None)
        for task, fetched, _ in parsed
    ]
    store_batch(db, config, {}, unchanged, NOW + timedelta(hours=2))
    with db() as session:
        sources = session.scalars(select(Source).order_by(Source.id)).all()
        assert [s.last_status for s in sources] == ["not_modified"] * 3
        assert [s.content_digest for s in sources] == ["d0", "d1", "d2"]
        assert all(s.last_warning == "rss: feed is not well-formed, kept 3 entries" for s in sources), (
            "the body that earned the warning is still the feed"
        )
