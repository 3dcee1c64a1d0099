"""The OpenAPI document tells the truth: schemathesis calls every operation of /api/v1/openapi.json on the app.

For each operation it generates requests from the document (valid ones, and invalid ones that must be refused
with a documented 4xx), sends them to the WSGI app over a small catalogue, and fails on a 500, a status code the
document does not list, a content type it does not name, or a body that does not match its schema. Bounded:
30 examples per operation, derandomised (the same requests every run), no example database.
"""

import json
from datetime import date

import flask_babel
import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from marketplace.accounts import api_tokens
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity
from marketplace.shop.catalog.models import Listing
from marketplace.web.api.spec import DOCUMENT
from tests.factories import make_certificate, make_user, make_vendor_order

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def seeded(app, catalogue, monkeypatch):
    """The conftest catalogue (with an expired certificate), a revoked one, two orders of one entity, its token."""
    monkeypatch.setitem(app.config, "RATELIMIT_API", "100000 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_VENDOR_API", "100000 per minute")
    che, tra = catalogue["che"], catalogue["tra"]
    revoked = make_certificate(catalogue["mam"], stars=4, valid_from=date(2026, 1, 5), status="revoked",
                               revoked_on=date(2026, 6, 1), revocation_reason="Điều 8 khoản b")
    entity = db.session.get(Entity, che.entity_id)
    owner = make_user("vendor", entity=entity)
    parts = [make_vendor_order(entity, [che, tra]), make_vendor_order(entity, [che], status="delivered")]
    _token, secret = api_tokens.create(entity, "contract test", api_tokens.SCOPES, owner)
    db.session.commit()
    listings = db.session.scalars(select(Listing.id).where(Listing.product_id.in_([che.id, tra.id]))).all()
    return {"secret": secret, "ids": {
        "product_id": [product.id for product in catalogue.values()],
        "vendor_order_id": [part.id for part in parts],
        "listing_id": listings,
        "code": [revoked.code, *db.session.scalars(select(Certificate.code))],
    }}


@pytest.fixture
def wsgi(app):
    """The app as a WSGI callable whose requests are apart, as in production (the test's app context is shared)."""

    def call(environ, start_response):
        g.__dict__.clear()  # forget the last request's user, token and CSRF state
        flask_babel.refresh()
        return app(environ, start_response)

    return call


#: The document as shipped (schemathesis 4.32's lazy fixture loader does not run on pytest 9; the test below checks
#: that the app serves exactly this file).
schema = schemathesis.openapi.from_path(DOCUMENT)


def test_the_app_serves_the_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_data() == DOCUMENT.read_bytes()
    assert json.loads(response.get_data())["openapi"].startswith("3.1")


def aim_at_seeded_rows(case, ids):
    """Half the generated ids are swapped for rows that exist, so the 200 answers are checked too."""
    for name, value in list((case.path_parameters or {}).items()):
        choices = ids.get(name)
        if choices and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = choices[value // 2 % len(choices)]
        elif choices and isinstance(value, str) and len(value) % 2 == 0:
            case.path_parameters[name] = choices[len(value) // 2 % len(choices)]


@schema.parametrize()
@settings(max_examples=30, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_answers_as_documented(case, seeded, wsgi):
    aim_at_seeded_rows(case, seeded["ids"])
    case.call_and_validate(app=wsgi, headers={"Authorization": f"Bearer {seeded['secret']}"}, checks=CHECKS)
