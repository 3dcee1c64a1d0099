"""The Whoosh schema of a listed product (one document per product)."""

from whoosh import fields

from marketplace.search.analysis import exact_analyzer, folded_analyzer, pairs_analyzer


def product_schema():
    """Text fields for matching and ranking; sortable numeric/ID columns for filters, facets and sorts."""
    return fields.Schema(
        product_id=fields.ID(stored=True, unique=True, sortable=True),
        name=fields.TEXT(analyzer=folded_analyzer(), field_boost=3.0, phrase=False, spelling=True),
        name_exact=fields.TEXT(analyzer=exact_analyzer(), field_boost=1.5, phrase=False),
        name_pairs=fields.TEXT(analyzer=pairs_analyzer(), field_boost=2.0, phrase=False),
        body=fields.TEXT(analyzer=folded_analyzer(), phrase=False),
        #: Province names (current and pre-2025) as word pairs: "che thai nguyen" favours Thái Nguyên's products.
        place=fields.TEXT(analyzer=pairs_analyzer(), field_boost=1.5, phrase=False),
        #: Classification names: generic words ("chế biến", "sơ chế") that must not outweigh a name.
        category=fields.TEXT(analyzer=folded_analyzer(), field_boost=0.4, phrase=False),
        entity=fields.ID(sortable=True),
        province=fields.ID(sortable=True),
        criteria=fields.ID(sortable=True),
        stars=fields.NUMERIC(sortable=True),
        price=fields.NUMERIC(bits=64, sortable=True),
        in_stock=fields.NUMERIC(sortable=True),
        #: Last day (ordinal) the product stays listed without a new decision: lapsed documents are
        #: filtered out at query time, no reindex needed at midnight.
        listed_until=fields.NUMERIC(bits=64, sortable=True),
        created=fields.NUMERIC(bits=64, sortable=True),
    )
