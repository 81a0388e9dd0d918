"""`socialbot feed …` and `socialbot export`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from socialbot.cli import App, pass_app
from socialbot.errors import UsageError
from socialbot.store.engine import session_factory


@click.group("feed")
def feed_group() -> None:
    """The What's New feed: list and moderate posts."""


@feed_group.command("list")
@click.option("--limit", default=20, show_default=True, help="How many posts.")
@pass_app
def feed_list(app: App, limit: int) -> None:
    """The newest posts with the ids that moderation commands take."""
    from socialbot.feed.query import FeedFilter, feed_page

    table = Table("id", "group", "network", "published", "text", "shared by")
    with session_factory(app.engine)() as session:
        for item in feed_page(
            session, FeedFilter(), min(limit, 50), None, app.config.feed.banned_words
        ).items:
            text = " ".join(item.text.split())
            table.add_row(
                str(item.id) + (" (pinned)" if item.pinned else ""),
                item.group_slug,
                item.network,
                item.published_at.astimezone(app.config.timezone).strftime("%d %b %H:%M"),
                text[:60] + ("…" if len(text) > 60 else ""),
                str(len(item.shared_by)),
            )
    Console(width=160).print(table)


def _moderation_command(action: str) -> None:
    @feed_group.command(action)
    @click.argument("post")
    @pass_app
    def command(app: App, post: str) -> None:
        from socialbot.access.roles import Actor
        from socialbot.feed.moderation import ModerationError, moderate

        try:
            with session_factory(app.engine).begin() as session:
                moderated = moderate(session, post, action, actor=Actor.command_line())
                click.echo(f"post {moderated.id}: {moderated.moderation.value}")
        except ModerationError as exc:
            raise UsageError(str(exc)) from exc

    command.__doc__ = {
        "hide": "Hide a post from the feed.",
        "unhide": "Show a hidden post again.",
        "pin": "Pin a post to the top of the feed.",
        "unpin": "Unpin a post.",
    }[action]


for _action in ("hide", "unhide", "pin", "unpin"):
    _moderation_command(_action)


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", metavar="URL", help="Where DIRECTORY will be served [default: [feed] base_url].")
@click.option("--pages", default=20, show_default=True, help="How many pages to write.")
@pass_app
def export(app: App, directory: Path, base_url: str | None, pages: int) -> None:
    """Write the feed and the events as static files (feeds, pages with static Load More, events.ics,
    embed.js) to DIRECTORY."""
    from socialbot.feed.export import export_feed
    from socialbot.web.app import templates

    base = base_url or app.config.feed.base_url
    if not base:
        raise UsageError(
            "socialbot: export: give --base-url (where the files will be served) or set [feed] base_url"
        )
    report = export_feed(
        session_factory(app.engine),
        app.config.feed,
        templates(app.config.timezone),
        directory,
        base,
        pages,
        app.config.timezone,
    )
    click.echo(
        f"{directory}: {report.pages} pages, {report.items} posts, {report.events} events, "
        f"{len(report.files)} files"
    )
