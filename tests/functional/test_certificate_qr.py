"""QR codes and printable labels for the public verification page."""

from datetime import date

import pytest
import segno
from flask import url_for

from marketplace.extensions import db
from marketplace.registry import qr
from tests.factories import make_certificate, make_entity, make_product


@pytest.fixture
def certified(frozen_clock):
    """A product with a certificate valid on the frozen day."""
    product = make_product("Chè Đinh Tân Cương", entity=make_entity("HTX Chè Hảo Đạt", province_code="19"))
    certificate = make_certificate(product, stars=4, valid_from=date(2025, 1, 10))
    db.session.commit()
    return certificate


@pytest.fixture
def revoked(frozen_clock):
    """A product whose certificate was revoked before the frozen day."""
    product = make_product("Mắm cáy Thái Thụy")
    certificate = make_certificate(product, valid_from=date(2025, 1, 1), status="revoked",
                                   revoked_on=date(2026, 5, 2), revocation_reason="c) vi phạm an toàn thực phẩm")
    db.session.commit()
    return certificate


def test_qr_functions_render_exactly_what_segno_makes_for_the_url():
    url = "http://localhost/verify/ABCD1234"
    svg = qr.qr_svg(url)
    assert svg.startswith(b"<svg ") and b"<?xml" not in svg and b'viewBox="' in svg
    assert b'fill="#fff"' in svg and b'stroke="#000"' in svg
    assert qr.qr_svg(url) == svg  # deterministic
    code = segno.make(url, error="m")
    assert qr.make(url).matrix == code.matrix
    assert qr.qr_svg(url) != qr.qr_svg(url + "X")
    png = qr.qr_png(url)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == height == (code.symbol_size(scale=1, border=2)[0]) * 8


def test_verification_url_is_the_absolute_verify_url(app):
    with app.test_request_context():
        assert qr.verification_url("ABCD1234") == "http://localhost/verify/ABCD1234"


def test_svg_route_encodes_exactly_the_verification_url(client, app, certified):
    response = client.get(f"/verify/{certified.code}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.data.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    with app.test_request_context():
        expected_url = url_for("storefront.verify", code=certified.code, _external=True)
        assert response.data == qr.qr_svg(expected_url) == qr.qr_svg(qr.verification_url(certified.code))


def test_png_route_encodes_exactly_the_verification_url(client, app, certified):
    response = client.get(f"/verify/{certified.code}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    with app.test_request_context():
        assert response.data == qr.qr_png(f"http://localhost/verify/{certified.code}")


def test_a_typed_code_gets_the_qr_of_the_canonical_code(client, app, certified):
    typed = certified.code.lower()
    response = client.get(f"/verify/{typed}/qr.svg")
    with app.test_request_context():
        assert response.data == qr.qr_svg(qr.verification_url(certified.code))


@pytest.mark.parametrize("path", ["qr.svg", "qr.png", "label", "label?format=58mm"])
def test_unknown_code_is_a_plain_404(client, certified, path):
    response = client.get(f"/verify/ZZZZ9999/{path}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    main = body.split('<main id="main"', 1)[1].split("</main>", 1)[0]  # the header links back to the path
    assert "error-page" in main and "ZZZZ9999" not in main
    assert certified.number not in body and certified.code not in body and "Chè Đinh Tân Cương" not in body
    assert "Cache-Control" not in response.headers or "max-age=86400" not in response.headers["Cache-Control"]


def test_unknown_label_format_is_404(client, certified):
    assert client.get(f"/verify/{certified.code}/label?format=a4").status_code == 404


@pytest.mark.parametrize("label_format", ["a6", "58mm"])
def test_label_shows_the_certificate_and_its_qr(client, certified, label_format):
    response = client.get(f"/verify/{certified.code}/label?format={label_format}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'class="label label-{label_format} status-valid"' in page
    assert "Chè Đinh Tân Cương" in page and "HTX Chè Hảo Đạt" in page and "Thái Nguyên" in page
    assert certified.number in page and certified.code in page
    assert f'src="/verify/{certified.code}/qr.svg"' in page
    assert "10 tháng 1, 2025" in page  # validity, Babel long date in Vietnamese
    assert "label-warning" not in page
    assert "/static/css/label.css" in page and "style=" not in page and "<script>" not in page


def test_label_defaults_to_a6(client, certified):
    page = client.get(f"/verify/{certified.code}/label").get_data(as_text=True)
    assert "label-a6" in page and "label-58mm status" not in page


@pytest.mark.parametrize("label_format", ["a6", "58mm"])
def test_label_of_a_revoked_certificate_says_so(client, revoked, label_format):
    page = client.get(f"/verify/{revoked.code}/label?format={label_format}").get_data(as_text=True)
    assert f'class="label label-{label_format} status-revoked"' in page
    assert "label-warning" in page and "Bị thu hồi" in page and "vi phạm an toàn thực phẩm" in page
    assert "Mắm cáy Thái Thụy" in page and revoked.number in page


def test_label_of_an_expired_certificate_says_so(client, frozen_clock):
    product = make_product("Mắm tôm hết hạn")
    certificate = make_certificate(product, valid_from=date(2022, 1, 1))
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}/label").get_data(as_text=True)
    assert "status-expired" in page and "label-warning" in page and "Hết hạn" in page


def test_verify_page_shows_the_qr_and_label_links_only_for_a_known_certificate(client, certified):
    page = client.get(f"/verify/{certified.code}").get_data(as_text=True)
    assert f'src="/verify/{certified.code}/qr.svg"' in page and 'width="160" height="160"' in page
    assert f'href="/verify/{certified.code}/label?format=a6"' in page
    assert f'href="/verify/{certified.code}/label?format=58mm"' in page
    unknown = client.get("/verify/ZZZZ9999").get_data(as_text=True)
    assert "qr.svg" not in unknown and "/label?format" not in unknown
