"""Migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from socialbot.store import Base
from socialbot.store.autogen import compare_type, include_object
from socialbot.store.migrate import current_revision, head_revision, upgrade


def test_database_is_at_head(store_engine: Engine) -> None:
    assert current_revision(store_engine) == head_revision()


def test_migrations_match_the_models(store_engine: Engine) -> None:
    with store_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": compare_type, "include_object": include_object}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_again_is_a_no_op(store_engine: Engine) -> None:
    upgrade(store_engine)
    assert current_revision(store_engine) == head_revision()
    assert "posts" in inspect(store_engine).get_table_names()
