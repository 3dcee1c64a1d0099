"""Rendering vendor-written text safely: Markdown to HTML, then sanitised by nh3 (Ammonia)."""

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "code"}


def render_markdown(text):
    """Markdown ``text`` as sanitised HTML (scripts, styles and unknown tags removed)."""
    if not text:
        return Markup("")
    html = markdown_lib.markdown(text, extensions=[], output_format="html")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="nofollow noopener"))


def register(app):
    """Expose the ``markdown`` filter to templates."""
    app.jinja_env.filters["markdown"] = render_markdown
