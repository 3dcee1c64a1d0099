"""Read-only reference data (34 provinces with their pre-2025 predecessors, Decision 26/2026 classification).

The JSON files under ``data/`` are the reviewed source; the database tables are loaded from them by
a migration so foreign keys hold. Lookups here read the files once per process.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from marketplace.core.text import fold_words

DATA_DIR = Path(__file__).resolve().parent / "data"
_PREFIXES = re.compile(r"^(tinh|thanh pho|tp)\s+")


@dataclass(frozen=True)
class LegacyProvince:
    """A province as it was before 1 July 2025 (old NSO code; codes were reused after the merger)."""

    code: str
    name: str
    full_name: str
    slug: str
    province_code: str


@dataclass(frozen=True)
class Province:
    """One of the 34 provincial units in force since 1 July 2025."""

    code: str
    name: str
    full_name: str
    kind: str
    slug: str
    legacy: tuple = field(default=())
    aliases: tuple = field(default=())

    @property
    def legacy_names(self):
        """Names of the pre-2025 provinces merged into this one (itself included when unchanged)."""
        return [old.name for old in self.legacy]


@dataclass(frozen=True)
class CriteriaSet:
    """A leaf of the classification (codes 01-26) with its group and sector."""

    code: str
    name_vi: str
    name_en: str
    ministry: str
    group_code: str
    group_name_vi: str
    group_name_en: str
    sector_code: str
    sector_name_vi: str
    sector_name_en: str
    color: str

    def name(self, locale="vi"):
        """The criteria set's name in ``locale``."""
        return self.name_en if locale == "en" else self.name_vi


def _read(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def provinces():
    """All 34 current provinces keyed by NSO code, in code order."""
    result = {}
    for row in _read("provinces.json")["provinces"]:
        legacy = tuple(LegacyProvince(province_code=row["code"], **old) for old in row["legacy"])
        result[row["code"]] = Province(
            code=row["code"], name=row["name"], full_name=row["full_name"], kind=row["kind"],
            slug=row["slug"], legacy=legacy, aliases=tuple(row.get("aliases", ())),
        )
    return result


def _key(text):
    return _PREFIXES.sub("", fold_words(text)).replace(" ", "")


@cache
def _province_keys():
    keys = {}
    for province in provinces().values():
        names = [province.name, province.full_name, province.slug, *province.aliases]
        for old in province.legacy:
            names += [old.name, old.full_name, old.slug]
        for name in names:
            keys[_key(name)] = province.code
    return keys


def resolve_province(text):
    """Map a current NSO code, a name or a pre-2025 name/slug to the current :class:`Province`, or None.

    Names match with or without diacritics and prefixes; bare codes are read as current codes.
    """
    if text is None:
        return None
    raw = str(text).strip()
    if raw.isdigit():
        return provinces().get(raw.zfill(2))
    code = _province_keys().get(_key(raw))
    return provinces()[code] if code else None


def province(code):
    """The current province with NSO ``code`` (KeyError when unknown)."""
    return provinces()[code]


@cache
def classification():
    """The raw classification tree of Decision 26/2026 (sectors -> groups -> criteria sets)."""
    return _read("classification.json")


@cache
def criteria_sets():
    """All 26 criteria sets keyed by code ``01``-``26``."""
    result = {}
    for sector in classification()["sectors"]:
        for group in sector["groups"]:
            for item in group["criteria_sets"]:
                result[item["code"]] = CriteriaSet(
                    code=item["code"], name_vi=item["name_vi"], name_en=item["name_en"],
                    ministry=item["ministry"], group_code=group["code"], group_name_vi=group["name_vi"],
                    group_name_en=group["name_en"], sector_code=sector["code"],
                    sector_name_vi=sector["name_vi"], sector_name_en=sector["name_en"], color=sector["color"],
                )
    return result


def sectors():
    """The six sectors as dicts with code, names and colour, in order."""
    return [{key: s[key] for key in ("code", "name_vi", "name_en", "color")} for s in classification()["sectors"]]


def resolve_group(text):
    """Criteria-set codes selected by a criteria-set code, group code (``I.1``) or sector (``I``-``VI``)."""
    raw = str(text or "").strip().upper()
    if raw.isdigit():
        code = raw.zfill(2)
        return [code] if code in criteria_sets() else None
    codes = [c.code for c in criteria_sets().values() if raw in (c.sector_code, c.group_code)]
    return codes or None


def legacy_by_code(code):
    """The pre-2025 province that had NSO ``code``, or None."""
    for item in provinces().values():
        for old in item.legacy:
            if old.code == str(code).strip().zfill(2):
                return old
    return None


def unknown_province_reason(text):
    """Why ``text`` does not name a current province, with a hint for pre-2025 codes."""
    raw = str(text).strip()
    old = legacy_by_code(raw) if raw.isdigit() else None
    if old is not None and raw.zfill(2) not in provinces():
        return (f"'{raw}' is not a current province code (it was {old.name} before 1 July 2025): "
                "use a name or current code")
    return f"'{raw}' is not a province (current code, name or pre-2025 name)"


@dataclass(frozen=True)
class Ward:
    """A commune or ward (xã, phường, đặc khu) in force since 1 July 2025, with its NSO code."""

    code: str
    name: str
    short: str
    kind: str
    province_code: str


@cache
def _wards_file():
    return _read("wards.json")


@cache
def wards():
    """All 3,321 communes and wards keyed by NSO code (``wards.json``, from vietnamadminunits, MIT)."""
    return {row["code"]: Ward(**row) for row in _wards_file()["wards"]}


@cache
def legacy_wards():
    """The pre-2025 communes and wards as rows ``(old code, old name, old district, old province, new ward code)``."""
    return tuple(tuple(row) for row in _wards_file()["legacy"])


@cache
def wards_of(province_code):
    """The communes and wards of a current province, in name order (a tuple; empty for an unknown code)."""
    return tuple(sorted((w for w in wards().values() if w.province_code == province_code),
                        key=lambda w: fold_words(w.short)))


@cache
def _ward_keys(province_code):
    """Folded names (full and short) of a province's current wards, and of the pre-2025 ones they absorbed."""
    keys = {}
    for _old_code, old_name, old_district, _old_province, new_code in _wards_file()["legacy"]:
        new = wards().get(new_code)
        if new is not None and new.province_code == province_code:
            for name in (old_name, f"{old_name}, {old_district}"):
                keys.setdefault(fold_words(name), set()).add(new_code)
    for ward in wards_of(province_code):  # current names win over old ones
        keys[fold_words(ward.name)] = {ward.code}
        keys.setdefault(fold_words(ward.short), set()).add(ward.code)
    return keys


def resolve_ward(province_code, text):
    """The current :class:`Ward` of ``province_code`` that ``text`` names (code, name or pre-2025 name), or None.

    A pre-2025 commune or ward is converted to the one it became on 1 July 2025; a name that could be
    several wards of the province answers None, so the buyer picks from the list.
    """
    raw = str(text or "").strip()
    ward = wards().get(raw)
    if ward is not None:
        return ward if ward.province_code == province_code else None
    codes = _ward_keys(province_code).get(fold_words(raw), set())
    return wards()[next(iter(codes))] if len(codes) == 1 else None
