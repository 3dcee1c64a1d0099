"""Rendering vendor-written text safely: Markdown to HTML, then sanitised by nh3 (Ammonia)."""

import functools

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "code"}


def render_markdown(text, tags=ALLOWED_TAGS):
    """Markdown ``text`` as sanitised HTML (scripts, styles and tags outside ``tags`` removed)."""
    if not text:
        return Markup("")
    return _rendered(text, frozenset(tags))


@functools.lru_cache(maxsize=1024)
def _rendered(text, tags):
    """Kept per (text, tags): a product page renders the same description for every visitor (a pure function)."""
    html = markdown_lib.markdown(text, extensions=[], output_format="html")
    return Markup(nh3.clean(html, tags=set(tags), attributes={"a": {"href", "title"}}, link_rel="nofollow noopener"))


def changed_values(values, limit=80):
    """``(field, value)`` pairs of an audit entry's before/after dict, long values shortened."""
    pairs = []
    for field, value in (values or {}).items():
        text = "—" if value is None else str(value)
        pairs.append((field, text if len(text) <= limit else text[:limit - 1] + "…"))
    return pairs
