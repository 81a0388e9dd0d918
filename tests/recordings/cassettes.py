"""Read the client libraries' recorded answers (vcrpy cassettes, YAML) kept in tests/recordings/."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RECORDINGS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Recorded:
    """One recorded request and its answer."""

    method: str
    uri: str
    status: int
    headers: dict[str, list[str]]
    body: Any


def interactions(name: str) -> list[Recorded]:
    """Every interaction of a cassette, its body decoded (gzip undone, JSON parsed where it is JSON)."""
    cassette = yaml.safe_load((RECORDINGS / name).read_text())
    found = []
    for interaction in cassette["interactions"]:
        request, response = interaction["request"], interaction["response"]
        raw = response["body"]["string"]
        if isinstance(raw, bytes) and raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode() if isinstance(raw, bytes) else raw
        try:
            body: Any = json.loads(text) if text else None
        except ValueError:
            body = text
        found.append(
            Recorded(request["method"], request["uri"], response["status"]["code"], response["headers"], body)
        )
    return found
