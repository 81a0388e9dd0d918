"""A post's images: each looked at once by its content (Pillow: its real type, its size in pixels,
whether it is animated), then checked against each network it goes to."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from socialbot.networks import NETWORKS
from socialbot.queue.text import IMAGE_TYPES, MEDIA
from socialbot.tomlfile import ConfigIssue

if TYPE_CHECKING:
    from socialbot.queue.campaign import PostTable

# Pillow's format names for the types socialbot posts, and the extension each is named with.
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}


@dataclass(frozen=True)
class Image:
    """What an image file really is."""

    path: Path
    format: str
    width: int
    height: int
    animated: bool


def media_files(
    post: PostTable, where: tuple[str | int, ...], directory: Path, issues: list[ConfigIssue]
) -> dict[int, Image]:
    """Each image that exists and is, by its content, an image type socialbot posts, by its position;
    the others reported once for the post."""
    found = {}
    for m, media in enumerate(post.media):
        path = (directory / media.path).resolve()
        key = (*where, "media", m, "path")
        suffix = Path(media.path).suffix.lower()
        if suffix not in IMAGE_TYPES:
            kinds = ", ".join(sorted(IMAGE_TYPES))
            issues.append(ConfigIssue(key, f"{media.path}: not an image type socialbot posts ({kinds})"))
        elif not path.is_file():
            issues.append(ConfigIssue(key, f"{media.path}: no such file (relative to {directory})"))
        else:
            image, problem = read_image(path)
            if problem:
                issues.append(ConfigIssue(key, f"{media.path}: {problem}"))
            elif image is not None and IMAGE_TYPES[FORMATS[image.format]] != IMAGE_TYPES[suffix]:
                issues.append(
                    ConfigIssue(
                        key, f"{media.path}: is a {image.format} image; name it {FORMATS[image.format]}"
                    )
                )
            elif image is not None:
                found[m] = image
    return found


def read_image(path: Path) -> tuple[Image | None, str | None]:
    """The image in the file, or why it is not one socialbot posts."""
    from PIL import Image as Pillow
    from PIL import UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused below, not warned about.
            warnings.simplefilter("error", Pillow.DecompressionBombWarning)
            with Pillow.open(path) as opened:
                opened.verify()
            with Pillow.open(path) as opened:
                format_, (width, height) = opened.format or "", opened.size
                animated = bool(getattr(opened, "is_animated", False))
    except (Pillow.DecompressionBombWarning, Pillow.DecompressionBombError):
        return None, "has too many pixels to be a photo socialbot posts"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None, "is not a PNG, JPEG, GIF or WebP image (its content is something else, or damaged)"
    if format_ not in FORMATS:
        return None, f"is a {format_} image; socialbot posts PNG, JPEG, GIF and WebP"
    return Image(path, format_, width, height, animated), None


def check_media(
    post: PostTable,
    images: dict[int, Image],
    network: str,
    where: tuple[str | int, ...],
    target: str,
    issues: list[ConfigIssue],
) -> None:
    """The post's images fit the network's count, size, pixel and animation limits."""
    limit = MEDIA[network]
    label = NETWORKS[network].label
    if len(post.media) > limit.count:
        issues.append(
            ConfigIssue(
                (*where, "media"), f"{len(post.media)} images; {label} ({target}) takes at most {limit.count}"
            )
        )
    for m, image in images.items():
        name, key = post.media[m].path, (*where, "media", m, "path")
        size = image.path.stat().st_size
        if size > limit.max_bytes:
            issues.append(
                ConfigIssue(
                    key, f"{name}: {size:,} bytes; {label} ({target}) takes up to {limit.max_bytes:,}"
                )
            )
        if limit.max_pixels and image.width * image.height > limit.max_pixels:
            issues.append(
                ConfigIssue(
                    key,
                    f"{name}: {image.width}×{image.height} pixels; {label} ({target}) takes images up to "
                    f"{limit.max_pixels:,} pixels",
                )
            )
        if image.animated and not limit.animated:
            issues.append(ConfigIssue(key, f"{name}: an animated GIF; {limit.why_not_animated} ({target})"))
