"""Tables people read after a round (`socialbot collect`) and about sources' health (`socialbot sources`)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table

from socialbot.collect.report import RoundReport
from socialbot.store import Source


def round_tables(report: RoundReport) -> list[Table]:
    """The summary, the slowest sources, and every failure with its reason."""
    summary = Table(
        "sources",
        "ok",
        "unchanged",
        "failed",
        "skipped",
        "new posts",
        "updated",
        "seconds",
        title="Collection round",
    )
    summary.add_row(
        str(len(report.outcomes)),
        str(report.count("ok")),
        str(report.count("not_modified")),
        str(report.count("error", "rate_limited", "parked")),
        str(report.count("skipped")),
        str(report.new),
        str(report.updated),
        f"{report.seconds:.1f}",
    )
    slowest = Table("source", "network", "seconds", "status", title="Slowest sources")
    for o in report.slowest(5):
        slowest.add_row(f"{o.group}: {o.locator}", o.network, f"{o.seconds:.2f}", o.status)
    tables = [summary, slowest]
    failures = [o for o in report.outcomes if o.failed or o.warning]
    if failures:
        errors = Table("source", "network", "status", "reason", title="Errors and warnings")
        for o in sorted(failures, key=lambda o: (o.status, o.group)):
            errors.add_row(f"{o.group}: {o.locator}", o.network, o.status, o.message or o.warning)
        tables.append(errors)
    return tables


def sources_table(sources: list[Source], now: datetime | None = None) -> Table:
    """Every source's health: last outcome, errors in a row, when it is polled next, and why not."""
    now = now or datetime.now(UTC)
    table = Table(
        "id",
        "group",
        "network",
        "source",
        "status",
        "last success",
        "errors",
        "next poll",
        "reason",
        title="Sources",
    )
    for s in sources:
        table.add_row(
            str(s.id),
            s.group.slug,
            s.network,
            s.locator,
            source_status(s),
            _ago(s.last_success_at, now),
            str(s.consecutive_errors),
            _until(s.next_attempt_at, now),
            s.parked_reason or s.last_error or s.last_warning or "",
        )
    return table


# What the status column says of a source: its last outcome, or why it is not collected.
STATUSES = ("disabled", "parked", "new", "ok", "not_modified", "error", "rate_limited", "skipped")


def source_status(source: Source) -> str:
    """disabled, parked, new (never collected) or the last attempt's outcome."""
    if not source.enabled:
        return "disabled"
    if source.parked_reason:
        return "parked"
    return source.last_status or "new"


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    minutes = int((now - when).total_seconds() // 60)
    return f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"


def _until(when: datetime | None, now: datetime) -> str:
    if when is None or when <= now:
        return "due"
    minutes = int((when - now).total_seconds() // 60)
    return f"in {minutes} min" if minutes < 120 else f"in {minutes // 60} h"
