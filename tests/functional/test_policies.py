"""Policy pages administrators write: versions kept, bilingual, sanitised, linked from the footer (#15 part 3)."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from marketplace.accounts import policies
from marketplace.accounts.policies import Policy
from marketplace.core.audit import AuditEntry
from marketplace.core.errors import Refused
from marketplace.extensions import db
from tests.factories import make_user

NEW = {"title_vi": "Đổi trả hàng", "title_en": "Returns",
       "body_vi": "## Trả hàng\n\nTrong vòng {return_days} ngày, viết cho {email}.\n\n- Giữ bao bì",
       "body_en": "## Returning goods\n\nWithin {return_days} days, write to {email}.\n\n- Keep the packaging"}


def page_of(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def article(page):
    return page[page.index('<article class="policy-text">'):page.index("</article>")]


@pytest.fixture
def admin(client):
    user = make_user("admin")
    db.session.commit()
    client.login_as(user)
    return user


def save(client, slug="returns", base_version=1, **changes):
    return client.post_form(f"/admin/policies/{slug}", {"base_version": base_version, **NEW, **changes})


@pytest.mark.parametrize("slug", policies.SLUGS)
def test_every_policy_reads_in_both_languages_with_its_date_out_of_the_box(client, slug):
    vietnamese, english = article(page_of(client.get(f"/policies/{slug}"))), article(
        page_of(client.get(f"/policies/{slug}?lang=en")))
    assert "<h1>" in vietnamese and "<h1>" in english and vietnamese != english
    assert "13 tháng 12, 2026" in vietnamese and "December 13, 2026" in english
    assert "{email}" not in english and "{return_days}" not in english


def test_the_built_in_returns_policy_takes_its_days_from_the_setting(client, app, monkeypatch):
    assert "Within 7 days of delivery" in page_of(client.get("/policies/returns?lang=en"))
    monkeypatch.setitem(app.config, "RETURN_WINDOW_DAYS", 14)
    assert "Within 14 days of delivery" in page_of(client.get("/policies/returns?lang=en"))


def test_the_delivery_page_is_new_and_the_operator_page_keeps_the_facts(client):
    assert "<h1>Delivery</h1>" in page_of(client.get("/policies/delivery?lang=en"))
    operator = page_of(client.get("/policies/operator?lang=en"))
    assert 'class="operator-facts"' in article(operator) and "mailto:hotro@localhost" in article(operator)


def test_footer_and_policy_navigation_link_every_policy(client):
    page = page_of(client.get("/"))
    footer = page[page.index('<footer'):]
    for slug in policies.SLUGS:
        assert f'href="/policies/{slug}"' in footer
    nav = page_of(client.get("/policies/privacy"))
    assert all(f'href="/policies/{slug}"' in nav for slug in policies.SLUGS if slug != "privacy")
    assert '<span aria-current="page">' in nav


def test_admin_saves_a_version_and_the_page_shows_it_in_both_languages(client, admin, app, frozen_clock):
    form = page_of(client.get("/admin/policies/returns"))
    assert re.search(r'name="base_version" type="hidden" value="1"', form)
    assert "{return_days}" in form  # the built-in text is the starting point, placeholders kept
    response = save(client)
    assert response.status_code == 302
    row = db.session.scalar(select(Policy))
    assert (row.slug, row.version, row.updated_by_id) == ("returns", 2, admin.id)
    vietnamese = article(page_of(client.get("/policies/returns")))
    assert "<h1>Đổi trả hàng</h1>" in vietnamese and "<h2>Trả hàng</h2>" in vietnamese
    assert "Trong vòng 7 ngày, viết cho hotro@localhost." in vietnamese and "<li>Giữ bao bì</li>" in vietnamese
    english = article(page_of(client.get("/policies/returns?lang=en")))
    assert "<h1>Returns</h1>" in english and "Within 7 days, write to hotro@localhost." in english
    assert "Updated on" in english and "December 13, 2026" not in english  # today's date, not the built-in's
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.updated"))
    assert (entry.before, entry.after, entry.actor) == ({"version": 1}, {"version": 2}, admin.email)


def test_every_version_is_kept_and_readable(client, admin):
    assert save(client).status_code == 302
    assert save(client, base_version=2, body_en="Version three.").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Policy)) == 2
    assert "Version three." in page_of(client.get("/policies/returns?lang=en"))
    history = page_of(client.get("/admin/policies/returns"))
    for version in (1, 2, 3):
        assert f'href="/admin/policies/returns/versions/{version}"' in history
    assert admin.email in history
    assert "Keep the packaging" in page_of(client.get("/admin/policies/returns/versions/2"))
    assert "Within 7 days of delivery" in page_of(client.get("/admin/policies/returns/versions/1?lang=en"))
    assert client.get("/admin/policies/returns/versions/4").status_code == 404
    assert client.get("/admin/policies/privacy/versions/2").status_code == 404


def test_a_save_from_an_older_version_or_without_a_change_is_refused(client, admin):
    assert save(client).status_code == 302
    client.get("/?lang=en")
    stale = save(client, base_version=1, body_vi="Ghi đè")
    assert stale.status_code == 409 and "Someone saved version 2 of this policy meanwhile" in stale.get_data(
        as_text=True)
    unchanged = save(client, base_version=2)
    assert unchanged.status_code == 409 and "Nothing changed" in unchanged.get_data(as_text=True)
    assert db.session.scalar(select(func.max(Policy.version))) == 2


@pytest.mark.parametrize("changes", [{"title_vi": ""}, {"body_en": "  "}, {"title_en": "x" * 201},
                                     {"body_vi": "x" * 20_001}, {"base_version": "mot"}, {"base_version": ""},
                                     {"base_version": "0"}])
def test_incomplete_forms_are_refused_with_a_message(client, admin, changes):
    response = save(client, **changes)
    assert response.status_code == 400 and 'class="field-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Policy)) == 0


def test_unknown_policies_are_not_found(client, admin):
    assert client.get("/admin/policies/secret").status_code == 404
    assert save(client, slug="secret").status_code == 404
    assert client.get("/policies/secret").status_code == 404


def test_policy_text_is_sanitised(client, admin):
    body = '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) <b onclick="x">b</b>'
    assert save(client, body_vi=body).status_code == 302
    page = article(page_of(client.get("/policies/returns")))
    assert "<script" not in page and "onerror" not in page and "javascript:" not in page and "onclick" not in page


@pytest.mark.parametrize("role", ["customer", "vendor", "officer", "showroom_staff"])
def test_only_admins_edit(client, role):
    client.login_as(make_user(role))
    db.session.commit()
    assert client.get("/admin/policies").status_code == 403
    assert save(client).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Policy)) == 0


def test_admin_list_shows_every_policy_and_its_date(client, admin):
    page = page_of(client.get("/admin/policies"))
    for slug in policies.SLUGS:
        assert f'href="/admin/policies/{slug}"' in page
    assert "13 tháng 12, 2026" in page


def test_two_admins_saving_at_the_same_moment_make_one_version(client, admin):
    """Another admin's version 2 is written after this save read version 1: the unique key refuses the second."""
    other = make_user("admin")
    db.session.commit()

    def someone_else_saves_first(session, _context, _instances):
        if any(isinstance(row, Policy) for row in session.new):
            session.connection().execute(Policy.__table__.insert().values(
                slug="returns", version=2, updated_by_id=other.id, updated_at=datetime.now(UTC), **NEW))

    event.listen(db.session, "before_flush", someone_else_saves_first)
    try:
        with pytest.raises(Refused, match="cùng lúc"):
            policies.save("returns", admin, 1, **{**NEW, "body_vi": "Của tôi"})
    finally:
        event.remove(db.session, "before_flush", someone_else_saves_first)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
