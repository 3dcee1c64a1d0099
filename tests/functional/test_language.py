"""The language choice sticks: ?lang= and the switch persist (cookie, session, account), sign-in keeps it."""

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.factories import PASSWORD, make_user


def lang_of(response):
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def sign_in(client, email):
    return client.post_form("/login", {"email": email, "password": PASSWORD})


def test_lang_parameter_is_kept_on_the_following_pages(client, catalogue):
    assert lang_of(client.get("/?lang=en")) == "en"
    assert lang_of(client.get("/search")) == "en"
    assert lang_of(client.get("/province/thai-nguyen")) == "en"


def test_lang_parameter_sets_a_year_long_cookie_that_a_new_session_still_reads(client, catalogue):
    response = client.get("/search?lang=en")
    cookie = response.headers.getlist("Set-Cookie")
    lang_cookie = next(c for c in cookie if c.startswith("lang="))
    assert lang_cookie.startswith("lang=en") and "Max-Age=31536000" in lang_cookie and "HttpOnly" in lang_cookie
    with client.session_transaction() as session:
        session.clear()  # the browser session ended; the cookie remains
    assert lang_of(client.get("/")) == "en"


def test_first_visit_from_an_english_browser_is_in_english_and_vietnamese_wins_ties(client, catalogue):
    assert lang_of(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert lang_of(client.get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.8"})) == "vi"
    assert lang_of(client.get("/", headers={"Accept-Language": "fr-FR"})) == "vi"
    assert lang_of(client.get("/")) == "vi"


def test_an_explicit_choice_beats_the_browser_language(client, catalogue):
    client.get("/lang/vi")
    assert lang_of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "vi"


def test_signing_in_keeps_the_english_the_shopper_chose_and_saves_it_on_the_account(client, catalogue):
    buyer = make_user("customer", email="buyer@test.example")
    db.session.commit()
    client.get("/lang/en?next=/")
    assert sign_in(client, "buyer@test.example").status_code == 302
    assert lang_of(client.get("/")) == "en"
    assert db.session.scalar(select(User.preferred_locale).where(User.id == buyer.id)) == "en"


def test_signing_in_without_a_choice_uses_the_accounts_language_and_keeps_it_after_sign_out(client, catalogue):
    make_user("customer", email="anh@test.example", preferred_locale="en")
    db.session.commit()
    assert lang_of(client.get("/")) == "vi"
    sign_in(client, "anh@test.example")
    assert lang_of(client.get("/search")) == "en"
    client.post_form("/logout")
    assert lang_of(client.get("/")) == "en"


def test_the_switch_while_signed_in_changes_the_accounts_language(client, catalogue):
    buyer = make_user("customer", email="lan@test.example")
    db.session.commit()
    sign_in(client, "lan@test.example")
    client.get("/lang/en?next=/")
    assert db.session.scalar(select(User.preferred_locale).where(User.id == buyer.id)) == "en"
    assert lang_of(client.get("/search")) == "en"


def test_register_form_proposes_the_language_in_use(client):
    page = client.get("/register?lang=en").get_data(as_text=True)
    assert '<option selected value="en">' in page or 'value="en" selected' in page
