"""Alembic, driven from code: `socialbot db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic config whose env.py runs on this engine."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to revision (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision the code ships."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def store_problem(engine: Engine) -> str | None:
    """Why this database cannot be used as it is (absent, empty, or behind the code), or None.

    An SQLite file that does not exist is not created by asking: a command run from another folder
    must not leave an empty socialbot.db there.
    """
    url = engine.url
    fix = "run `socialbot db upgrade` (or set SOCIALBOT_DATABASE_URL)"
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).resolve()
        if not path.exists():
            return f"no database at {path}; {fix}"
    shown = url.render_as_string(hide_password=True)
    current, head = current_revision(engine), head_revision()
    if current is None:
        return f"the database at {shown} has no socialbot tables; {fix}"
    if current != head:
        return f"the database at {shown} is at revision {current}, this socialbot needs {head}; {fix}"
    return None
