"""``flask translate extract|update|compile``: the pybabel steps with this project's paths."""

import subprocess
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"
LANGUAGES = ("vi", "en")
translate_cli = AppGroup("translate", help="Translation catalogues (wraps pybabel).")


def pybabel(*args):
    """Run a pybabel command from the repository root; raise on failure."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True)


@translate_cli.command("extract")
def extract():
    """Extract messages into translations/messages.pot and merge them into every catalogue."""
    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", str(POT), ".")
    for language in LANGUAGES:
        if (POT.parent / language / "LC_MESSAGES" / "messages.po").exists():
            pybabel("update", "-i", str(POT), "-d", "translations", "-l", language, "--no-fuzzy-matching",
                    "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(POT), "-d", "translations", "-l", language)


@translate_cli.command("compile")
def compile_catalogues():
    """Compile the .po catalogues into .mo files."""
    pybabel("compile", "-d", "translations", "--statistics")
    click.echo("compiled")
