"""Write the reference JSON into the database (used by migrations and by tests)."""

from sqlalchemy import delete, insert

from marketplace.reference import lookup
from marketplace.reference.models import CriteriaSet, LegacyProvince, ProductGroup, Province, Sector


def reference_rows():
    """Rows for each reference table, in foreign-key order."""
    tree = lookup.classification()["sectors"]
    provinces = lookup.provinces().values()
    return [
        (Province, [{"code": p.code, "name": p.name, "full_name": p.full_name, "kind": p.kind, "slug": p.slug}
                    for p in provinces]),
        (LegacyProvince, [{"code": o.code, "name": o.name, "full_name": o.full_name, "slug": o.slug,
                           "province_code": o.province_code} for p in provinces for o in p.legacy]),
        (Sector, [{k: s[k] for k in ("code", "name_vi", "name_en", "color")} for s in tree]),
        (ProductGroup, [{"code": g["code"], "sector_code": s["code"], "name_vi": g["name_vi"],
                         "name_en": g["name_en"]} for s in tree for g in s["groups"]]),
        (CriteriaSet, [{"code": c["code"], "group_code": g["code"], "name_vi": c["name_vi"], "name_en": c["name_en"],
                        "ministry": c["ministry"]} for s in tree for g in s["groups"] for c in g["criteria_sets"]]),
    ]


def load_reference(connection):
    """Replace the reference tables' content with the JSON files' (only safe before data refers to it)."""
    rows = reference_rows()
    for model, _ in reversed(rows):
        connection.execute(delete(model.__table__))
    for model, values in rows:
        connection.execute(insert(model.__table__), values)
