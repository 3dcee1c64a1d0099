"""Programme figures, each computed by one aggregate SQL query (no N+1).

Every function takes ``(day, province_code)``: ``province_code`` None means the whole country.

Definitions used throughout:

- A **certified product** is a product with a certificate valid on ``day``
  (:func:`marketplace.registry.rules.valid_on`), whether or not a vendor lists it for sale: this is the
  registry's view, not the storefront's. Its star rating is that of its valid certificate (the highest one,
  should two ever be valid on the same day). Products are placed by their own ``province_code``.
- A **certified entity** is an entity with at least one certified product. Entities are placed by their own
  ``province_code``.
- Shares are fractions between 0 and 1 (None when there is nothing to divide by).
"""

from datetime import timedelta

from sqlalchemy import and_, case, exists, func, select

from marketplace.channels.models import EntityChannel, SalesChannel
from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, provinces, sectors
from marketplace.reference.models import CriteriaSet, ProductGroup
from marketplace.registry.models import ENTITY_TYPES, Certificate, Entity, Product
from marketplace.registry.rules import valid_on
from marketplace.showrooms.models import Showroom

STARS = (3, 4, 5)
#: Entity-type targets (share of certified entities), as written in provincial plans after 919/QĐ-TTg.
ENTITY_TYPE_TARGETS = {"cooperative": 0.40, "enterprise": 0.30}
#: 919/QĐ-TTg: at least half of the entities sell through modern channels.
MODERN_CHANNEL_TARGET = 0.50
EXPIRY_WINDOWS = (90, 180)
SOONEST_LIMIT = 50
MAJORITY_ETHNICITY = "kinh"


def _share(part, whole):
    return part / whole if whole else None


def _met(share, target):
    return share is not None and share >= target


def _province_codes(province_code):
    """The current province codes in scope, in code order."""
    return [province_code] if province_code else list(provinces())


def certified_products(day):
    """Subquery of (product_id, stars): products with a certificate valid on ``day``."""
    return (select(Certificate.product_id.label("product_id"), func.max(Certificate.stars).label("stars"))
            .where(valid_on(day)).group_by(Certificate.product_id).subquery("certified"))


def _count_products(day, province_code, group_by, *joins):
    """``{key: certified products}`` grouped by ``group_by(certified)`` (a column), in one query."""
    certified = certified_products(day)
    key = group_by(certified)
    query = select(key, func.count(Product.id)).select_from(Product).join(
        certified, certified.c.product_id == Product.id)
    for target, condition in joins:
        query = query.join(target, condition)
    if province_code:
        query = query.where(Product.province_code == province_code)
    return dict(db.session.execute(query.group_by(key)).all())


def products_by_stars(day, province_code=None):
    """Certified products per star rating: ``{3: n, 4: n, 5: n}``."""
    counts = _count_products(day, province_code, lambda certified: certified.c.stars)
    return {stars: counts.get(stars, 0) for stars in STARS}


def products_by_province(day, province_code=None):
    """Certified products per current province, zero-filled (all 34, or the one in scope), in code order."""
    counts = _count_products(day, province_code, lambda _: Product.province_code)
    return [{"code": code, "name": provinces()[code].name, "products": counts.get(code, 0)}
            for code in _province_codes(province_code)]


def products_by_sector(day, province_code=None):
    """Certified products per sector I-VI (Decision 26/2026), zero-filled, in order."""
    counts = _count_products(day, province_code, lambda _: ProductGroup.sector_code,
                             (CriteriaSet, CriteriaSet.code == Product.criteria_set_code),
                             (ProductGroup, ProductGroup.code == CriteriaSet.group_code))
    return [{"code": s["code"], "name_vi": s["name_vi"], "name_en": s["name_en"], "color": s["color"],
             "products": counts.get(s["code"], 0)} for s in sectors()]


def products_by_criteria_set(day, province_code=None):
    """Certified products per criteria set 01-26, zero-filled, in code order."""
    counts = _count_products(day, province_code, lambda _: Product.criteria_set_code)
    return [{"code": c.code, "name_vi": c.name_vi, "name_en": c.name_en, "sector_code": c.sector_code,
             "products": counts.get(c.code, 0)} for c in criteria_sets().values()]


def _certified_entities(day, province_code):
    """WHERE conditions selecting the certified entities in scope."""
    has_certified = exists(
        select(Certificate.id).join(Product, Product.id == Certificate.product_id)
        .where(Product.entity_id == Entity.id, valid_on(day))
    )
    conditions = [has_certified]
    if province_code:
        conditions.append(Entity.province_code == province_code)
    return conditions


def entities_by_type(day, province_code=None):
    """Certified entities per type with shares, and the cooperative (>=40 %) and enterprise (>=30 %) targets.

    Returns ``{"total", "types": [{"type", "entities", "share"}], "targets": [{"type", "share", "target",
    "met"}]}``; a target is not met when there are no entities.
    """
    counts = dict(db.session.execute(
        select(Entity.entity_type, func.count(Entity.id)).where(*_certified_entities(day, province_code))
        .group_by(Entity.entity_type)
    ).all())
    total = sum(counts.values())
    types = [{"type": kind, "entities": counts.get(kind, 0), "share": _share(counts.get(kind, 0), total)}
             for kind in ENTITY_TYPES]
    shares = {row["type"]: row["share"] for row in types}
    targets = [{"type": kind, "share": shares[kind], "target": target, "met": _met(shares[kind], target)}
               for kind, target in ENTITY_TYPE_TARGETS.items()]
    return {"total": total, "types": types, "targets": targets}


def modern_channels(day, province_code=None):
    """Certified entities selling through at least one modern channel, against the 919/QĐ-TTg target of 50 %.

    Modern channels are :attr:`EntityChannel.MODERN_KINDS` (supermarket, convenience store, e-commerce); an
    own shop does not count. Returns ``{"entities", "modern", "share", "target", "met"}``.
    """
    sells_modern = exists(
        select(EntityChannel.id).join(SalesChannel, SalesChannel.id == EntityChannel.channel_id)
        .where(EntityChannel.entity_id == Entity.id, SalesChannel.kind.in_(EntityChannel.MODERN_KINDS))
    )
    total, modern = db.session.execute(
        select(func.count(Entity.id), func.coalesce(func.sum(case((sells_modern, 1), else_=0)), 0))
        .where(*_certified_entities(day, province_code))
    ).one()
    share = _share(modern, total)
    return {"entities": total, "modern": modern, "share": share, "target": MODERN_CHANNEL_TARGET,
            "met": _met(share, MODERN_CHANNEL_TARGET)}


def representation(day, province_code=None):
    """Female-led and ethnic-minority-led certified entities.

    Female-led: ``representative_gender == 'female'``. Ethnic-minority-led: ``representative_ethnicity`` set
    and not Kinh (compared case-insensitively, spaces trimmed). An empty ethnicity counts as unknown.
    **Shares are computed over the entities whose field is known**; the entities with the field unknown
    (NULL) are reported separately as ``unknown`` and are left out of the share.
    Returns ``{"entities", "female": {...}, "ethnic_minority": {...}}``, each part with ``count``, ``known``,
    ``unknown`` and ``share``.
    """
    ethnicity = func.lower(func.trim(Entity.representative_ethnicity))
    ethnicity_known = and_(Entity.representative_ethnicity.is_not(None),
                           func.trim(Entity.representative_ethnicity) != "")
    total, gender_known, female, ethnicity_known_count, minority = db.session.execute(
        select(
            func.count(Entity.id),
            func.count(Entity.representative_gender),
            func.coalesce(func.sum(case((Entity.representative_gender == "female", 1), else_=0)), 0),
            func.coalesce(func.sum(case((ethnicity_known, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(ethnicity_known, ethnicity != MAJORITY_ETHNICITY), 1), else_=0)), 0),
        ).where(*_certified_entities(day, province_code))
    ).one()

    def part(count, known):
        return {"count": count, "known": known, "unknown": total - known, "share": _share(count, known)}

    return {"entities": total, "female": part(female, gender_known),
            "ethnic_minority": part(minority, ethnicity_known_count)}


def _expiring(day, days):
    return and_(valid_on(day), Certificate.valid_until <= day + timedelta(days=days))


def _certificates_in_scope(query, province_code):
    query = query.join(Product, Product.id == Certificate.product_id)
    return query.where(Product.province_code == province_code) if province_code else query


def expiring_counts(day, province_code=None):
    """Certificates valid on ``day`` whose ``valid_until`` falls within ``day``..``day + N`` for N = 90, 180.

    Returns ``{90: n, 180: n}``. A certificate already followed by a newer one is counted like any other.
    """
    query = select(*[func.coalesce(func.sum(case((_expiring(day, days), 1), else_=0)), 0) for days in EXPIRY_WINDOWS])
    query = _certificates_in_scope(query.select_from(Certificate), province_code)
    row = db.session.execute(query.where(valid_on(day))).one()
    return dict(zip(EXPIRY_WINDOWS, row, strict=True))


def expiring_soonest(day, province_code=None, within=EXPIRY_WINDOWS[-1], limit=SOONEST_LIMIT):
    """The ``limit`` certificates expiring soonest within ``within`` days (same rule as :func:`expiring_counts`).

    Dicts with the certificate ``number`` and public ``code``, ``stars``, ``valid_until``, ``product`` and
    ``entity`` names, soonest first.
    """
    query = select(Certificate.number, Certificate.code, Certificate.stars, Certificate.valid_until,
                   Product.name.label("product"), Entity.name.label("entity")).select_from(Certificate)
    query = _certificates_in_scope(query, province_code).join(Entity, Entity.id == Product.entity_id)
    rows = db.session.execute(
        query.where(_expiring(day, within)).order_by(Certificate.valid_until, Certificate.number).limit(limit)
    ).mappings().all()
    return [dict(row) for row in rows]


def showroom_coverage(day, province_code=None):
    """Showrooms per current province (zero-filled: all 34, or the one in scope) and how many have none.

    ``day`` is accepted for a uniform signature; showrooms have no validity period.
    """
    query = select(Showroom.province_code, func.count(Showroom.id)).group_by(Showroom.province_code)
    if province_code:
        query = query.where(Showroom.province_code == province_code)
    counts = dict(db.session.execute(query).all())
    rows = [{"code": code, "name": provinces()[code].name, "showrooms": counts.get(code, 0)}
            for code in _province_codes(province_code)]
    return {"provinces": rows, "total": sum(row["showrooms"] for row in rows),
            "without": sum(1 for row in rows if row["showrooms"] == 0)}


def programme_summary(day, province_code=None):
    """Every programme figure for ``day`` in one dict (ten aggregate queries in all)."""
    by_stars = products_by_stars(day, province_code)
    types = entities_by_type(day, province_code)
    return {
        "day": day,
        "province_code": province_code,
        "products": sum(by_stars.values()),
        "entities": types["total"],
        "products_by_stars": by_stars,
        "products_by_province": products_by_province(day, province_code),
        "products_by_sector": products_by_sector(day, province_code),
        "products_by_criteria_set": products_by_criteria_set(day, province_code),
        "entities_by_type": types,
        "modern_channels": modern_channels(day, province_code),
        "representation": representation(day, province_code),
        "expiring": expiring_counts(day, province_code),
        "expiring_soonest": expiring_soonest(day, province_code),
        "showrooms": showroom_coverage(day, province_code),
    }
