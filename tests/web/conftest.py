"""Fixtures of the web tests: the desk over a store with an officer of each role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.users import add_user
from socialbot.config import load_config
from socialbot.store import Role
from socialbot.store.sync import sync_config
from socialbot.web.app import create_app
from tests.conftest import ADMIN, ROOT
from tests.test_config import SANDBOX_ENV
from tests.web.desk_fixtures import EMAILS, PASSWORDS, DeskSite
from tests.web_server import serving


@pytest.fixture
def desk(db: sessionmaker[Session]) -> Iterator[DeskSite]:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, config)
        for role, password in PASSWORDS.items():
            add_user(session, ADMIN, EMAILS[role], Role(role), role.title(), password)
    with serving(create_app(config, db)) as base:
        yield DeskSite(base, db, config)
