"""Unique ASCII slugs, kept unique within one import without a query per row."""

from marketplace.core.text import slugify


def unique_slug(text, taken, max_length=80):
    """A slug for ``text`` not in ``taken`` (suffixed ``-2``, ``-3``...); adds it to ``taken``."""
    base = slugify(text, max_length)
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    taken.add(slug)
    return slug
