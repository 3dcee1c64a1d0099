"""Fixtures of the real-browser tests: Debian's chromium through Playwright, and the app on a loopback port."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser():
    """Headless chromium (skipped where it is missing, except in CI where it must be there)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CHROMIUM_REQUIRED") or os.environ.get("CI"):
            pytest.fail("chromium is required here but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
