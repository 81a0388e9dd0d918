"""What the browser tests share: Debian's Chromium (Playwright's own download cannot work here; the
`browser` fixture is in tests/conftest.py) and the folder their screenshots are kept in for a
reviewer (not committed)."""

from __future__ import annotations

from tests.conftest import CHROMIUM, ROOT

SCREENSHOTS = ROOT / "build" / "screenshots"
__all__ = ["CHROMIUM", "SCREENSHOTS"]
