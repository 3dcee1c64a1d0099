"""The rating sort (``sort=rating``), the same on every backend.

Best average of the published reviews first, then the most reviewed, in stock, newest; products without reviews last.

The figures are the listing's counters (``Listing.rating_count``/``rating_sum``, kept by the reviews with each
change), read at query time: a review counts in the order at once, with no document to rewrite.
"""

import numpy as np
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing

#: The PostgreSQL backend's order over documents ``d`` (``postgres/query.ORDERS``).
SQL_ORDER = ("(SELECT CAST(l.rating_sum AS numeric) / l.rating_count FROM listing l WHERE l.product_id = d.product_id "
             "AND l.rating_count > 0) DESC NULLS LAST, "
             "(SELECT l.rating_count FROM listing l WHERE l.product_id = d.product_id) DESC NULLS LAST, "
             "d.in_stock DESC, d.created DESC, d.product_id DESC")


def rated():
    """``{product_id: (sum of stars, count)}`` of the products with published reviews (one query)."""
    rows = db.session.execute(select(Listing.product_id, Listing.rating_sum, Listing.rating_count)
                              .where(Listing.rating_count > 0))
    return {product_id: (total, count) for product_id, total, count in rows}


def row_key(product_id, figures):
    """Sort key of one product (``fallback.py``): best average first, then most reviewed; unrated last."""
    total, count = figures.get(product_id, (0, 0))
    return (-(total / count) if count else 1.0, -count)


def lexsort_keys(product_ids):
    """numpy.lexsort keys (the last sorts first) ordering ``product_ids`` by average, then count (Whoosh backend)."""
    figures = rated()
    average = np.zeros(len(product_ids), dtype=np.float64)
    count = np.zeros(len(product_ids), dtype=np.int64)
    for i, product_id in enumerate(product_ids.tolist()):
        if product_id in figures:
            total, count[i] = figures[product_id]
            average[i] = total / count[i]
    return -count, -average
