"""Template filters shared by every area: safe Markdown, audit values, search highlights."""

from marketplace.core.rendering import changed_values, render_markdown
from marketplace.search.highlight import highlight


def register(app):
    """Expose the ``markdown``, ``changed_values`` and ``highlight`` filters to templates."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["changed_values"] = changed_values
    app.jinja_env.filters["highlight"] = highlight
