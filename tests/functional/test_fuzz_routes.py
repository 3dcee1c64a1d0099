"""Every route, every field, hostile values, every kind of user: never a 500 (#11 item 9).

The rules come from ``app.url_map``: path converters are filled with hostile values (NUL, huge and negative
numbers, unicode, very long text, ``../``), ``any(...)`` converters with their first choice so the view behind
them runs. Each route gets GET and POST (with a valid CSRF token), its query string and form carrying a hostile
value in every field a form of the application declares, every field the views read from the request, and a
generic set; file fields carry a file named ``.xlsx`` that is not one. Cases rotate over anonymous visitors and
one signed-in user of each role, so each route meets every kind of user. Deterministic: no randomness.
"""

import re
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import FileField, MultipleFileField
from wtforms.fields.core import UnboundField

from marketplace.accounts.models import EntityApplication, VendorMembership
from marketplace.extensions import db, limiter
from marketplace.registry.models import Certificate
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.showrooms.models import Placement, Showroom
from tests.factories import make_entity, make_listed, make_user

ROOT = Path(__file__).resolve().parents[2] / "marketplace"
LONG = "Đ" * 600
#: Values for path segments of string and path converters.
PATH_TEXT = ["\x00", "../../etc/passwd", "ǅ̈\u202e😀\ufeff", LONG, "-1", str(2**63), "' OR 1=1 --", "%"]
#: Values for ``int`` converters (anything else does not match the rule and is a plain 404); None: a real row's id,
#: so the view runs and meets the hostile fields.
PATH_INT = ["0", str(2**31 - 1), str(2**31), str(2**63), "9" * 40, "١٢", None, str(2**64)]
#: Values for query and form fields.
FIELD_VALUES = ["\x00", "-1", str(2**63), "9" * 40, "ǅ̈\u202e😀 Hà Nội\ufeff", LONG, "../../etc/passwd", "0"]
#: Values for fields named ``*_id``: hostile ones are refused before any view runs, so every other case sends a
#: plausible id and lets the hostile text of the other fields reach the view.
ID_VALUES = ["1", "0", "1", str(2**63), "1", "abc", "1", "-1"]
GENERIC_FIELDS = {"q", "name", "address", "ward", "phone", "email", "quantity", "listing_id", "variant_id",
                  "price_vnd", "stock", "province", "group", "sort", "page", "per_page", "note", "reason", "carrier",
                  "tracking_number", "min_stars", "price_min", "price_max", "in_stock", "entity_id", "code", "number",
                  "format", "next", "lang", "status", "product_id", "showroom_id", "channel_id", "label", "password",
                  "changed_since", "criteria_set", "stars", "gtin"}
FILE_FIELDS = {"file", "photo"}
NOT_AN_XLSX = b"PK\x03\x04 this is not a workbook \x00\xff" * 20
CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def declared_fields():
    """(text fields, file fields) declared by every form of the application and read by its views."""
    text, files = set(GENERIC_FIELDS), set(FILE_FIELDS)
    for form in _subclasses(FlaskForm):
        for name in dir(form):
            field = getattr(form, name)
            if isinstance(field, UnboundField):
                is_file = issubclass(field.field_class, FileField | MultipleFileField)
                (files if is_file else text).add(name)
    for source in ROOT.rglob("*.py"):
        code = source.read_text(encoding="utf-8")
        text.update(re.findall(r"request\.(?:form|args|values)\.get(?:list)?\(\"(\w+)\"", code))
        files.update(re.findall(r"request\.files\.get\(\"(\w+)\"", code))
    return sorted(text - files - {"csrf_token"}), sorted(files)


def fill(rule, case, known):
    """The rule's path with its converters filled by the hostile values of ``case`` (``known``: real ids)."""
    def value(match):
        converter, arguments, name = match.groups()
        if converter == "any":
            return arguments.split(",")[0].strip().strip("'\"")
        if converter == "int":
            return PATH_INT[case] or str(known.get(name, 1))
        return quote(PATH_TEXT[case], safe="/" if converter == "path" else "")

    return CONVERTER.sub(value, rule.rule)


@pytest.fixture
def world(frozen_clock):
    """Anonymous and one signed-in user of each role over a small catalogue, and real ids by path argument."""
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    product = make_listed("Chè Đinh Tân Cương", entity=entity, stock=5)
    make_listed("Nước mắm Phú Quốc", entity=make_entity(province_code="91"))
    showroom = Showroom(name="Điểm OCOP Thái Nguyên", province_code="19", kind="transport_hub")
    db.session.add(showroom)
    db.session.flush()
    users = {"customer": make_user("customer"), "vendor": make_user("vendor", entity=entity),
             "showroom_staff": make_user("showroom_staff", showroom_id=showroom.id),
             "officer": make_user("officer", province_code="19"), "officer_national": make_user("officer"),
             "admin": make_user("admin")}
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    variant = ListingVariant(listing_id=listing.id, label="hộp 500 g", price_vnd=200000, stock=3)
    placement = Placement(showroom_id=showroom.id, product_id=product.id, status="requested")
    application = EntityApplication(user_id=users["customer"].id, name="HTX Mới", entity_type="cooperative",
                                    province_code="19")
    db.session.add_all([variant, placement, application])
    db.session.commit()
    known = {"product_id": product.id, "listing_id": listing.id, "variant_id": variant.id,
             "showroom_id": showroom.id, "placement_id": placement.id, "application_id": application.id,
             "user_id": users["customer"].id,
             "certificate_id": db.session.scalar(select(Certificate.id).where(Certificate.product_id == product.id)),
             "membership_id": db.session.scalar(select(VendorMembership.id))}
    actors = [("anonymous", None)] + [(role, user.get_id()) for role, user in users.items()]
    return actors, known


def pick(name, value, id_value):
    """The value a field gets in one case: ``id_value`` for ids, ``value`` for everything else."""
    return id_value if name == "id" or name.endswith("_id") else value


def signed_in(client, identity):
    """Keep ``client`` signed in as ``identity`` (a request may sign out) and return a valid CSRF token."""
    with client.session_transaction() as session:
        if identity is not None and session.get("_user_id") != identity:
            session.clear()
            session["_user_id"], session["_fresh"] = identity, True
        token_missing = "csrf_token" not in session
    if token_missing or not getattr(client, "fuzz_token", None):
        client.fuzz_token = client.csrf_token()
    return client.fuzz_token


def send(client, method, path, query, form):
    """The response's status, or the error a 500 would have been (testing mode propagates exceptions)."""
    try:
        if method == "GET":
            response = client.get(f"{path}?{query}")
        else:
            response = client.post(path, data=form, content_type="multipart/form-data")
        response.close()
        return response.status_code
    except Exception as error:  # noqa: BLE001 - anything raised is a 500 for the visitor
        db.session.rollback()
        return f"{type(error).__name__}: {str(error)[:160]}"


def test_no_route_answers_500_to_hostile_input(app, client, world, monkeypatch):
    actors, known = world
    monkeypatch.setattr(limiter, "enabled", False)  # every request must reach the application
    clients = {role: app.test_client() for role, _ in actors}
    text_fields, file_fields = declared_fields()
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
    failures, seen = [], 0
    for index, rule in enumerate(rules):
        for case, (value, id_value) in enumerate(zip(FIELD_VALUES, ID_VALUES, strict=True)):
            role, identity = actors[(index + case) % len(actors)]
            path = fill(rule, case, known)
            query = "&".join(f"{name}={quote(pick(name, value, id_value), safe='')}" for name in sorted(GENERIC_FIELDS))
            for method in ("GET", "POST"):
                form = {name: pick(name, value, id_value) for name in text_fields}
                form.update({name: (BytesIO(NOT_AN_XLSX), "registry.xlsx") for name in file_fields})
                form["csrf_token"] = signed_in(clients[role], identity)
                status = send(clients[role], method, path, query, form)
                seen += 1
                if not isinstance(status, int) or status >= 500:
                    failures.append(f"{method} {rule.rule} [{path[:60]!r}] as {role} with {value[:12]!r}: {status}")
    assert seen > 1000
    assert failures == [], "\n".join(failures)
