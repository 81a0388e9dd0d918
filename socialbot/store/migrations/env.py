"""Alembic environment: runs on the engine socialbot hands over (see store/migrate.py)."""

from alembic import context

from socialbot.store import Base
from socialbot.store.autogen import compare_type, include_object, render_item

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=compare_type,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
