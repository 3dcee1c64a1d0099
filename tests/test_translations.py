"""Every user-facing string is extracted and translated into Vietnamese; the catalogues compile."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
VI = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def catalogue(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def message_ids(messages):
    return {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id}


def test_extraction_finds_nothing_missing_from_the_vietnamese_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    extracted, translated = message_ids(catalogue(pot)), message_ids(catalogue(VI))
    assert len(extracted) > 100
    assert extracted - translated == set(), "run `flask translate extract` and translate the new strings"


def test_every_vietnamese_message_is_translated_and_not_fuzzy():
    missing = [message.id for message in catalogue(VI) if message.id and (
        message.fuzzy or not message.string or (isinstance(message.string, tuple) and not all(message.string)))]
    assert missing == []


def test_placeholders_survive_translation():
    for message in catalogue(VI):
        if not message.id or not message.python_format:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        target = message.string if isinstance(message.string, str) else message.string[0]
        names = {part.split(")")[0] for part in source.split("%(")[1:]}
        assert names == {part.split(")")[0] for part in target.split("%(")[1:]}, message.id


def test_catalogues_compile(tmp_path):
    result = subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-i", str(VI), "-o",
                             str(tmp_path / "vi.mo"), "-l", "vi", "--statistics"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr
