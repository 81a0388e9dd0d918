"""Images are checked by what they are, not what they are called: type, pixels and animation, per
network; each problem named by its file, once for the post."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from socialbot.config import Config, load_config
from socialbot.queue.campaign import load_campaign
from socialbot.tomlfile import ConfigError
from tests.conftest import ROOT
from tests.dispatch.test_dispatch import png
from tests.test_config import SANDBOX_ENV

ALL = '["network-x", "network-facebook", "network-bluesky", "network-mastodon"]'


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "feeds.toml", SANDBOX_ENV)


def problems(tmp_path: Path, config: Config, name: str, content: bytes, targets: str = ALL) -> list[str]:
    (tmp_path / name).write_bytes(content)
    path = tmp_path / "c.toml"
    path.write_text(
        f'campaign = "c"\ntargets = {targets}\n\n[[post]]\nkey = "p"\nat = 2030-01-01T09:00:00\n'
        f'text = "Rally"\n[[post.media]]\npath = "{name}"\nalt = "The rally"\n'
    )
    try:
        load_campaign(path, config)
    except ConfigError as exc:
        return exc.lines
    return []


def gif(frames: int) -> bytes:
    # Frames of different colours (Pillow merges identical ones).
    images = [Image.new("RGB", (8, 8), (60 * i, 0, 255 - 60 * i)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def test_a_text_file_named_png_is_refused_once(tmp_path: Path, config: Config) -> None:
    found = problems(tmp_path, config, "ballot.png", b"Ballots drop tomorrow\n")
    assert len(found) == 1, "once for the post, not once per target"
    assert "ballot.png: is not a PNG, JPEG, GIF or WebP image" in found[0]


def test_a_jpeg_named_png_is_told_its_name(tmp_path: Path, config: Config) -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "JPEG")
    (line,) = problems(tmp_path, config, "photo.png", out.getvalue())
    assert "photo.png: is a JPEG image; name it .jpg" in line


def test_an_animated_gif_is_refused_where_it_would_not_animate(tmp_path: Path, config: Config) -> None:
    found = problems(tmp_path, config, "wave.gif", gif(3))
    assert len(found) == 2
    assert any(
        "wave.gif: an animated GIF; X takes animated GIFs only by chunked upload (network-x)" in f
        for f in found
    )
    assert any("Bluesky shows only its first frame (network-bluesky)" in f for f in found)
    assert problems(tmp_path, config, "still.gif", gif(1)) == [], "a still GIF is an image like any other"
    assert problems(tmp_path, config, "wave.gif", gif(3), '["network-mastodon"]') == []


def test_too_many_pixels_for_mastodon(tmp_path: Path, config: Config) -> None:
    # 8,000 × 4,200 = 33,600,000 pixels: over mastodon.social's 33,177,600 (a flat image stays small).
    found = problems(
        tmp_path, config, "wide.png", png(8000, 4200), '["network-mastodon", "network-facebook"]'
    )
    assert (
        len(found) == 1
        and "wide.png: 8000×4200 pixels; Mastodon (network-mastodon) takes images up to" in found[0]
    )


def test_a_real_png_passes(tmp_path: Path, config: Config) -> None:
    assert problems(tmp_path, config, "ok.png", png(40, 20)) == []
