"""What every real-browser test shares: where Debian's chromium is, its flags, where screenshots go."""

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Flags that keep headless chromium off the network this machine does not have.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = {"width": 360, "height": 780}
