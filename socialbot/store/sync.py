"""Load feeds.toml's groups, sources and accounts into the store, idempotently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialbot.config import AccountTable, Config, GroupTable, SourceTable
from socialbot.store.accounts import Account
from socialbot.store.groups import Group, Source


@dataclass
class SyncReport:
    """What a sync changed, counted per kind of row."""

    created: dict[str, int] = field(default_factory=lambda: {"group": 0, "source": 0, "account": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"group": 0, "source": 0, "account": 0})
    disabled: dict[str, int] = field(default_factory=lambda: {"group": 0, "source": 0, "account": 0})

    @property
    def changed(self) -> bool:
        """True when the sync wrote anything."""
        return any(sum(d.values()) for d in (self.created, self.updated, self.disabled))


def sync_config(session: Session, config: Config) -> SyncReport:
    """Make the store's groups, sources and accounts match config; nothing is deleted."""
    report = SyncReport()
    groups = {g.slug: g for g in session.scalars(select(Group))}
    for table in config.groups:
        group = groups.pop(table.slug, None)
        if group is None:
            group = Group(slug=table.slug, name=table.name, website=table.website)
            session.add(group)
            report.created["group"] += 1
        elif _assign(group, name=table.name, website=table.website, enabled=True):
            report.updated["group"] += 1
        _sync_sources(session, group, table, report)
    # A group gone from feeds.toml is disabled, so the posts it had stay in the store.
    for group in groups.values():
        if group.enabled:
            group.enabled = False
            report.disabled["group"] += 1
        _disable(group.sources, report)
    _sync_accounts(session, config.accounts, report)
    session.flush()
    return report


def _sync_sources(session: Session, group: Group, table: GroupTable, report: SyncReport) -> None:
    existing = {(s.network, s.locator.lower()): s for s in group.sources}
    for source_table in table.source:
        wanted = _source_fields(source_table)
        source = existing.pop((source_table.network, source_table.locator.lower()), None)
        if source is None:
            group.sources.append(Source(network=source_table.network, **wanted))
            report.created["source"] += 1
        elif _assign(source, enabled=True, **wanted):
            report.updated["source"] += 1
    _disable(existing.values(), report)


def _source_fields(table: SourceTable) -> dict[str, Any]:
    options = {"include_replies": table.include_replies, "include_reposts": table.include_reposts}
    return {"locator": table.locator, "placeholder": table.placeholder, "options": options}


def _disable(sources: Iterable[Source], report: SyncReport) -> None:
    for source in sources:
        if source.enabled:
            source.enabled = False
            report.disabled["source"] += 1


def _sync_accounts(session: Session, tables: tuple[AccountTable, ...], report: SyncReport) -> None:
    accounts = {a.key: a for a in session.scalars(select(Account))}
    for table in tables:
        wanted = {
            "network": table.network,
            "handle": table.handle,
            "name": table.name,
            "credential_env": dict(table.credentials),
        }
        account = accounts.pop(table.key, None)
        if account is None:
            session.add(Account(key=table.key, **wanted))
            report.created["account"] += 1
        elif _assign(account, enabled=True, **wanted):
            report.updated["account"] += 1
    for account in accounts.values():
        if account.enabled:
            account.enabled = False
            report.disabled["account"] += 1


def _assign(row: object, **values: Any) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
