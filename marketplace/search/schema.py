"""The Whoosh schema of a listed product (one document per product)."""

from whoosh import columns, fields

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
        # Column-only values (not indexed as terms): filters, facets and sorts read them as numpy arrays.
        entity=fields.COLUMN(columns.RefBytesColumn()),
        province=fields.COLUMN(columns.RefBytesColumn()),
        criteria=fields.COLUMN(columns.RefBytesColumn()),
        stars=fields.COLUMN(columns.NumericColumn("B")),
        price=fields.COLUMN(columns.NumericColumn("q")),
        in_stock=fields.COLUMN(columns.NumericColumn("B")),
        #: Last day (ordinal) the product stays listed without a new decision: lapsed documents are
        #: filtered out at query time, no reindex needed at midnight.
        listed_until=fields.COLUMN(columns.NumericColumn("i")),
        created=fields.COLUMN(columns.NumericColumn("q")),
        name_len=fields.COLUMN(columns.NumericColumn("B")),  #: words in the name (length normalisation)
    )
