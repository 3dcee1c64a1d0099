"""``/api/v1/openapi.json``: the OpenAPI 3.1 description of the API, kept beside the views in ``openapi.json``.

``tests/contract/test_openapi.py`` runs schemathesis against the app with it, so the document stays true.
"""

from functools import cache
from pathlib import Path

from flask import current_app

from marketplace.web.api.blueprint import bp

DOCUMENT = Path(__file__).with_name("openapi.json")


@cache
def document_bytes():
    """The document as shipped (read once per process)."""
    return DOCUMENT.read_bytes()


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description; any site may read it."""
    response = current_app.response_class(document_bytes(), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
