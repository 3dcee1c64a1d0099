"""Phone screenshots of the same pages at two versions of the shop, for a before/after comparison.

    .venv/bin/python benchmarks/phone_screenshots.py --ref 32bed93^ --out test-results/phone/before
    .venv/bin/python benchmarks/phone_screenshots.py --out test-results/phone/after

Each version runs from its own git worktree (``--ref``) or from this tree, on a fresh SQLite database with the
demo catalogue and index, served by ``flask run`` on a free loopback port; Debian's chromium (Playwright) opens
home, an unaccented search, a product page, the basket, checkout and the vendor dashboard at 360 × 780 in
Vietnamese, and saves one viewport-sized PNG each (what a buyer sees before scrolling).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402

PASSWORD = "ocop-demo-2026"


def free_port():
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def checkout_tree(ref, workdir):
    """This tree for no ``ref``; else a detached worktree of ``ref`` under ``workdir``."""
    if not ref:
        return ROOT
    tree = Path(workdir) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), ref], check=True,
                   capture_output=True)
    return tree


def environment(workdir):
    """A fresh SQLite database, index, outbox and media folder for one run."""
    env = dict(os.environ, FLASK_APP="marketplace", DATABASE_URL=f"sqlite:///{workdir}/shop.sqlite",
               SEARCH_INDEX_DIR=f"{workdir}/index", MAIL_OUTBOX=f"{workdir}/outbox", MEDIA_DIR=f"{workdir}/media")
    env.pop("TEST_DATABASE_URL", None)
    return env


def prepare(tree, env):
    """Migrate, load the demo and build the index, as ``make run`` does."""
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "marketplace"]
    subprocess.run(["make", "-s", "translations"], cwd=tree, check=True, capture_output=True)
    for command in (["db", "upgrade"], ["demo", "load"], ["search", "reindex"]):
        subprocess.run(flask + command, cwd=tree, env=env, check=True, capture_output=True)


def serve(tree, env, port):
    """Start ``flask run`` and wait until it answers."""
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "marketplace", "run", "--port", str(port)]
    server = subprocess.Popen(flask, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)  # noqa: S310 - loopback only
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the shop did not start")


def shoot(page, out, name):
    """Save what the phone shows now."""
    page.screenshot(path=str(out / f"{name}.png"))
    print(out / f"{name}.png")


def buyer_pages(page, base, out):
    """Home, an unaccented search, the first product, the basket and checkout."""
    page.goto(f"{base}/")
    shoot(page, out, "1-home")
    page.goto(f"{base}/search?q=caphe")
    shoot(page, out, "2-search-caphe")
    href = page.locator("a[href^='/p/']").first.get_attribute("href")
    page.goto(f"{base}{href}")
    shoot(page, out, "3-product")
    page.locator("form[action$='/cart/add'] button[type=submit]").first.click()
    page.goto(f"{base}/cart")
    shoot(page, out, "4-basket")
    page.goto(f"{base}/checkout")
    shoot(page, out, "5-checkout")


def vendor_pages(page, base, out):
    """The demo vendor's dashboard after signing in."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "vendor@ocop.example")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{base}/vendor/")
    shoot(page, out, "6-vendor-dashboard")


def main():
    """Screenshots of one version of the shop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="git revision to run (default: this tree)")
    parser.add_argument("--out", required=True, help="folder for the PNG files")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        tree = checkout_tree(args.ref, workdir)
        env, port = environment(workdir), free_port()
        try:
            prepare(tree, env)
            server = serve(tree, env, port)
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True,
                                                  device_scale_factor=1)
                    page = context.new_page()
                    buyer_pages(page, f"http://127.0.0.1:{port}", out)
                    vendor_pages(page, f"http://127.0.0.1:{port}", out)
                    browser.close()
            finally:
                server.terminate()
                server.wait(timeout=10)
        finally:
            if args.ref:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                               capture_output=True)


if __name__ == "__main__":
    main()
