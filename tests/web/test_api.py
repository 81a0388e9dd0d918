"""The JSON API over real HTTP, on SQLite and PostgreSQL: its OpenAPI description is valid and every
route answers as it describes; tokens, roles, four-eyes and the file-or-web rule hold; refusals are
RFC 9457 problems and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from sqlalchemy import select

from socialbot.access.api_tokens import create_token, revoke_token
from socialbot.dispatch.claim import claim_due
from socialbot.queue.campaign import load_campaign
from socialbot.queue.sync import sync_campaign
from socialbot.store import Delivery, DeliveryState, ScheduledPost
from tests.conftest import ADMIN, ROOT, remember_secret
from tests.feed.seed import one_post
from tests.web.desk_fixtures import EMAILS, DeskSite, audit_count


def token(site: DeskSite, role: str) -> str:
    with site.db.begin() as session:
        return remember_secret(create_token(session, ADMIN, EMAILS[role], f"{role} test")[1])


class Api:
    """requests against /api/v1 with one token."""

    def __init__(self, site: DeskSite, secret: str | None) -> None:
        self.base = f"{site.base}/api/v1"
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.base}{path}", json=body, headers=self.headers, timeout=10)


def future(hours: int = 24) -> str:
    """A local time to come, as the API takes it."""
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(tzinfo=None, microsecond=0).isoformat()


def test_the_openapi_description_is_valid_and_every_route_answers_as_described(desk: DeskSite) -> None:
    feed_ref = one_post(desk.db)
    spec = requests.get(f"{desk.base}/api/v1/openapi.json", timeout=10).json()
    validate(spec)
    assert spec["servers"] == [{"url": "/api/v1"}]
    approver, officer = Api(desk, token(desk, "approver")), Api(desk, token(desk, "officer"))
    pending = desk.queue("officer")
    with desk.db() as session:
        delivery_id = session.scalar(select(Delivery.id).order_by(Delivery.id))
    admin = Api(desk, token(desk, "admin"))
    bodies = {
        ("post", "/posts"): {
            "targets": ["network-x"],
            "text": "Check your inbox & vote #GV6",
            "at": future(),
        },
        ("post", "/deliveries/{ref}/reschedule"): {"at": future(30)},
        ("post", "/deliveries/{ref}/send-back"): {"note": "Say which day, please"},
        ("post", "/events"): {
            "title": "Rally for party democracy",
            "start": future(48),
            "targets": ["network-mastodon"],
            "announce": [{"before": "1h"}],
        },
    }
    # Each action on its own post, in the state it needs.
    failed = desk.queue("officer", approval=False, text="Polls close at 5")
    with desk.db.begin() as session:
        for d in session.scalars(
            select(Delivery).join(Delivery.scheduled_post).where(ScheduledPost.key == failed.split(":")[1])
        ):
            d.state, d.last_error = DeliveryState.FAILED, "code 190"
    refs = {
        "approve": pending,
        "cancel": desk.queue("officer", approval=False, text="Rally tonight"),
        "retry": failed,
        "reschedule": desk.queue("officer", approval=False, text="Telly at 7"),
        "send-back": desk.queue("officer", text="Ballots drop soon"),
    }
    params = {"delivery_id": str(delivery_id), "post_ref": feed_ref}
    who = {"/feed/": admin, "/deliveries/{ref}/approve": approver, "/deliveries/{ref}/send-back": approver}
    walked = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            url = path.replace("{ref}", refs.get(path.rsplit("/", 1)[-1], pending))
            for name, value in params.items():
                url = url.replace(f"{{{name}}}", value)
            client = next((c for prefix, c in who.items() if path.startswith(prefix)), officer)
            answer = client.call(method, url, bodies.get((method, path)))
            documented = operation["responses"]
            assert str(answer.status_code) in documented, (method, path, answer.status_code, answer.text)
            media = answer.headers["content-type"].split(";")[0]
            schema = documented[str(answer.status_code)]["content"][media]["schema"]
            validator = OAS31Validator({**schema, "components": spec["components"]})
            validator.validate(answer.json())
            assert answer.status_code < 300, (method, path, answer.text)
            walked += 1
            # Each route also refuses a request without a token, as a documented 401 problem.
            anonymous = Api(desk, None).call(method, url, bodies.get((method, path)))
            assert anonymous.status_code == 401 and "401" in documented
            assert anonymous.headers["content-type"] == "application/problem+json"
            assert anonymous.headers["www-authenticate"] == "Bearer"
    assert walked == 14


def test_a_revoked_token_is_refused(desk: DeskSite) -> None:
    with desk.db.begin() as session:
        made, secret = create_token(session, ADMIN, EMAILS["officer"], "laptop")
        made_id = made.id
    api = Api(desk, secret)
    assert api.call("get", "/me").json()["email"] == EMAILS["officer"]
    with desk.db.begin() as session:
        revoke_token(session, ADMIN, made_id, datetime.now(UTC))
    refused = api.call("get", "/me")
    assert refused.status_code == 401 and refused.json()["title"] == "Unauthorized"
    assert Api(desk, "sbt_" + "x" * 43).call("get", "/me").status_code == 401


def test_every_problem_of_a_post_is_listed_by_field(desk: DeskSite) -> None:
    api = Api(desk, token(desk, "officer"))
    before = audit_count(desk.db)
    bad = api.call(
        "post",
        "/posts",
        {"targets": ["network-x", "network-nowhere"], "text": "x " * 200, "at": "2020-01-01T10:00:00"},
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"at", "targets"} <= fields
    unknown = api.call("post", "/posts", {"targets": ["network-x"], "txt": "typo"})
    assert unknown.status_code == 422 and [e["field"] for e in unknown.json()["errors"]] == ["txt"]
    assert audit_count(desk.db) == before, "nothing was queued or recorded"


def test_roles_and_four_eyes_through_the_api(desk: DeskSite) -> None:
    officer, approver = Api(desk, token(desk, "officer")), Api(desk, token(desk, "approver"))
    created = officer.call(
        "post",
        "/posts",
        {
            "targets": ["network-x"],
            "text": "Ballots drop tomorrow",
            "at": future(),
            "requires_approval": True,
        },
    )
    assert created.status_code == 201, created.text
    ref = created.json()["post"]
    assert {d["state"] for d in created.json()["deliveries"]} == {"pending_approval"}
    own = approver.call(
        "post",
        "/posts",
        {"targets": ["network-x"], "text": "My own reminder", "at": future(), "requires_approval": True},
    ).json()["post"]
    feed_ref = one_post(desk.db)
    before = audit_count(desk.db)
    refused = officer.call("post", f"/deliveries/{ref}/approve")
    assert refused.status_code == 403 and "only approvers may approve posts" in refused.json()["detail"]
    four_eyes = approver.call("post", f"/deliveries/{own}/approve")
    assert four_eyes.status_code == 403 and "four-eyes" in four_eyes.json()["detail"]
    assert officer.call("post", f"/feed/{feed_ref}/hide").status_code == 403
    assert audit_count(desk.db) == before, "refusals change nothing"
    approved = approver.call("post", f"/deliveries/{ref}/approve")
    assert (
        approved.status_code == 200 and approved.json()["deliveries"][0]["approved_by"] == EMAILS["approver"]
    )


def test_a_post_requiring_approval_is_never_claimed_unapproved(desk: DeskSite) -> None:
    officer = Api(desk, token(desk, "officer"))
    ref = officer.call(
        "post",
        "/posts",
        {"targets": ["network-x", "network-mastodon"], "text": "Polls close at 5", "requires_approval": True},
    ).json()["post"]
    # Due now (no time given): the dispatcher still claims nothing until someone else approves it.
    later = datetime.now(UTC) + timedelta(days=30)
    assert claim_due(desk.db, later, "test") == []
    with desk.db() as session:
        assert {d.state for d in session.scalars(select(Delivery))} == {DeliveryState.PENDING_APPROVAL}
    approver = Api(desk, token(desk, "approver"))
    assert approver.call("post", f"/deliveries/{ref}/approve").status_code == 200
    assert len(claim_due(desk.db, later, "test")) == 2


def test_a_campaign_files_post_is_edited_in_its_file(desk: DeskSite) -> None:
    with desk.db.begin() as session:
        sync_campaign(
            session, load_campaign(ROOT / "schedules" / "recall-conference-rally.toml", desk.config), ADMIN
        )
    api = Api(desk, token(desk, "officer"))
    moved = api.call(
        "post", "/deliveries/recall-conference-rally:livestream-live/reschedule", {"at": future()}
    )
    assert moved.status_code == 409
    assert "comes from" in moved.json()["detail"] and "edit it there" in moved.json()["detail"]
    into_file = api.call(
        "post",
        "/posts",
        {"targets": ["network-x"], "text": "hi", "at": future(), "campaign": "recall-conference-rally"},
    )
    assert into_file.status_code == 409 and "belongs to" in into_file.json()["detail"]
    # Cancelling is allowed, and the next sync of the file leaves it cancelled.
    cancelled = api.call("post", "/deliveries/recall-conference-rally:register-now/cancel")
    assert cancelled.status_code == 200
    with desk.db.begin() as session:
        sync_campaign(
            session, load_campaign(ROOT / "schedules" / "recall-conference-rally.toml", desk.config), ADMIN
        )
    assert {
        d["state"]
        for d in api.call("get", "/deliveries?campaign=recall-conference-rally").json()["deliveries"]
        if d["post"].endswith(":register-now")
    } == {"cancelled"}
