"""The trust pages every shopper may read: returns, delivery, complaints, privacy, who runs the shop.

Their text is the version in force (``accounts/policies.py``): what an administrator last saved, else the built-in
text in the visitor's language.
"""

from flask import abort, current_app, render_template

from marketplace.accounts import policies
from marketplace.core.pagecache import cached_page
from marketplace.web.storefront.blueprint import bp


@bp.get("/policies/<name>")
@cached_page
def policy(name):
    """One policy page, with the day its version came into force; an unknown name is a 404."""
    if name not in policies.SLUGS:
        abort(404)
    return render_template("policies/page.html", name=name, text=policies.current(name))


@bp.app_template_filter("policy_markdown")
def policy_markdown(text):
    """A policy body as safe HTML (placeholders filled, Markdown sanitised)."""
    return policies.render(text)


@bp.app_context_processor
def operator_facts():
    """Who runs the shop, for the footer and the policy pages (``OPERATOR_*`` settings; unset ones are not shown)."""
    config = current_app.config
    return {"operator": {
        "name": config.get("OPERATOR_NAME"),
        "address": config.get("OPERATOR_ADDRESS"),
        "phone": config.get("OPERATOR_PHONE"),
        "email": policies.operator_email(),
        "tax_code": config.get("OPERATOR_TAX_CODE"),
        "registration": config.get("ECOMMERCE_REGISTRATION"),
    }, "policy_names": policies.SLUGS, "policy_titles": policies.TITLES}
