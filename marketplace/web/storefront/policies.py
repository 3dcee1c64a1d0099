"""The trust pages every shopper may read: who runs the shop, returns, privacy, complaints (bilingual templates)."""

from urllib.parse import urlsplit

from flask import abort, current_app, render_template

from marketplace.web.storefront.blueprint import bp

#: The policy pages, by address: ``/policies/<name>`` renders ``policies/<name>.html``.
POLICIES = ("operator", "returns", "privacy", "complaints")


@bp.get("/policies/<name>")
def policy(name):
    """One policy page; an unknown name is a 404."""
    if name not in POLICIES:
        abort(404)
    return render_template(f"policies/{name}.html", name=name)


@bp.app_context_processor
def operator_facts():
    """Who runs the shop, for the footer and the policy pages (``OPERATOR_*`` settings; unset ones are not shown)."""
    config = current_app.config
    host = urlsplit(config.get("PUBLIC_URL") or "").hostname or "localhost"
    return {"operator": {
        "name": config.get("OPERATOR_NAME"),
        "address": config.get("OPERATOR_ADDRESS"),
        "phone": config.get("OPERATOR_PHONE"),
        "email": config.get("OPERATOR_EMAIL") or f"hotro@{host}",
        "tax_code": config.get("OPERATOR_TAX_CODE"),
        "registration": config.get("ECOMMERCE_REGISTRATION"),
    }, "policy_names": POLICIES}
