"""Search facade. Nothing outside this package knows how products are found.

This first backend matches folded words in the database (``Product.search_text``); the full-text
backend (Whoosh) will sit behind the same functions.
"""

from marketplace.search.backend import refresh_products, text_condition, text_rank

__all__ = ["refresh_products", "text_condition", "text_rank"]
