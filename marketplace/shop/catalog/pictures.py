"""Generated product pictures: an SVG with the product's initials in its sector's colour."""

from functools import cache
from xml.sax.saxutils import escape

from marketplace.core.text import initials
from marketplace.reference.lookup import criteria_sets

_TEMPLATE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" role="img" aria-label="{label}">'
    '<rect width="400" height="300" fill="{color}"/>'
    '<circle cx="330" cy="60" r="90" fill="#ffffff" fill-opacity="0.10"/>'
    '<circle cx="60" cy="260" r="70" fill="#ffffff" fill-opacity="0.08"/>'
    '<text x="200" y="150" dy="0.35em" text-anchor="middle" font-family="sans-serif" font-size="112"'
    ' font-weight="700" fill="#ffffff">{initials}</text>'
    '<text x="200" y="262" text-anchor="middle" font-family="sans-serif" font-size="20" fill="#ffffff"'
    ' fill-opacity="0.9">{group}</text></svg>'
)


@cache
def product_svg(name, criteria_set_code):
    """SVG markup for a product picture (deterministic for a name and criteria set)."""
    criteria = criteria_sets()[criteria_set_code]
    return _TEMPLATE.format(label=escape(name), color=criteria.color, initials=escape(initials(name)),
                            group=escape(shorten(criteria.group_name_vi)))


def shorten(text, limit=30):
    """``text`` cut at a word boundary to fit ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",") + "…"
