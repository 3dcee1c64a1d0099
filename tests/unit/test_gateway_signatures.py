"""Each gateway's signature scheme reproduced byte for byte on published samples, by the client and by the fake.

VNPay: the example payment URL of VNPay's merchant documentation ("Thanh toán PAY", terminal DEMOV210) is rebuilt
from its fields exactly (its hash secret is not published, so its signature cannot be recomputed); a return that
VNPay's sandbox signed for terminal 1VYBIYQP, published in a public repository together with that terminal's sandbox
hash secret, is verified and its ``vnp_SecureHash`` recomputed exactly.

MoMo: MoMo publishes no request together with the key that signed it (the example in its documentation is signed
with an unpublished key). The signature below is computed from MoMo's documented algorithm over the documented
sample fields of its "One-Time Payments" example (orderId MM1540456472575, amount 150000, orderInfo "SDK team.",
extraData eyJ1c2VybmFtZSI6ICJtb21vIn0=) with the public test keys of MoMo's own sample code (github.com/momo-wallet/
payment: partnerCode MOMO, accessKey F8BBA842ECF85); the expected value was computed apart, with
``openssl dgst -sha256 -hmac``.
"""

from contextlib import contextmanager
from datetime import datetime
from urllib.parse import parse_qsl

import pytest

from marketplace.core import clock
from marketplace.payments import momo_client, vnpay_client
from marketplace.payments.simulation.momo import momo_signature
from marketplace.payments.simulation.vnpay import secure_hash

#: VNPay's documented example (sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html).
VNPAY_DOC_URL = (
    "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate="
    "20210801153333&vnp_CurrCode=VND&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5"
    "&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl&vnp_TmnCode=DEMOV210&vnp_TxnRef=5"
    "&vnp_Version=2.1.0&vnp_SecureHash=3e0d61a0c0534b2e36680b3f7277743e8784cc4e1d68fa7d276e79c23be7d6318d338b477910"
    "a27992f5057bb1582bd44bd82ae8009ffaf6d141219218625c42")
#: A return signed by VNPay's sandbox (terminal 1VYBIYQP) and that terminal's published sandbox hash secret.
VNPAY_SANDBOX_RETURN = (
    "vnp_Amount=25000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14915252&vnp_CardType=ATM&vnp_OrderInfo=Thanh+toan+don+"
    "hang&vnp_PayDate=20250419142618&vnp_ResponseCode=00&vnp_TmnCode=1VYBIYQP&vnp_TransactionNo=14915252"
    "&vnp_TransactionStatus=00&vnp_TxnRef=gkrnyAZSz8pOq9m&vnp_SecureHash=7c653859671a636b02eb74417ca002b54d1e61c912"
    "337003db404f0f7d1546ba1fc5bf90748b24311b409403a7e19e39806b3341c12affb651505a88a61f2b0d")
VNPAY_SANDBOX_SECRET = "NOH6MBGNLQL9O9OMMFMZ2AX8NIEP50W1"
#: MoMo's documented "One-Time Payments" sample fields and the public test keys of its sample code.
MOMO_SAMPLE = {"partnerCode": "MOMO", "requestId": "MM1540456472575", "amount": 150000,
               "orderId": "MM1540456472575", "orderInfo": "SDK team.", "redirectUrl": "https://momo.vn",
               "ipnUrl": "https://momo.vn", "requestType": "captureWallet", "extraData": "eyJ1c2VybmFtZSI6ICJtb21vIn0="}
MOMO_ACCESS_KEY, MOMO_SECRET = "F8BBA842ECF85", "K951B6PE1waDMi640xX08PD3vg6EkVlz"
MOMO_RAW = ("accessKey=F8BBA842ECF85&amount=150000&extraData=eyJ1c2VybmFtZSI6ICJtb21vIn0=&ipnUrl=https://momo.vn"
            "&orderId=MM1540456472575&orderInfo=SDK team.&partnerCode=MOMO&redirectUrl=https://momo.vn"
            "&requestId=MM1540456472575&requestType=captureWallet")
MOMO_EXPECTED = "f4927ac88d4bdd1d5bc9db7847d019e3073ef3c74afc7fdcc42e3c2a40177a64"


@contextmanager
def configured(app, **settings):
    saved = {name: app.config.get(name) for name in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(saved)


def test_vnpays_documented_payment_url_is_rebuilt_byte_for_byte():
    query = VNPAY_DOC_URL.split("?", 1)[1]
    fields = dict(parse_qsl(query))
    signed_part = query.split("&vnp_SecureHash=")[0]
    assert vnpay_client.hash_data(fields) == signed_part
    assert vnpay_client.to_vnpay_amount(18060) == int(fields["vnp_Amount"])  # 18.060 ₫ is sent as 1806000


def test_the_client_builds_the_documented_url_from_the_documented_fields(app):
    created = datetime(2021, 8, 1, 15, 33, 33, tzinfo=clock.TIMEZONE)
    with configured(app, VNPAY_TMN_CODE="DEMOV210", VNPAY_HASH_SECRET="unpublished",
                    VNPAY_PAYMENT_URL="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
                    VNPAY_API_URL="https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"):
        url, error = vnpay_client.payment_url("5", 18060, "Thanh toan don hang :5", "https://domainmerchant.vn/ReturnUrl",
                                              "127.0.0.1", created, created)
    assert error is None
    ours = url.split("&vnp_SecureHash=")[0]
    documented = VNPAY_DOC_URL.split("&vnp_SecureHash=")[0]
    assert ours.replace("&vnp_ExpireDate=20210801153333", "") == documented  # the example predates vnp_ExpireDate


def test_a_return_signed_by_vnpays_sandbox_verifies_and_its_hash_is_recomputed(app):
    fields = dict(parse_qsl(VNPAY_SANDBOX_RETURN))
    expected = fields["vnp_SecureHash"]
    signed = VNPAY_SANDBOX_RETURN.split("&vnp_SecureHash=")[0]
    assert vnpay_client.hash_data(fields) == signed
    assert vnpay_client.sign(signed, VNPAY_SANDBOX_SECRET) == expected
    assert secure_hash(fields, VNPAY_SANDBOX_SECRET) == expected  # the fake computes it the same, on its own
    with configured(app, VNPAY_TMN_CODE="1VYBIYQP", VNPAY_HASH_SECRET=VNPAY_SANDBOX_SECRET,
                    VNPAY_PAYMENT_URL="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
                    VNPAY_API_URL="https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"):
        verified, error = vnpay_client.verify(fields)
        assert error is None and verified["vnp_TxnRef"] == "gkrnyAZSz8pOq9m"
        assert vnpay_client.from_vnpay_amount(verified["vnp_Amount"]) == 250000
        assert vnpay_client.verify(fields | {"vnp_Amount": "2500000"}) == (None, "Invalid VNPay signature.")
        assert vnpay_client.verify(fields | {"vnp_SecureHash": expected.upper()})[1] is None  # hex in any case


@pytest.mark.parametrize(("value", "encoded"), [("Thanh toan don hang :5", "Thanh+toan+don+hang+%3A5"),
                                                ("https://a.vn/r?x=1&y=~", "https%3A%2F%2Fa.vn%2Fr%3Fx%3D1%26y%3D%7E"),
                                                ("Đơn 5*", "%C4%90%C6%A1n+5%2A")])
def test_values_are_encoded_as_phps_urlencode(value, encoded):
    assert vnpay_client.encode(value) == encoded


def test_vnd_amounts_cross_to_and_from_vnpay_exactly():
    assert vnpay_client.to_vnpay_amount(450000) == 45000000
    assert vnpay_client.from_vnpay_amount("45000000") == 450000
    assert vnpay_client.from_vnpay_amount("45000050") is None  # not a whole number of đồng
    assert vnpay_client.from_vnpay_amount("-100") is None and vnpay_client.from_vnpay_amount("١٠٠") is None


def test_momos_create_signature_follows_its_documented_field_string():
    text = "&".join(f"{name}={MOMO_ACCESS_KEY if name == 'accessKey' else MOMO_SAMPLE[name]}"
                    for name in momo_client.CREATE_FIELDS)
    assert text == MOMO_RAW
    assert momo_client.signature({**MOMO_SAMPLE, "accessKey": MOMO_ACCESS_KEY}, momo_client.CREATE_FIELDS,
                                 MOMO_SECRET) == MOMO_EXPECTED
    assert momo_signature({**MOMO_SAMPLE, "accessKey": MOMO_ACCESS_KEY}, momo_client.CREATE_FIELDS,
                          MOMO_SECRET) == MOMO_EXPECTED  # the fake, on its own


def test_momos_field_lists_are_the_documented_ones():
    assert ",".join(momo_client.NOTIFICATION_FIELDS) == ("accessKey,amount,extraData,message,orderId,orderInfo,"
                                                         "orderType,partnerCode,payType,requestId,responseTime,"
                                                         "resultCode,transId")
    assert ",".join(momo_client.QUERY_FIELDS) == "accessKey,orderId,partnerCode,requestId"
    assert ",".join(momo_client.REFUND_FIELDS) == "accessKey,amount,description,orderId,partnerCode,requestId,transId"
    for names in (momo_client.CREATE_FIELDS, momo_client.NOTIFICATION_FIELDS, momo_client.QUERY_FIELDS,
                  momo_client.REFUND_FIELDS):
        assert list(names) == sorted(names)  # "a String sort all key name of data field from a-z"
