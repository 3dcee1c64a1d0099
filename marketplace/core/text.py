"""Vietnamese text helpers: NFC normalisation, diacritic folding and ASCII slugs."""

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def nfc(text):
    """Return ``text`` normalised to NFC with surrounding and repeated whitespace collapsed."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip()


def fold(text):
    """Lower-case ``text`` and strip diacritics, mapping đ/Đ to d (NFD does not decompose them)."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_words(text):
    """Fold ``text`` and reduce it to space-separated ASCII words."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def name_key(text):
    """Identity key for names: NFC, case-insensitive, whitespace-insensitive; diacritics kept."""
    return nfc(text).casefold()


def slugify(text, max_length=80):
    """ASCII slug for URLs: ``Chè Đinh Tân Cương`` becomes ``che-dinh-tan-cuong``."""
    slug = _NON_ALNUM.sub("-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def initials(text, count=2):
    """Up to ``count`` initial letters of the words in ``text``, upper-case, diacritics kept."""
    words = [w for w in re.split(r"[\s\-–]+", nfc(text)) if w and w[0].isalnum()]
    return "".join(w[0] for w in words[:count]).upper()
