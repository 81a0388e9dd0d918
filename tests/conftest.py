"""Shared fixtures: the store on SQLite and PostgreSQL, and the repository's paths."""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.roles import Actor
from socialbot.store import Base, Role
from socialbot.store.engine import make_engine, session_factory
from socialbot.store.migrate import upgrade

if TYPE_CHECKING:
    from tests.web.desk_fixtures import DeskSite

ROOT = Path(__file__).resolve().parent.parent
# Who changes things in tests that are not about access: an administrator at the command line.
ADMIN = Actor("os:tester", Role.ADMIN, "cli")
DATA = Path(__file__).resolve().parent / "data"
# The PostgreSQL server the tests create their own database on (trust auth, as on CI).
POSTGRES_ADMIN_DSN = os.environ.get("SOCIALBOT_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test run's own on the local PostgreSQL, dropped afterwards."""
    name = f"socialbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_DSN} is not reachable ({exc}); `bash .ci/run` starts it")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0]
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def store_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated engine, once per backend; tests marked `store` run on each."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'socialbot.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(store_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated store that is emptied after the test."""
    yield session_factory(store_engine)
    with store_engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "store_engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.store)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    leaked = leaked_secrets()
    if leaked:
        terminalreporter.write_line(
            f"secrets found in the run's log lines: {len(leaked)} (one starts {leaked[0][:6]}…)"
        )
    elif SECRETS:
        terminalreporter.write_line(
            f"no secret in the run's log lines: {len(SECRETS)} secrets checked against {len(LOG_LINES)} lines"
        )
    # Shows that every store test ran on both databases, as the foundation issue asks.
    counts: Counter[str] = Counter()
    for report in terminalreporter.stats.get("passed", []):
        if "store" in report.keywords:
            params = re.split(r"[\[\]-]", report.nodeid)
            backend = next((b for b in BACKENDS if b in params), "?")
            counts[backend] += 1
    if counts:
        ran = ", ".join(f"{counts[b]} on {b}" for b in BACKENDS)
        terminalreporter.write_line(f"store tests passed: {ran}")


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `socialbot sandbox` for the session, with a state file; tests clear faults after them."""
    from tests.sandbox_server import running_sandbox

    with running_sandbox(state=tmp_path_factory.mktemp("sandbox") / "state.json") as (base, _):
        yield base


@pytest.fixture
def sandbox(sandbox_server: str) -> Iterator[str]:
    """The sandbox's base URL; faults set by the test are cleared afterwards."""
    import requests

    yield sandbox_server
    requests.delete(f"{sandbox_server}/_sandbox/faults", timeout=10).raise_for_status()


@pytest.fixture
def route(sandbox: str) -> Iterator[Callable[..., Any]]:
    """Route a library's requests session to the sandbox (a new one if none given); closed after the test."""
    import requests

    from socialbot.networks.routing import route_session

    sessions: list[requests.Session] = []

    def routed(session: requests.Session | None = None) -> requests.Session:
        session = route_session(session or requests.Session(), sandbox)
        sessions.append(session)
        return session

    yield routed
    for session in sessions:
        session.close()


@pytest.fixture
def no_real_hosts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail any connection (or name lookup) beyond this machine, and list what was tried.

    Below every client library: requests, httpx and urllib3 all end in socket.getaddrinfo and
    socket.connect, so a request that would leave for a real platform is caught wherever it starts.
    """
    import ipaddress
    import socket

    tried: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def local(host: object) -> bool:
        if host in ("localhost", None):
            return True
        try:
            return ipaddress.ip_address(str(host)).is_loopback
        except ValueError:
            return False

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not local(host):
            tried.append(str(host))
            raise OSError(f"test: a request for {host} tried to leave this machine")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not local(host):
            tried.append(str(host))
            raise OSError(f"test: a connection to {host} tried to leave this machine")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return tried


# Every password, token and session secret the tests make is registered here; at the end of the
# run no captured log line may contain one (the access issue's "grep the captured logs").
SECRETS: set[str] = set()
LOG_LINES: list[str] = []


class _KeepLogLines(logging.Handler):
    """Keeps every log line emitted during the run, as formatted text."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            LOG_LINES.append(self.format(record))
        except Exception:  # a record that cannot be formatted is no secret's carrier
            LOG_LINES.append(str(record.msg))


def remember_secret(secret: str) -> str:
    """Register a secret the run must never log; returns it."""
    SECRETS.add(secret)
    return secret


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_KeepLogLines(logging.NOTSET))


def leaked_secrets() -> list[str]:
    """The registered secrets that some log line of the run holds."""
    return sorted(s for s in SECRETS if any(s in line for line in LOG_LINES))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if leaked_secrets():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def desk(db: sessionmaker[Session], tmp_path: Path) -> Iterator[DeskSite]:
    """The web app served over a store with an officer, an approver and an admin."""
    from socialbot.access.users import add_user
    from socialbot.config import load_config
    from socialbot.store.sync import sync_config
    from socialbot.web.app import create_app
    from tests.test_config import SANDBOX_ENV
    from tests.web.desk_fixtures import EMAILS, PASSWORDS, DeskSite
    from tests.web_server import serving

    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, config)
        for role, password in PASSWORDS.items():
            add_user(session, ADMIN, EMAILS[role], Role(role), role.title(), password)
    with serving(create_app(config, db, environ={"SOCIALBOT_MEDIA_DIR": str(tmp_path / "media")})) as base:
        yield DeskSite(base, db, config)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download cannot work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()
