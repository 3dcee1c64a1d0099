"""VNPay and MoMo at start-up: production refuses a half setup and never simulates; unset keys mean unavailable."""

import pytest

from marketplace import create_app
from marketplace.config import ConfigError, ProductionConfig
from marketplace.extensions import limiter
from marketplace.payments import gateways, momo_client, vnpay_client

VNPAY = {"VNPAY_TMN_CODE": "OCOP0001", "VNPAY_HASH_SECRET": "S" * 32,
         "VNPAY_PAYMENT_URL": "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
         "VNPAY_API_URL": "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"}
MOMO = {"MOMO_PARTNER_CODE": "MOMOOCOP", "MOMO_ACCESS_KEY": "access", "MOMO_SECRET_KEY": "secret",
        "MOMO_API_URL": "https://test-payment.momo.vn"}
NONE = dict.fromkeys((*VNPAY, *MOMO))


def production(tmp_path, **settings):
    """A ProductionConfig with everything it needs and no gateway (whatever the shell exports), then ``settings``."""
    values = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.sqlite'}", "SECRET_KEY": "a-production-secret",
              "STRIPE_SECRET_KEY": None, "STRIPE_WEBHOOK_SECRET": None, "MAIL_SERVER": None,
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "SEARCH_INDEX_DIR": str(tmp_path / "index"),
              "PUBLIC_URL": "https://cho-ocop.example", "TRUSTED_HOSTS": None, **NONE}
    return type("Config", (ProductionConfig,), {**values, **settings})


@pytest.fixture(autouse=True)
def _suite_limiter_restored(app):
    """Building an app rebinds the shared limiter to that app's storage: give it back to the suite's app."""
    yield
    limiter.init_app(app)


@pytest.mark.parametrize(("settings", "named"), [
    ({**VNPAY, "VNPAY_HASH_SECRET": None}, "VNPAY_HASH_SECRET"),
    ({**VNPAY, "VNPAY_API_URL": ""}, "VNPAY_API_URL"),
    ({**MOMO, "MOMO_SECRET_KEY": None}, "MOMO_SECRET_KEY"),
    ({"MOMO_PARTNER_CODE": "MOMOOCOP"}, "MOMO_ACCESS_KEY, MOMO_SECRET_KEY, MOMO_API_URL"),
])
def test_production_refuses_half_a_gateway(tmp_path, settings, named):
    with pytest.raises(ConfigError) as refused:
        create_app(production(tmp_path, **settings))
    assert str(refused.value).startswith(f"production refuses to start: missing required settings: {named} (")
    assert ("VNPay needs all of" if named.startswith("VNPAY") else "MoMo needs all of") in str(refused.value)


def test_production_without_gateway_keys_offers_neither_and_simulates_nothing(tmp_path):
    app = create_app(production(tmp_path))
    with app.app_context():
        assert not gateways.is_available("vnpay") and not gateways.is_available("momo")
        assert vnpay_client.settings() is None and momo_client.settings() is None


def test_production_with_both_gateways_uses_their_real_settings(tmp_path):
    app = create_app(production(tmp_path, **VNPAY, **MOMO))
    with app.app_context():
        vnpay, momo = vnpay_client.settings(), momo_client.settings()
    assert (vnpay.tmn_code, vnpay.api_url, vnpay.simulated) == ("OCOP0001", VNPAY["VNPAY_API_URL"], False)
    assert (momo.partner_code, momo.api_url, momo.simulated) == ("MOMOOCOP", "https://test-payment.momo.vn", False)


def test_development_without_keys_simulates_each_gateway_on_the_site_itself(app):
    app.config["SIMULATED_PAYMENTS"] = True
    try:
        vnpay, momo = vnpay_client.settings(), momo_client.settings()
        assert vnpay.simulated and vnpay.payment_url == "http://localhost/simulated/vnpay/paymentv2/vpcpay.html"
        assert momo.simulated and momo.api_url == "http://localhost/simulated/momo"
        app.config["MOMO_PARTNER_CODE"] = "MOMOREAL"  # one real setting: not simulated, and not configured either
        assert momo_client.settings() is None
    finally:
        app.config.pop("SIMULATED_PAYMENTS")
        app.config["MOMO_PARTNER_CODE"] = None
