"""Our official wards (NSO codes in force since 1 July 2025) as GHN codes them: reviewed data, and how it is built.

GHN's fee, lead-time and order calls take a district id and a ward code of its own, for the districts and wards as
they were before 1 July 2025. ``data/ghn_wards.json`` maps each official ward to one pre-2025 commune it absorbed (the
one whose NSO code it kept, else the first) as GHN codes it: ``[district id, ward code, ward, district, province]``,
GHN's names included (order creation sends them). A parcel to or from any street of a new ward is priced and routed
as one to that commune: the same district in GHN's grid, so the same fee and lead time.

``build()`` makes the file from GHN's master data (``flask shipping ghn-wards``): it matches the old commune's
province, district and ward names (folded, without their "Tỉnh", "Quận", "Phường"… and leading zeros of numbers)
against GHN's names and their ``NameExtension``; when the chosen commune is not found it tries the other communes of
the ward; wards still not found are listed for review (they are priced by the rate table). The file says where its
codes come from: ``source: ghn`` (built against GHN) or ``simulation`` (built against the simulation, whose codes
are made up: ``SIM…``). A mapping from the simulation is never used with GHN itself (a real parcel must never travel
on a made-up code; GHN itself is ``*.ghn.vn`` or ``*.ghn.dev``): quotes then fall back to the rate table and a
shipment needs a tracking number typed in.
"""

import json
import logging
import re
from functools import cache
from pathlib import Path

from marketplace.core import clock
from marketplace.core.text import fold_words, name_key
from marketplace.reference.lookup import legacy_wards, wards
from marketplace.shipping.ghn_client import Place, talks_to_ghn

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data" / "ghn_wards.json"
SOURCES = ("ghn", "simulation")
#: Words naming the kind of a unit, left out when names are compared ("Quận 1" and "1" are the same district).
KINDS = re.compile(r"^(tinh|thanh pho|tp|quan|huyen|thi xa|tx|phuong|xa|thi tran|tt|dac khu)\s+")


def key(name):
    """A unit's name as compared: folded, without its kind, numbers without leading zeros."""
    words = KINDS.sub("", fold_words(name or ""))
    return " ".join(str(int(word)) if word.isdigit() else word for word in words.split())


@cache
def mapping():
    """The file's contents (``source``, ``wards``…), read once per process; an empty mapping when absent."""
    if not DATA.exists():
        return {"source": None, "wards": {}}
    return json.loads(DATA.read_text(encoding="utf-8"))


def place(ward_code, settings):
    """GHN's :data:`Place` of an official ward, or None (unknown ward, or a simulated mapping with GHN itself).

    :param settings: ``ghn_client.settings()``: whom the client talks to.
    """
    data = mapping()
    if data.get("source") != "ghn" and talks_to_ghn(settings):
        log.error("data/ghn_wards.json was built from %s, not from GHN: run `flask shipping ghn-wards` against GHN",
                  data.get("source"))
        return None
    row = data["wards"].get(ward_code or "")
    return Place(*row) if row else None


def candidates():
    """``{official ward code: [(old ward, old district, old province)]}``, the commune that kept the code first."""
    found = {}
    for old_code, old_ward, old_district, old_province, new_code in sorted(legacy_wards()):
        if new_code in wards():
            chosen = found.setdefault(new_code, [])
            entry = (old_ward, old_district, old_province)
            if old_code == new_code:
                chosen.insert(0, entry)
            else:
                chosen.append(entry)
    return found


def _index(rows, field):
    """``({name: [row]}, {folded: [row]}, {key: [row]})`` of master-data rows by every spelling of their name.

    Full names (folded, kind kept) tell apart a district and a town of the same name ("Huyện Kỳ Anh", "Thị xã Kỳ
    Anh"); keys match spellings without the kind ("Kỳ Anh", "TX. Kỳ Anh").
    """
    exact, full, short = {}, {}, {}
    for row in rows or []:
        for name in {row.get(field), *(row.get("NameExtension") or [])} - {None, ""}:
            exact.setdefault(name_key(name), []).append(row)
            full.setdefault(fold_words(name), []).append(row)
            short.setdefault(key(name), []).append(row)
    return exact, full, short


def _one(index, name):
    """The single row named ``name``, or None (absent, or ambiguous).

    Compared as written first (diacritics tell "Châu Bình" from "Châu Bính"), then folded, then by its key.
    """
    exact, full, short = index
    for rows in (exact.get(name_key(name), []), full.get(fold_words(name), []), short.get(key(name), [])):
        unique = {id(row): row for row in rows}
        if len(unique) == 1:
            return next(iter(unique.values()))
        if unique:
            return None
    return None


def build(fetch, source):
    """The mapping from a GHN's master data: ``(contents, unmatched official codes)``.

    :param fetch: an object with ``provinces()``, ``districts(province_id)``, ``wards(district_id)`` answering
        ``(rows, error)`` like ``ghn_client`` (which is what ``flask shipping ghn-wards`` passes).
    :param source: ``ghn`` or ``simulation``, written in the file.
    """
    rows, error = fetch.provinces()
    if error:
        raise RuntimeError(error)
    provinces, districts, ghn_wards = _index(rows, "ProvinceName"), {}, {}
    result, unmatched = {}, []
    communes_of = candidates()
    for code in sorted(wards()):
        found = None
        for old_ward, old_district, old_province in communes_of.get(code, ()):
            province = _one(provinces, old_province)
            if province is None:
                continue
            if province["ProvinceID"] not in districts:
                districts[province["ProvinceID"]] = _index(_fetched(fetch.districts, province["ProvinceID"]),
                                                           "DistrictName")
            district = _one(districts[province["ProvinceID"]], old_district)
            if district is None:
                continue
            if district["DistrictID"] not in ghn_wards:
                ghn_wards[district["DistrictID"]] = _index(_fetched(fetch.wards, district["DistrictID"]), "WardName")
            ward = _one(ghn_wards[district["DistrictID"]], old_ward)
            if ward is not None:
                found = [district["DistrictID"], str(ward["WardCode"]), ward["WardName"], district["DistrictName"],
                         province["ProvinceName"]]
                break
        if found:
            result[code] = found
        else:
            unmatched.append(code)
    contents = {"source": source, "built_on": clock.today().isoformat(), "carrier": "ghn",
                "about": "official ward (NSO code since 2025-07-01) -> GHN [district id, ward code, ward, district, "
                         "province] of a pre-2025 commune it absorbed; built by `flask shipping ghn-wards`",
                "count": len(result), "unmatched": unmatched, "wards": result}
    return contents, unmatched


def _fetched(call, parent):
    """Master-data rows of ``parent``; a refusal stops the build."""
    rows, error = call(parent)
    if error:
        raise RuntimeError(error)
    return rows


def write(contents, path=DATA):
    """Write the mapping (one ward a line, so a review reads the diff) and forget the one read before."""
    lines = [f"  {json.dumps(code)}: {json.dumps(row, ensure_ascii=False)}" for code, row in contents["wards"].items()]
    head = {name: value for name, value in contents.items() if name != "wards"}
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "wards": {\n' + ",\n".join(lines) + "\n }\n}\n"
    path.write_text(text, encoding="utf-8")
    mapping.cache_clear()
