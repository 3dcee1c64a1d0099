"""What a product is found by: the folded words of its name, entity, classification, place and text."""

from marketplace.core.text import fold_words
from marketplace.reference.lookup import criteria_sets, provinces


def search_text(product, entity, listing):
    """Folded search words for ``product`` (name first), used by the database search backend."""
    criteria = criteria_sets()[product.criteria_set_code]
    province = provinces()[product.province_code]
    parts = [
        product.name, entity.name, criteria.name_vi, criteria.name_en, criteria.group_name_vi,
        criteria.group_name_en, criteria.sector_name_vi, criteria.sector_name_en, province.name,
        *province.legacy_names, product.original_address or "",
    ]
    if listing is not None:
        parts += [listing.description_vi or "", listing.description_en or ""]
    return " ".join(fold_words(part) for part in parts if part)
