"""The desk's sign-in, sessions, CSRF and roles over real HTTP, on SQLite and PostgreSQL: each attack
is refused and changes nothing, and each role can do what it may and only that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from socialbot.store import Delivery, ScheduledPost, SignInLink, UserSession
from tests.web.desk_fixtures import EMAILS, PASSWORDS, DeskSite, audit_count


def states(site: DeskSite, ref: str) -> set[str]:
    campaign, key = ref.split(":")
    with site.db() as session:
        return {
            d.state.value
            for d in session.scalars(
                select(Delivery)
                .join(ScheduledPost)
                .where(ScheduledPost.campaign == campaign, ScheduledPost.key == key)
            )
        }


def test_the_desk_asks_for_sign_in_and_the_cookie_has_its_flags(desk: DeskSite) -> None:
    browser = desk.browser()
    assert browser.get("/desk").headers["location"] == "/desk/sign-in?next=/desk"
    signed = browser.sign_in("officer")
    assert signed.status_code == 303 and signed.headers["location"] == "/desk"
    cookie = next(c for c in signed.headers["set-cookie"].split(", s") if "socialbot_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/desk" in cookie
    assert "Secure" not in cookie, "plain http on localhost"
    page = browser.get("/desk")
    assert page.status_code == 200 and "Officer (officer)" in page.text
    assert page.headers["cache-control"] == "no-store"
    # Behind the trusted proxy (127.0.0.1) saying the visitor used https, the cookie is Secure.
    proxied = desk.browser()
    form = proxied.token("/desk/sign-in", "form_token")
    answer = proxied.post(
        "/desk/sign-in",
        {"form_token": form, "email": EMAILS["officer"], "password": PASSWORDS["officer"]},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]


def test_one_message_for_a_wrong_password_and_an_unknown_account(desk: DeskSite) -> None:
    browser = desk.browser()
    wrong = browser.sign_in("officer", "not the password at all")
    form = browser.token("/desk/sign-in", "form_token")
    unknown = browser.post(
        "/desk/sign-in", {"form_token": form, "email": "nobody@example.org", "password": "whatever it is"}
    )
    assert wrong.status_code == unknown.status_code == 401
    message = "That email and password do not match an account that can sign in."
    assert message in wrong.text and message in unknown.text
    assert "not the password at all" not in wrong.text, "a password is never echoed"


def test_the_sixth_wrong_password_in_a_minute_is_throttled(desk: DeskSite) -> None:
    browser = desk.browser()
    for _ in range(5):
        assert browser.sign_in("officer", "guess guess guess").status_code == 401
    sixth = browser.sign_in("officer", "guess guess guess")
    assert sixth.status_code == 429
    assert "Too many attempts to sign in. Try again later. You can try again at " in sixth.text
    assert 1 <= int(sixth.headers["retry-after"]) <= 61
    # Even the right password waits: the throttle is checked before the password.
    assert browser.sign_in("officer").status_code == 429
    # Another account is not locked by it.
    assert browser.sign_in("approver").status_code == 303


def test_state_changing_requests_without_the_csrf_token_are_refused(desk: DeskSite) -> None:
    ref = desk.queue("officer", approval=False)
    browser = desk.browser()
    browser.sign_in("officer")
    before = audit_count(desk.db)
    for data, headers in (
        ({}, {}),
        ({"csrf_token": "forged"}, {}),
        ({"csrf_token": browser.csrf()}, {"Origin": "https://evil.example"}),
    ):
        refused = browser.post(f"/desk/deliveries/{ref}/cancel", data, headers=headers)
        assert refused.status_code == 403, data
        assert "Nothing was changed" in refused.text
    assert states(desk, ref) == {"scheduled"} and audit_count(desk.db) == before
    # A GET never changes anything: the action is POST only.
    assert browser.get(f"/desk/deliveries/{ref}/cancel").status_code == 405
    done = browser.post(f"/desk/deliveries/{ref}/cancel", {"csrf_token": browser.csrf()})
    assert done.status_code == 303 and states(desk, ref) == {"cancelled"}


def test_a_session_token_from_another_session_does_not_do(desk: DeskSite) -> None:
    ref = desk.queue("officer", approval=False)
    mallory, victim = desk.browser(), desk.browser()
    mallory.sign_in("approver")
    victim.sign_in("officer")
    stolen = mallory.csrf()
    assert victim.post(f"/desk/deliveries/{ref}/cancel", {"csrf_token": stolen}).status_code == 403
    assert states(desk, ref) == {"scheduled"}


def test_signing_in_needs_the_forms_own_token(desk: DeskSite) -> None:
    # Login CSRF: another site posting its own credentials into our form is refused.
    browser = desk.browser()
    answer = browser.post("/desk/sign-in", {"email": EMAILS["officer"], "password": PASSWORDS["officer"]})
    assert answer.status_code == 403 and "socialbot_session" not in answer.headers.get("set-cookie", "")


def test_each_role_may_do_what_it_may_and_a_refusal_changes_nothing(desk: DeskSite) -> None:
    mine = desk.queue("officer")
    officer, approver, admin = desk.browser(), desk.browser(), desk.browser()
    officer.sign_in("officer")
    approver.sign_in("approver")
    admin.sign_in("admin")
    before = audit_count(desk.db)
    refused = officer.post(f"/desk/deliveries/{mine}/approve", {"csrf_token": officer.csrf()})
    assert refused.status_code == 403
    assert "officer@example.org is an officer; only approvers may approve posts" in refused.text
    assert states(desk, mine) == {"pending_approval"} and audit_count(desk.db) == before
    assert officer.get("/desk/users").status_code == 403
    assert admin.get("/desk/users").status_code == 200
    approved = approver.post(f"/desk/deliveries/{mine}/approve", {"csrf_token": approver.csrf()})
    assert approved.status_code == 303 and states(desk, mine) == {"scheduled"}
    with desk.db() as session:
        post = session.scalars(select(ScheduledPost).where(ScheduledPost.key == mine.split(":")[1])).one()
        assert (post.created_by, post.approved_by) == (EMAILS["officer"], EMAILS["approver"])


def test_an_approver_cannot_approve_their_own_post(desk: DeskSite) -> None:
    own = desk.queue("approver")
    approver = desk.browser()
    approver.sign_in("approver")
    page = approver.get("/desk").text
    assert "You queued this post: another approver approves it." in page
    refused = approver.post(f"/desk/deliveries/{own}/approve", {"csrf_token": approver.csrf()})
    assert refused.status_code == 403 and "four-eyes" in refused.text
    assert states(desk, own) == {"pending_approval"}
    # An admin is someone else: four-eyes holds, the post goes on.
    admin = desk.browser()
    admin.sign_in("admin")
    assert admin.post(f"/desk/deliveries/{own}/approve", {"csrf_token": admin.csrf()}).status_code == 303


def test_sign_out_and_sign_out_everywhere_end_sessions(desk: DeskSite) -> None:
    laptop, phone = desk.browser(), desk.browser()
    laptop.sign_in("officer")
    phone.sign_in("officer")
    old_cookie = laptop.http.cookies.get("socialbot_session", path="/desk")
    assert laptop.post("/desk/sign-out", {"csrf_token": laptop.csrf()}).status_code == 303
    assert laptop.get("/desk").status_code == 303
    replayed = desk.browser()
    replayed.http.cookies.set("socialbot_session", old_cookie or "", path="/desk")
    assert replayed.get("/desk").status_code == 303, "a signed-out session's cookie is dead"
    assert phone.get("/desk").status_code == 200
    laptop.sign_in("officer")
    assert phone.post("/desk/sign-out-everywhere", {"csrf_token": phone.csrf()}).status_code == 303
    assert laptop.get("/desk").status_code == 303 and phone.get("/desk").status_code == 303


def test_idle_and_absolute_timeouts(desk: DeskSite) -> None:
    browser = desk.browser()
    browser.sign_in("officer")
    with desk.db.begin() as session:
        session.execute(update(UserSession).values(last_seen_at=datetime.now(UTC) - timedelta(hours=3)))
    assert browser.get("/desk").status_code == 303, "two idle hours end a session"
    browser.sign_in("officer")
    with desk.db.begin() as session:
        session.execute(update(UserSession).values(created_at=datetime.now(UTC) - timedelta(hours=13)))
    assert browser.get("/desk").status_code == 303, "twelve hours end it whatever happens"


def test_a_one_time_link_sets_a_password_once(desk: DeskSite) -> None:
    from socialbot.access.users import add_user, sign_in_link
    from socialbot.store import Role
    from tests.conftest import ADMIN

    with desk.db.begin() as session:
        user = add_user(session, ADMIN, "new@example.org", Role.OFFICER)
        secret = sign_in_link(session, ADMIN, user, datetime.now(UTC))
    browser = desk.browser()
    shown = browser.get(f"/desk/set-password?token={secret}")
    assert shown.status_code == 200 and "new@example.org" in shown.text
    assert shown.headers["referrer-policy"] == "no-referrer"
    form = browser.token(f"/desk/set-password?token={secret}", "form_token")
    weak = browser.post(
        "/desk/set-password", {"form_token": form, "token": secret, "password": "short", "confirm": "short"}
    )
    assert weak.status_code == 400 and "at least 12 characters" in weak.text
    good = "a new officer's passphrase"
    done = browser.post(
        "/desk/set-password", {"form_token": form, "token": secret, "password": good, "confirm": good}
    )
    assert done.status_code == 303 and done.headers["location"] == "/desk/sign-in?done=1"
    again = browser.post(
        "/desk/set-password", {"form_token": form, "token": secret, "password": good, "confirm": good}
    )
    assert again.status_code == 410, "a link works once"
    assert browser.get(f"/desk/set-password?token={secret}").status_code == 410
    with desk.db() as session:
        assert session.scalar(select(SignInLink.used_at)) is not None
    form = browser.token("/desk/sign-in", "form_token")
    signed = browser.post("/desk/sign-in", {"form_token": form, "email": "new@example.org", "password": good})
    assert signed.status_code == 303


def test_a_disabled_officer_is_signed_out(desk: DeskSite) -> None:
    from socialbot.access.users import disable_user
    from tests.conftest import ADMIN

    browser = desk.browser()
    browser.sign_in("officer")
    with desk.db.begin() as session:
        disable_user(session, ADMIN, EMAILS["officer"])
    assert browser.get("/desk").status_code == 303
    assert browser.sign_in("officer").status_code == 401


def test_no_desk_page_shows_a_password_or_a_session_secret(desk: DeskSite) -> None:
    desk.queue("officer")
    browser = desk.browser()
    browser.sign_in("officer")
    secret = browser.http.cookies.get("socialbot_session", path="/desk") or ""
    assert len(secret) > 30
    for path in ("/desk", "/desk/sign-in", "/desk/users"):
        text = browser.get(path).text
        assert secret not in text and all(p not in text for p in PASSWORDS.values())
    assert "Ballots drop tomorrow #GV6" in browser.get("/desk").text, "the post above waits, listed"


def test_a_posts_page_shows_its_deliveries_and_history(desk: DeskSite) -> None:
    ref = desk.queue("officer")
    approver = desk.browser()
    approver.sign_in("approver")
    assert (
        approver.post(f"/desk/deliveries/{ref}/approve", {"csrf_token": approver.csrf()}).status_code == 303
    )
    page = approver.get(f"/desk/posts/{ref}")
    assert page.status_code == 200
    assert "Queued by officer@example.org, approved by approver@example.org" in page.text
    assert "network-x" in page.text and "network-mastodon" in page.text and "not sent" in page.text
    assert "approver@example.org (web): delivery.approve · state pending_approval → scheduled" in page.text
    assert "officer@example.org (web): post.create" in page.text
    assert approver.get("/desk/posts/desk:nothing-here").status_code == 404
    assert f'href="/desk/posts/{ref.replace(":", "%3A")}"' in approver.get("/desk").text
