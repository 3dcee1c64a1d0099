"""Adding to the basket without the form's CSRF token: the page asks to confirm with a fresh form.

A product page served from the page cache carries no CSRF token; its script fetches one (static/js/session-bits.js).
Without JavaScript the token is missing, and instead of a bare "Bad request" the visitor gets the same choice
again, with a token, to send with one more press.
"""

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.core.errors import handle_http_error
from marketplace.core.input import form_id, form_int
from marketplace.web.checkout.blueprint import bp

#: The basket actions a cached page offers (the product page's "Add to basket" and "Buy now").
CONFIRMED_ENDPOINTS = ("checkout.add",)


@bp.errorhandler(CSRFError)
def confirm_without_token(error):
    """400 with a form to confirm the basket action; any other form of the area gets the usual error page."""
    if request.endpoint not in CONFIRMED_ENDPOINTS:
        return handle_http_error(error)
    try:
        fields = {"listing_id": form_id("listing_id") or 0, "variant_id": form_id("variant_id") or "",
                  "quantity": form_int("quantity", default=1), "buy_now": "1" if request.form.get("buy_now") else ""}
    except HTTPException as refused:  # a form no page of ours sends: its own 400/404
        return handle_http_error(refused)
    return render_template("orders/add_confirm.html", fields=fields), 400
