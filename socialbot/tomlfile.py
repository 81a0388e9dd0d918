"""TOML files people edit (feeds.toml, campaign files): strict tables, and errors with file:line and key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from socialbot.config_lines import find_line
from socialbot.errors import UsageError

# Python and pydantic type names → the words the TOML spec uses.
TOML_TYPES = {
    "bool": "boolean",
    "int": "integer",
    "float": "float",
    "str": "string",
    "string": "string",
    "list": "array",
    "tuple": "array",
    "dict": "table",
    "model": "table",
}


class Strict(BaseModel):
    """A feeds.toml table: unknown keys and wrong types are errors, values never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in feeds.toml, located by key path and, where known, line."""

    path: tuple[str | int, ...]
    message: str


class ConfigError(UsageError):
    """feeds.toml is invalid; carries one line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def read_toml(path: Path, missing_hint: str) -> tuple[str, dict[str, Any]]:
    """The text and data of a TOML file; ConfigError (one line naming the file) when unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file; {missing_hint}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_error_line(path, exc)]) from exc


def validate_model(model: type[BaseModel], path: Path, text: str, data: dict[str, Any]) -> Any:
    """data as model; ConfigError with every problem located when it does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = [issue_from_pydantic(err) for err in exc.errors()]
        raise ConfigError(format_issues(path, text, data, issues)) from exc


def _syntax_error_line(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    # tomllib reports "<msg> (at line L, column C)"; Python 3.14 adds .lineno as well.
    message = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if match:
        reason = message[: match.start()].strip()
        return f"{path}:{match.group(1)}:{match.group(2)}: TOML syntax error: {reason}"
    return f"{path}: TOML syntax error: {message}"


def issue_from_pydantic(err: Any) -> ConfigIssue:
    """A pydantic error as a located issue with a message for people."""
    path = tuple(err["loc"])
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        message = f"unknown key {path[-1]!r}"
    elif kind == "missing":
        message = "missing; this key is required"
    elif kind.endswith("_type"):
        expected = kind.removesuffix("_type")
        message = f"expected {_a(expected)}, got {_toml_type(value)} {_short(value)}"
    elif kind == "value_error":
        message = str(err["ctx"]["error"])
    else:
        message = err["msg"]
    return ConfigIssue(path, message)


def _toml_type(value: Any) -> str:
    return TOML_TYPES.get(type(value).__name__, type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _a(word: str) -> str:
    word = TOML_TYPES.get(word, word)
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def format_issues(path: Path, text: str, data: dict[str, Any], issues: list[ConfigIssue]) -> list[str]:
    """One line per issue: FILE:LINE: key.path: message."""
    lines = []
    for issue in issues:
        line = find_line(text, issue.path)
        where = f"{path}:{line}" if line else str(path)
        lines.append(f"{where}: {_describe(issue.path, data)}: {issue.message}")
    return lines


def _describe(path: tuple[str | int, ...], data: dict[str, Any]) -> str:
    """A key path people can find: group[3] ("brent-momentum").source[0].network."""
    out, node = "", data
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else {}
            name = node.get("slug") or node.get("key") if isinstance(node, dict) else None
            if isinstance(name, str):
                out += f" ({name!r})"
        else:
            out += f".{part}" if out else part
            node = node.get(part, {}) if isinstance(node, dict) else {}
    return out
