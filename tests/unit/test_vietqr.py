import pytest
import segno

from marketplace.payments.vietqr import BANKS, crc16_ccitt, fields, parse, payload

# Published by the official @gpmpay/sdk 0.4.0 and pinned in github.com/Wei-Shaw/sub2api
# backend/internal/payment/provider/gpmpay_test.go (gpmpayTestVietQR): MB 970422, 50 000 đ, memo SUB2...
SUB2API_VECTOR = (
    "00020101021238540010A00000072701240006970422011003429710860208QRIBFTTA"
    "53037045405500005802VN62240820SUB220260930AB3KX9MQ6304ACE2"
)

# Other published payloads whose CRCs we must accept as-is.
PUBLISHED = [
    # github.com/duyquoc1508/napas-qr README (62 also carries a bill number, sub-ID 01)
    "00020101021238530010A0000007270123000697041601092245284790208QRIBFTTA53037045405100005802VN"
    "62340107NPS68690819TRANSFER TO SOMEONE6304AC13",
    # github.com/subiz/vietqr README and vietqr_test.go ExampleString
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
    "62170813ung ho lu lut6304C15C",
    # github.com/liopayvn/vietqr-php README, QRIBFTTA quick start
    "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN"
    "62230819thanh toan don hang630470FA",
]


def test_crc_of_check_string():
    assert crc16_ccitt("123456789") == "29B1"


def test_reproduces_published_vector_exactly():
    assert payload("970422", "0342971086", 50000, "SUB220260930AB3KX9MQ") == SUB2API_VECTOR


@pytest.mark.parametrize("published", PUBLISHED)
def test_parse_accepts_published_payloads(published):
    top = parse(published)
    assert fields(top["38"])["00"] == "A000000727"
    assert top["63"] == published[-4:]


def test_round_trip_through_parse():
    qr = payload("970436", "0123456789", 180000, "Đơn hàng OCOP-2026-0001", merchant_name="Hợp tác xã Chè Tân Cương")
    top = parse(qr)
    assert top["00"] == "01"
    assert top["01"] == "12"
    account = fields(top["38"])
    assert account == {"00": "A000000727", "01": "0006970436" + "01100123456789", "02": "QRIBFTTA"}
    assert fields(account["01"]) == {"00": "970436", "01": "0123456789"}
    assert top["53"] == "704"
    assert top["54"] == "180000"
    assert top["58"] == "VN"
    assert top["59"] == "HOP TAC XA CHE TAN CUONG"
    assert fields(top["62"]) == {"08": "DON HANG OCOP-2026-0001"}
    assert top["63"] == crc16_ccitt(qr[:-4])
    assert list(top) == ["00", "01", "38", "53", "54", "58", "59", "62", "63"]


def test_merchant_name_is_optional():
    assert "59" not in parse(payload("970415", "123", 1, "X"))


def test_reference_is_folded_cleaned_and_cut():
    qr = payload("970418", "1", 1, "Thanh toán #42 (Bưởi Diễn) — giao nhanh!!! ngay hôm nay")
    purpose = fields(parse(qr)["62"])["08"]
    assert purpose == "THANH TOAN 42 BUOI DIEN G"
    assert len(purpose) == 25


def test_merchant_name_is_cut_to_25():
    name = parse(payload("970405", "1", 1, "A", merchant_name="Công ty Cổ phần Nông sản Đặc sản Tây Bắc"))["59"]
    assert name == "CONG TY CO PHAN NONG SAN"
    assert len(name) <= 25


def test_length_prefixes_for_long_values():
    qr = payload("970407", "19036512345678", 1234567, "Đơn hàng OCOP-2026-0001")
    assert "011419036512345678" in qr  # account number, 14 characters
    assert "0823DON HANG OCOP-2026-0001" in qr
    assert "62270823DON HANG OCOP-2026-0001" in qr
    assert "54071234567" in qr
    assert "38580010A000000727012800069704070114190365123456780208QRIBFTTA" in qr


@pytest.mark.parametrize(("args", "message"), [
    (("97042", "123", 1, "A"), "6 digits"),
    (("9704221", "123", 1, "A"), "6 digits"),
    (("97042X", "123", 1, "A"), "6 digits"),
    ((970422, "123", 1, "A"), "6 digits"),
    (("970422", "", 1, "A"), "1-19 digits"),
    (("970422", "12345678901234567890", 1, "A"), "1-19 digits"),
    (("970422", "12-34", 1, "A"), "1-19 digits"),
    (("970422", "123", 0, "A"), "positive"),
    (("970422", "123", -5, "A"), "positive"),
    (("970422", "123", 10**13, "A"), "13 digits"),
    (("970422", "123", 10.0, "A"), "positive"),
    (("970422", "123", "1000", "A"), "positive"),
    (("970422", "123", True, "A"), "positive"),
    (("970422", "123", 1, "#@!"), "reference"),
    (("970422", "123", 1, ""), "reference"),
])
def test_invalid_inputs_raise(args, message):
    with pytest.raises(ValueError, match=message):
        payload(*args)


def test_largest_amount_is_accepted():
    assert parse(payload("970422", "1", 10**13 - 1, "A"))["54"] == "9999999999999"


def test_parse_rejects_bad_crc_and_garbage():
    qr = payload("970422", "123", 1000, "OCOP 1")
    with pytest.raises(ValueError, match="CRC mismatch"):
        parse(qr[:-4] + ("0000" if qr[-4:] != "0000" else "FFFF"))
    with pytest.raises(ValueError, match="CRC mismatch"):
        parse(qr.replace("54041000", "54049000"))
    with pytest.raises(ValueError, match="6304"):
        parse("000201")
    body = "00020101021238" + "6304"
    with pytest.raises(ValueError, match="malformed"):
        parse(body + crc16_ccitt(body))


def test_banks_table():
    assert BANKS["970436"] == "Vietcombank"
    assert BANKS["970415"] == "VietinBank"
    assert all(len(bin_) == 6 and bin_.isdigit() for bin_ in BANKS)


def test_payload_renders_as_qr():
    qr = segno.make(payload("970436", "0123456789", 250000, "Đơn hàng OCOP-2026-0001", "HTX Chè Tân Cương"), error="m")
    assert qr.version is not None
    assert qr.error in {"M", "Q", "H"}
