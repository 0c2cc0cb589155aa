"""The headless Chromium both browser tests drive, and where their screenshots go.

These flags are what Chromium needs on these machines: no sandbox (root in a VM), no GPU, and
none of the background traffic a first run would start.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
"""Screenshots for a human to look at (gitignored)."""
