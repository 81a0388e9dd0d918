"""What a collection round did: each source's outcome and the round's totals."""

from __future__ import annotations

from dataclasses import dataclass, field

from socialbot.networks.base import SourceRef


@dataclass
class SourceOutcome:
    """What happened to one source in a round."""

    source_id: int
    group: str
    network: str
    locator: str
    status: str = "ok"  # ok, not_modified, error, rate_limited, parked, skipped
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    message: str = ""
    warning: str = ""
    seconds: float = 0.0
    # Posts the platform sent (what pay-per-read platforms bill), new or not.
    read: int = 0

    @property
    def failed(self) -> bool:
        """True when the source could not be read this round."""
        return self.status in ("error", "rate_limited", "parked")


@dataclass
class RoundReport:
    """Every source's outcome and the round's wall time."""

    outcomes: list[SourceOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, *statuses: str) -> int:
        """How many sources ended in one of these statuses."""
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def new(self) -> int:
        """Posts stored for the first time."""
        return sum(o.new for o in self.outcomes)

    @property
    def updated(self) -> int:
        """Stored posts whose text or links changed."""
        return sum(o.updated for o in self.outcomes)

    def slowest(self, n: int = 5) -> list[SourceOutcome]:
        """The n sources that took longest."""
        return sorted(self.outcomes, key=lambda o: -o.seconds)[:n]


@dataclass
class Task:
    """A source to fetch this round, with the outcome being filled in."""

    ref: SourceRef
    group_id: int
    outcome: SourceOutcome
    host: str
