"""`groups sync`: idempotent; renames update; removed sources and groups are disabled, posts stay."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import load_config
from socialbot.store import Account, Group, Post, Source
from socialbot.store.sync import sync_config
from tests.conftest import ROOT
from tests.test_config import ENV, MINIMAL, SANDBOX_ENV

TWO_SOURCES = MINIMAL.replace(
    'handle = "brentmomentum"',
    'handle = "brentmomentum"\n\n[[group.source]]\nnetwork = "rss"\nurl = "https://brent.example.org/feed/"',
)


def sync_text(db: sessionmaker[Session], tmp_path: Path, text: str) -> dict[str, dict[str, int]]:
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    with db.begin() as session:
        report = sync_config(session, load_config(path, ENV))
    return {"created": report.created, "updated": report.updated, "disabled": report.disabled}


def test_the_shipped_file_syncs_once(db: sessionmaker[Session]) -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        first = sync_config(session, config)
    with db.begin() as session:
        second = sync_config(session, config)
    assert first.created["group"] == 34
    assert first.created["source"] == sum(len(g.source) for g in config.groups)
    assert not second.changed
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 34
        assert session.scalar(select(func.count()).select_from(Account)) == 4


def test_rename_updates_and_removed_source_is_disabled_not_deleted(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    sync_text(db, tmp_path, TWO_SOURCES)
    with db.begin() as session:
        rss = session.scalars(select(Source).where(Source.network == "rss")).one()
        session.add(
            Post(
                network="rss",
                external_id="p1",
                group_id=rss.group_id,
                source_id=rss.id,
                published_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
    renamed = MINIMAL.replace('name = "Brent Momentum"', 'name = "Brent Socialists"')
    report = sync_text(db, tmp_path, renamed)
    assert report["updated"]["group"] == 1
    assert report["disabled"]["source"] == 1
    with db() as session:
        assert session.scalars(select(Group.name)).one() == "Brent Socialists"
        rss = session.scalars(select(Source).where(Source.network == "rss")).one()
        assert not rss.enabled
        assert session.scalar(select(func.count()).select_from(Post)) == 1
    # Putting the source back enables the same row again, with its history.
    report = sync_text(db, tmp_path, TWO_SOURCES)
    assert report["created"]["source"] == 0 and report["updated"]["source"] == 1
    with db() as session:
        assert session.scalars(select(Source.enabled).where(Source.network == "rss")).one()


def test_removed_group_is_disabled_with_its_sources(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync_text(db, tmp_path, TWO_SOURCES)
    no_groups = MINIMAL.split("[[group]]")[0] + "[[account]]" + MINIMAL.split("[[account]]")[1]
    report = sync_text(db, tmp_path, no_groups)
    assert report["disabled"] == {"group": 1, "source": 2, "account": 0}
    with db() as session:
        assert session.scalars(select(Group.enabled)).one() is False


def test_handle_case_changes_do_not_duplicate_a_source(db: sessionmaker[Session], tmp_path: Path) -> None:
    sync_text(db, tmp_path, MINIMAL)
    report = sync_text(db, tmp_path, MINIMAL.replace('"brentmomentum"', '"BrentMomentum"'))
    assert report["created"]["source"] == 0 and report["updated"]["source"] == 1
    with db() as session:
        assert session.scalars(select(Source.locator)).one() == "BrentMomentum"
