"""A post's images: each looked for once (its type and that it exists), then its count and size checked
against each network it goes to."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from socialbot.networks import NETWORKS
from socialbot.queue.text import IMAGE_TYPES, MEDIA
from socialbot.tomlfile import ConfigIssue

if TYPE_CHECKING:
    from socialbot.queue.campaign import PostTable


def media_files(
    post: PostTable, where: tuple[str | int, ...], directory: Path, issues: list[ConfigIssue]
) -> dict[int, Path]:
    """Each image that exists and is an image type, by its position; the others reported once."""
    found = {}
    for m, media in enumerate(post.media):
        path = (directory / media.path).resolve()
        key = (*where, "media", m, "path")
        if Path(media.path).suffix.lower() not in IMAGE_TYPES:
            issues.append(
                ConfigIssue(
                    key, f"{media.path}: not an image type socialbot posts ({', '.join(sorted(IMAGE_TYPES))})"
                )
            )
        elif not path.is_file():
            issues.append(ConfigIssue(key, f"{media.path}: no such file (relative to {directory})"))
        else:
            found[m] = path
    return found


def check_media(
    post: PostTable,
    images: dict[int, Path],
    network: str,
    where: tuple[str | int, ...],
    target: str,
    issues: list[ConfigIssue],
) -> None:
    """The post's images fit the network's count and size limits."""
    limit = MEDIA[network]
    label = NETWORKS[network].label
    if len(post.media) > limit.count:
        issues.append(
            ConfigIssue(
                (*where, "media"), f"{len(post.media)} images; {label} ({target}) takes at most {limit.count}"
            )
        )
    for m, path in images.items():
        media, key = post.media[m], (*where, "media", m, "path")
        if path.stat().st_size > limit.max_bytes:
            issues.append(
                ConfigIssue(
                    key,
                    f"{media.path}: {path.stat().st_size:,} bytes; {label} ({target}) takes "
                    f"images up to {limit.max_bytes:,} bytes",
                )
            )
