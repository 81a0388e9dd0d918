"""Images officers upload on the compose page: kept in a media folder next to the database, under
names the desk makes (never a name or path from the request), so a form can only point at its own
uploads. Their type, size and pixels are checked per network by queue/media.py, as a campaign
file's images are."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from socialbot.config import Config
from socialbot.queue.text import IMAGE_TYPES

MEDIA_DIR_ENV = "SOCIALBOT_MEDIA_DIR"
# The largest image any network takes (Mastodon's 16 MB); each network's own limit is checked after.
MAX_UPLOAD = 16 * 1024 * 1024
STORED_NAME = re.compile(r"^[0-9a-f]{24}\.(png|jpg|jpeg|gif|webp)$")


class UploadError(ValueError):
    """An upload that is refused; the message is for the officer."""


def media_dir(config: Config, env: Mapping[str, str]) -> Path:
    """Where uploads go: SOCIALBOT_MEDIA_DIR, else media/ beside the SQLite file, else beside feeds.toml."""
    if env.get(MEDIA_DIR_ENV):
        return Path(env[MEDIA_DIR_ENV])
    url = make_url(config.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "media"
    return config.path.resolve().parent / "media"


def store_upload(folder: Path, filename: str, content: bytes) -> str:
    """Keep an uploaded image under a new name (its suffix kept); the stored name."""
    suffix = Path(filename).suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise UploadError(f"{filename}: not an image socialbot posts (use {', '.join(sorted(IMAGE_TYPES))})")
    if len(content) > MAX_UPLOAD:
        raise UploadError(f"{filename}: {len(content) / 1e6:.1f} MB; no network takes more than 16 MB")
    if not content:
        raise UploadError(f"{filename}: the file is empty")
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(12)}{suffix}"
    (folder / name).write_bytes(content)
    return name


def stored_path(folder: Path, name: str) -> Path | None:
    """The path of an upload named as store_upload named it, or None for any other name."""
    if not STORED_NAME.match(name):
        return None
    path = folder / name
    return path if path.is_file() else None
