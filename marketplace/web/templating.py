"""Template helpers shared by every area: safe Markdown, audit values, search highlights, shared fragments."""

from flask import current_app, render_template, request
from markupsafe import Markup

from marketplace.core import memo
from marketplace.core.i18n import current_locale
from marketplace.core.rendering import changed_values, render_markdown
from marketplace.extensions import db
from marketplace.search.highlight import highlight
from marketplace.web.storefront.policies import operator_facts


def register(app):
    """Expose the ``markdown``, ``changed_values`` and ``highlight`` filters, ``shared_fragment`` and ``kept_block``."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["changed_values"] = changed_values
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.globals["shared_fragment"] = shared_fragment
    app.jinja_env.globals["kept_block"] = kept_block


def shared_fragment(name):
    """``templates/fragments/<name>.html``, the same for every visitor: rendered once per process and language.

    Such a fragment may depend only on the language, the script root and the operator's settings (the key); the
    footer and the page head's assets are ~40 translations and address builds a page no longer pays for.
    """
    operator = operator_facts()["operator"]
    key = (name, current_locale(), request.script_root, tuple(sorted(operator.items())))
    kept = current_app.extensions.setdefault("shared_fragments", {})
    html = None if current_app.debug else kept.get(key)
    if html is None:
        html = kept[key] = Markup(render_template(f"fragments/{name}.html"))
    return html


def kept_block(name, *key, caller):
    """The HTML of a ``{% call %}`` block the same for every visitor, rendered once per catalogue generation.

    ``{% call kept_block("name", id) %}…{% endcall %}`` wraps the parts of a page that do not depend on who asks (a
    product's description, certificate, seller, OpenGraph and JSON-LD). ``core/memo`` keeps the HTML under the
    generation, the day in Vietnam and the language, so a revocation, an edit or midnight render it again. Nothing
    in the block may depend on the visitor (no CSRF token, basket, wishlist or sign-in state). A block drawn from a
    read replica's answer is not kept: the replica may be behind the generation it would be kept under.
    """
    if db.session.info.get("replica"):
        return Markup(caller())
    return memo.remember(("block", name, *key), lambda: Markup(caller()))
