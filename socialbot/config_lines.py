"""Find the line of a key path in a TOML text, so config errors can point at it."""

from __future__ import annotations

import re

HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def find_line(text: str, path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of path (e.g. ("group", 3, "source", 0, "network")), or of its nearest table."""
    lines = _index(text)
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _index(text: str) -> dict[tuple[str | int, ...], int]:
    """Map every table and key path written in block style to the line it starts on."""
    found: dict[tuple[str | int, ...], int] = {}
    counts: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            table = _resolve(header.group(2).split("."), header.group(1) == "[[", table, counts)
            found.setdefault(table, number)
            continue
        key = KEY.match(line)
        if key:
            found.setdefault((*table, key.group(1)), number)
    return found


def _resolve(
    names: list[str],
    is_array: bool,
    current: tuple[str | int, ...],
    counts: dict[tuple[str | int, ...], int],
) -> tuple[str | int, ...]:
    # [[group.source]] belongs to the latest [[group]]: reuse the index already open for each prefix.
    path: tuple[str | int, ...] = ()
    for depth, name in enumerate(names):
        path = (*path, name)
        last = depth == len(names) - 1
        if last and is_array:
            index = counts.get(path, -1) + 1
            counts[path] = index
            # A new element of this array closes any sub-arrays opened under the previous one.
            for key in [k for k in counts if len(k) > len(path) and k[: len(path)] == path]:
                del counts[key]
            path = (*path, index)
        elif path in counts:
            path = (*path, counts[path])
    return path
