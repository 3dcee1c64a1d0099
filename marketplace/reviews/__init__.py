"""Ratings and reviews from verified buyers: one per delivered order line, moderated, answered once by the vendor."""
