"""A desk over a store with officers of each role, and a browser-less client that signs in like a person."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.access.roles import Actor
from socialbot.config import Config
from socialbot.queue import ops
from socialbot.queue.compose import PostRequest, compose
from socialbot.store import AuditEvent, Role
from tests.conftest import ROOT, remember_secret

# Every secret a desk test makes: none may ever appear in a log line or a page (tests/conftest.py).
PASSWORDS = {
    "officer": "officer-a passphrase one",
    "approver": "approver-b passphrase two",
    "admin": "admin-c passphrase three",
}
EMAILS = {role: f"{role}@example.org" for role in PASSWORDS}
for _password in PASSWORDS.values():
    remember_secret(_password)


def audit_count(db: sessionmaker[Session]) -> int:
    """How many audit events the store holds."""
    with db() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


@dataclass
class Browser:
    """requests with cookies, reading forms' hidden tokens the way a browser submits them."""

    base: str
    http: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.http.get(f"{self.base}{path}", allow_redirects=False, timeout=10, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, str], **kwargs: object) -> requests.Response:
        return self.http.post(f"{self.base}{path}", data=data, allow_redirects=False, timeout=10, **kwargs)  # type: ignore[arg-type]

    def token(self, path: str, name: str) -> str:
        """The hidden field `name` of the page at path."""
        page = self.get(path).text
        found = re.search(rf'name="{name}" value="([^"]*)"', page)
        assert found, f"no {name} on {path}"
        return found.group(1)

    def sign_in(self, role: str, password: str | None = None) -> requests.Response:
        form = self.token("/desk/sign-in", "form_token")
        return self.post(
            "/desk/sign-in",
            {
                "form_token": form,
                "email": EMAILS[role],
                "password": password or PASSWORDS[role],
                "next": "/desk",
            },
        )

    def csrf(self) -> str:
        return self.token("/desk", "csrf_token")


@dataclass
class DeskSite:
    """The served app, its store and config."""

    base: str
    db: sessionmaker[Session]
    config: Config

    def browser(self) -> Browser:
        return Browser(self.base)

    def queue(self, role: str, approval: bool = True, text: str = "Ballots drop tomorrow #GV6") -> str:
        """A post queued by this role's officer (in their name) for tomorrow; its campaign:key."""
        actor = Actor(EMAILS[role], Role(role), "web")
        when = (datetime.now(UTC) + timedelta(days=1)).astimezone(self.config.timezone)
        request = PostRequest(
            ["network-x", "network-mastodon"],
            text,
            at=when.replace(tzinfo=None, second=0, microsecond=0),
            requires_approval=approval,
            campaign="desk",
        )
        campaign = compose(request, self.config, datetime.now(UTC), ROOT)
        with self.db.begin() as session:
            ops.add_post(session, campaign, actor)
        return f"desk:{campaign.posts[0].table.key}"
