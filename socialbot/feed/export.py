"""`socialbot export DIR`: the feed as static files any web server or CDN can serve."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import FeedTable
from socialbot.events.formats import render_events_json, render_events_page, render_ics
from socialbot.events.query import listed_events
from socialbot.feed.formats import render_atom, render_json_feed, render_rss
from socialbot.feed.query import FeedFilter, feed_page
from socialbot.feed.view import item_view

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


@dataclass
class ExportReport:
    """What was written."""

    pages: int
    items: int
    files: list[str]
    events: int = 0


def export_feed(
    sessions: sessionmaker[Session],
    settings: FeedTable,
    templates: Environment,
    directory: Path,
    base_url: str,
    max_pages: int = 20,
    zone: ZoneInfo | None = None,
) -> ExportReport:
    """Write feed.json/.atom/.rss, the HTML pages with static "Load More" pages, the events (calendar,
    JSON, page) and the embed files.

    Page n's next page is a file (feed-2.json, whats-new/page-2.html), so no server logic is needed.
    Files are written to a temporary folder and moved into place, so a reader never sees half an export.
    """
    zone = zone or ZoneInfo("Europe/London")
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "whats-new").mkdir(parents=True)
    base = base_url.rstrip("/")
    cursor, items, pages = None, 0, 0
    with sessions() as session:
        while pages < max_pages:
            page = feed_page(session, FeedFilter(), settings.page_size, cursor, settings.banned_words)
            pages += 1
            views = [item_view(item, base, settings.privacy_mode) for item in page.items]
            items += len(views)
            last = page.next_cursor is None or pages == max_pages
            suffix = "" if pages == 1 else f"-{pages}"
            meta = {"title": settings.title, "home_page_url": f"{base}/whats-new/", "base": base}
            meta_for = {
                ext: meta | {"feed_url": f"{base}/feed{suffix}.{ext}"} for ext in ("json", "atom", "rss")
            }
            if not last:
                for ext in meta_for:
                    meta_for[ext]["next_url"] = f"{base}/feed-{pages + 1}.{ext}"
            (staging / f"feed{suffix}.json").write_bytes(render_json_feed(views, page, meta_for["json"]))
            (staging / f"feed{suffix}.atom").write_bytes(render_atom(views, meta_for["atom"]))
            (staging / f"feed{suffix}.rss").write_bytes(render_rss(views, meta_for["rss"]))
            html_meta = meta | ({} if last else {"more_url": f"{base}/whats-new/page-{pages + 1}.html"})
            name = "index.html" if pages == 1 else f"page-{pages}.html"
            html = templates.get_template("whats_new.html").render(
                views=views, meta=html_meta, params={}, title=settings.title
            )
            (staging / "whats-new" / name).write_text(html, encoding="utf-8")
            if last:
                break
            cursor = page.next_cursor
    events = _export_events(sessions, settings, templates, staging, base, zone)
    for name in ("embed.js", "embed.css", "demo.css"):
        shutil.copy(STATIC / name, staging / name)
    demo = templates.get_template("demo.html").render(base=base, group="")
    (staging / "demo.html").write_text(demo, encoding="utf-8")
    if directory.exists():
        shutil.rmtree(directory)
    staging.rename(directory)
    files = sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
    return ExportReport(pages, items, files, events)


def _export_events(
    sessions: sessionmaker[Session],
    settings: FeedTable,
    templates: Environment,
    staging: Path,
    base: str,
    zone: ZoneInfo,
) -> int:
    """events.ics (the last 90 days and all to come), events.json and events/index.html (to come)."""
    now = datetime.now(UTC)
    with sessions() as session:
        kept = listed_events(session, now, upcoming_only=False)
        upcoming = listed_events(session, now)
    meta = {
        "title": f"{settings.title}: events",
        "base": base,
        "zone": zone.key,
        "group": None,
        "static": True,
    }
    (staging / "events.ics").write_bytes(render_ics(kept, meta))
    (staging / "events.json").write_bytes(render_events_json(upcoming, meta, zone))
    (staging / "events").mkdir()
    (staging / "events" / "index.html").write_bytes(render_events_page(upcoming, meta, now, zone, templates))
    return len(kept)
