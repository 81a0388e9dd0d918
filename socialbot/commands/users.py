"""`socialbot users …` and `socialbot tokens …`: officers, their roles, and their API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import func, select

from socialbot.cli import App, pass_app
from socialbot.errors import UsageError
from socialbot.store import ApiToken, Role, User, UserSession
from socialbot.store.engine import session_factory

ROLES = click.Choice([r.value for r in Role])


def desk_url(app: App, path: str) -> str:
    """An absolute URL of the desk: [feed] base_url, else the address `socialbot run` serves on."""
    base = app.config.feed.base_url or "http://127.0.0.1:8000"
    return f"{base}{path}"


def _refused(exc: Exception) -> UsageError:
    return UsageError(f"socialbot: {exc}")


@click.group("users")
def users_group() -> None:
    """Officers who sign in to the desk: add, list, change roles, disable."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=ROLES, required=True, help="officer, approver or admin.")
@click.option("--name", default="", help="The officer's name, as the desk shows it.")
@click.option(
    "--password-prompt",
    is_flag=True,
    help="Set the password now, typed at a prompt (never on the command line).",
)
@pass_app
def users_add(app: App, email: str, role: str, name: str, password_prompt: bool) -> None:
    """Add an officer; prints a one-time link to set a password (or asks for one with --password-prompt)."""
    from socialbot.access.passwords import WeakPassword
    from socialbot.access.roles import Actor, Forbidden
    from socialbot.access.users import UserError, add_user, sign_in_link

    password = None
    if password_prompt:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    actor = Actor.command_line()
    try:
        with session_factory(app.engine).begin() as session:
            user = add_user(session, actor, email, Role(role), name, password)
            link = None if password else sign_in_link(session, actor, user, datetime.now(UTC))
            address = user.username
    except (UserError, Forbidden, WeakPassword) as exc:
        raise _refused(exc) from exc
    click.echo(f"users: added {address} ({role})")
    if link:
        url = f"{desk_url(app, '/desk/set-password')}?token={link}"
        click.echo(f"One-time link to set a password (good for 48 hours): {url}")


@users_group.command("link")
@click.argument("email")
@pass_app
def users_link(app: App, email: str) -> None:
    """A new one-time link for an officer to set (or reset) their password."""
    from socialbot.access.roles import Actor
    from socialbot.access.users import UserError, find_user, sign_in_link

    try:
        with session_factory(app.engine).begin() as session:
            link = sign_in_link(session, Actor.command_line(), find_user(session, email), datetime.now(UTC))
    except UserError as exc:
        raise _refused(exc) from exc
    click.echo(f"One-time link (good for 48 hours): {desk_url(app, '/desk/set-password')}?token={link}")


@users_group.command("list")
@pass_app
def users_list(app: App) -> None:
    """Every officer: role, whether disabled, last sign-in, live sessions and tokens."""
    from socialbot.commands.tables import fitted_table

    zone = app.config.timezone
    with session_factory(app.engine)() as session:
        sessions = dict(
            session.execute(select(UserSession.user_id, func.count()).group_by(UserSession.user_id)).all()
        )
        tokens = dict(
            session.execute(
                select(ApiToken.user_id, func.count())
                .where(ApiToken.revoked_at.is_(None))
                .group_by(ApiToken.user_id)
            ).all()
        )
        rows = [
            (
                u.username,
                u.role.value,
                "disabled" if u.disabled else ("no password yet" if not u.password_hash else "active"),
                u.last_sign_in_at.astimezone(zone).strftime("%d %b %Y %H:%M")
                if u.last_sign_in_at
                else "never",
                str(sessions.get(u.id, 0)),
                str(tokens.get(u.id, 0)),
                u.name,
            )
            for u in session.scalars(select(User).order_by(User.username))
        ]
    click.echo(fitted_table(["email", "role", "state", "last sign-in", "sessions", "tokens"], ["name"], rows))
    click.echo(f"{len(rows)} users")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLES)
@pass_app
def users_set_role(app: App, email: str, role: str) -> None:
    """Change an officer's role."""
    from socialbot.access.roles import Actor, Forbidden
    from socialbot.access.users import UserError, set_role

    try:
        with session_factory(app.engine).begin() as session:
            user = set_role(session, Actor.command_line(), email, Role(role))
            click.echo(f"users: {user.username} is now {role}")
    except (UserError, Forbidden) as exc:
        raise _refused(exc) from exc


@users_group.command("disable")
@click.argument("email")
@pass_app
def users_disable(app: App, email: str) -> None:
    """Disable an officer: their sessions end, their tokens stop working."""
    from socialbot.access.roles import Actor, Forbidden
    from socialbot.access.users import UserError, disable_user

    try:
        with session_factory(app.engine).begin() as session:
            user = disable_user(session, Actor.command_line(), email)
            click.echo(f"users: {user.username} is disabled")
    except (UserError, Forbidden) as exc:
        raise _refused(exc) from exc


@click.group("tokens")
def tokens_group() -> None:
    """Personal tokens for the JSON API (/api/v1)."""


@tokens_group.command("create")
@click.option("--user", "email", required=True, metavar="EMAIL", help="Whose token: it acts with their role.")
@click.option("--name", required=True, help="What it is for, e.g. 'branch website'.")
@pass_app
def tokens_create(app: App, email: str, name: str) -> None:
    """Make a token; it is shown once, here, and stored only as a digest."""
    from socialbot.access.api_tokens import create_token
    from socialbot.access.roles import Actor, Forbidden
    from socialbot.access.users import UserError

    try:
        with session_factory(app.engine).begin() as session:
            token, secret = create_token(session, Actor.command_line(), email, name)
            token_id = token.id
    except (UserError, Forbidden) as exc:
        raise _refused(exc) from exc
    click.echo(f"tokens: token {token_id} ({name}) for {email}; it is shown only now:")
    click.echo(secret)


@tokens_group.command("list")
@pass_app
def tokens_list(app: App) -> None:
    """Every token: whose, what for, when made and last used, revoked or not (never the token)."""
    from socialbot.commands.tables import fitted_table

    zone = app.config.timezone

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%d %b %Y %H:%M") if value else "never"

    with session_factory(app.engine)() as session:
        rows = [
            (
                str(t.id),
                t.user.username,
                t.prefix + "…",
                when(t.created_at),
                when(t.last_used_at),
                "revoked" if t.revoked_at else "live",
                t.name,
            )
            for t in session.scalars(select(ApiToken).order_by(ApiToken.id))
        ]
    click.echo(fitted_table(["id", "user", "token", "made", "last used", "state"], ["name"], rows))


@tokens_group.command("revoke")
@click.argument("token_id", type=int, metavar="ID")
@pass_app
def tokens_revoke(app: App, token_id: int) -> None:
    """Revoke a token: every request with it is refused from now on."""
    from socialbot.access.api_tokens import revoke_token
    from socialbot.access.roles import Actor

    try:
        with session_factory(app.engine).begin() as session:
            revoke_token(session, Actor.command_line(), token_id, datetime.now(UTC))
    except LookupError as exc:
        raise _refused(exc) from exc
    click.echo(f"tokens: token {token_id} is revoked")
