"""Seller identity, policies and consent (#15 part 3): every new route × every kind of user; refusals change nothing."""

import pytest
from sqlalchemy import func, select

from marketplace.accounts.consent import ConsentRecord
from marketplace.accounts.policies import Policy
from marketplace.extensions import db
from marketplace.registry.models import Entity, Product
from tests.functional.test_authorization_matrix import ACTORS, world  # noqa: F401  (the shared world fixture)
from tests.functional.test_authorization_matrix import snapshot as matrix_snapshot


def snapshot():
    """The matrix's snapshot, plus policy versions, consent records and entities' contacts."""
    counts = tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Policy, ConsentRecord))
    contacts = tuple(db.session.execute(select(Entity.id, Entity.contact_phone, Entity.contact_email)
                                        .order_by(Entity.id)).all())
    return matrix_snapshot(), counts, contacts


ANON = {"anonymous": 302}
MEMBERS_READ = {**ANON, "default": 403, "member_other": 200, "member_this": 200, "staff_this": 200}
ROUTES = [
    ("GET", "/policies/returns", {"default": 200}),
    ("GET", "/policies/delivery", {"default": 200}),
    ("GET", "/p/{product_slug}", {"default": 200}),
    ("GET", "/e/{entity_a.slug}", {"default": 200}),
    ("GET", "/register", {"default": 200}),
    ("GET", "/admin/policies", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/policies/returns", {**ANON, "default": 403, "admin": 200}),
    ("POST", "/admin/policies/returns", {**ANON, "default": 403, "admin": 302}),
    ("GET", "/admin/policies/returns/versions/1", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/policies/returns/versions/2", {**ANON, "default": 403, "admin": 404}),
    ("GET", "/admin/policies/secret", {**ANON, "default": 403, "admin": 404}),
    ("GET", "/vendor/profile", MEMBERS_READ),
    ("POST", "/vendor/profile", {**ANON, "default": 403, "member_this": 302}),
    ("POST", "/account/consent", {**ANON, "default": 302}),
]
FORM_DATA = {
    "/admin/policies/returns": {"base_version": "1", "title_vi": "Đổi trả", "title_en": "Returns",
                                "body_vi": "Trong {return_days} ngày.", "body_en": "Within {return_days} days."},
    "/vendor/profile": {"contact_phone": "0987654321", "contact_email": "lienhe@htx.example"},
    "/account/consent": {"marketing": "y"},
}
CASES = [(method, path, actor, expected.get(actor, expected["default"]))
         for method, path, expected in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("method", "path", "actor", "status"), CASES,
                         ids=[f"{m} {p} {a}" for m, p, a, _ in CASES])
def test_route_answers_each_kind_of_user(client, world, method, path, actor, status):  # noqa: F811
    if actor != "anonymous":
        client.login_as(world["users"][actor])
    url = path.format(**world, product_slug=db.session.scalar(
        select(Product.slug).where(Product.id == world["product_a"])))
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post_form(url, FORM_DATA.get(path, {}))
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status in (302, 401, 403, 404) and not (method == "POST" and status == 302 and actor != "anonymous"):
        assert snapshot() == before
    if method == "POST" and status == 302 and actor != "anonymous":
        assert snapshot() != before  # the allowed change was made
    if actor == "anonymous" and status == 302:
        assert "/login?next=" in response.headers["Location"]
