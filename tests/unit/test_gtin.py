"""GTINs and GS1 Digital Links read by biip: check digits, formats, GS1 prefixes (Vietnam: 893)."""

import pytest

from marketplace.registry import gtin as gtins


def test_every_format_is_kept_as_fourteen_digits(app):
    assert gtins.normalize("8931234567897") == "08931234567897"
    assert gtins.normalize("08931234567897") == "08931234567897"
    assert gtins.normalize(" 893-1234567-897 ") == "08931234567897"
    assert gtins.normalize("96385074") == "00000096385074"
    assert gtins.normalize("036000291452") == "00036000291452"


def test_shown_in_its_own_format_with_its_issuer(app):
    assert gtins.shown("08931234567897") == "8931234567897"
    assert gtins.shown("00000096385074") == "96385074"
    assert gtins.issuer("08931234567897") == "GS1 Vietnam" and gtins.is_vietnamese("08931234567897")
    assert gtins.issuer("04006381333931") == "GS1 Germany" and not gtins.is_vietnamese("04006381333931")


@pytest.mark.parametrize("text", ["8931234567895", "08931234567894", "96385075"])
def test_a_wrong_check_digit_is_refused_plainly(app, text):
    with app.test_request_context(), pytest.raises(gtins.GtinError) as refused:
        gtins.normalize(text)
    assert "check digit" in refused.value.message


@pytest.mark.parametrize("text", ["", "abc", "893123", "12345678901234567", "８９３１２３４５６７８９７", "893.123"])
def test_what_is_not_a_gtin_is_refused(app, text):
    with app.test_request_context(), pytest.raises(gtins.GtinError) as refused:
        gtins.normalize(text)
    assert refused.value.message


def test_digital_link_with_qualifiers(app):
    with app.test_request_context():
        link = gtins.read_digital_link("https://ocop.example", "/01/08931234567897/10/LOT-7", "17=271231&x=1")
    assert link.gtin == "08931234567897"
    assert [value for _title, value in link.qualifiers] == ["LOT-7", "271231"]
    with app.test_request_context():
        assert gtins.read_digital_link("https://ocop.example/", "/01/8931234567897").gtin == "08931234567897"


@pytest.mark.parametrize(("path", "query", "words"), [
    ("/01/08931234567895", "", "check digit"),
    ("/01/abc", "", "GS1 Digital Link"),
    ("/01/08931234567897/10/" + "A" * 30, "", "GS1 Digital Link"),
    ("/01/08931234567897", "17=999999", "GS1 Digital Link"),
    ("/414/8931234567897", "", "GS1 Digital Link"),
])
def test_bad_digital_links_are_refused_with_a_reason(app, path, query, words):
    with app.test_request_context(), pytest.raises(gtins.GtinError) as refused:
        gtins.read_digital_link("https://ocop.example", path, query)
    assert words in refused.value.message
