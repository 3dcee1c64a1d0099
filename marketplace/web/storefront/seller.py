"""Who sells: the facts of the seller box on product and entity pages.

Decree 52/2013/NĐ-CP as amended by Decree 85/2021/NĐ-CP: the entity's legal identity, address, contact and OCOP
certificates.
"""

import re

from sqlalchemy import select

from marketplace.core.text import fold_words
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry.models import Certificate, Product
from marketplace.registry.rules import valid_on
from marketplace.web.storefront.blueprint import bp

_PREFIX = re.compile(r"^(tinh|thanh pho|tp)\s+")


def certificates_of(entity_id, day):
    """(Certificate, Product) of the entity's certificates valid on ``day``, most stars first (one query)."""
    return db.session.execute(
        select(Certificate, Product).join(Product, Product.id == Certificate.product_id)
        .where(Product.entity_id == entity_id, valid_on(day))
        .order_by(Certificate.stars.desc(), Product.name, Certificate.id)).all()


def former_names(province, *addresses):
    """Names of the pre-2025 provinces merged into ``province`` that ``addresses`` still name, if any.

    An old province counts when its full name ("tỉnh Đắk Nông") appears, or its bare name ends the address.
    """
    names = []
    for address in filter(None, addresses):
        words = f" {fold_words(address)} "
        last = _PREFIX.sub("", fold_words(address.rsplit(",", 1)[-1]))
        for old in province.legacy:
            if old.name == province.name or old.name in names:
                continue
            if f" {fold_words(old.full_name)} " in words or last == fold_words(old.name):
                names.append(old.name)
    return names


@bp.app_template_global()
def seller_place(entity, *addresses):
    """The seller's current province and the pre-2025 names its addresses use (``province``, ``former``)."""
    province = provinces()[entity.province_code]
    return {"province": province, "former": former_names(province, entity.address, *addresses)}
