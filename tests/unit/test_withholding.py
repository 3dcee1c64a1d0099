"""Tax withheld (Decree 117/2025/NĐ-CP) as pure rules: who, on which payments, and the rounding, figure by figure."""

import pytest

from marketplace.registry.models import ENTITY_TYPES
from marketplace.shop.orders import withholding
from marketplace.shop.orders.status import PAYMENT_METHODS
from marketplace.shop.orders.withholding import Figures, Rates, figures, tax

RATES = Rates(commission_bp=500, vat_bp=100, pit_bp=50)  # 5 %, 1 %, 0.5 %
#: Two lines: 2 × 100.050 ₫ and 1 × 33.350 ₫, and 30.000 ₫ of shipping.
LINES = [200_100, 33_350]


def test_rates_in_settings_are_the_decrees():
    rates = Rates.current()
    assert (rates.vat_bp, rates.pit_bp, rates.commission_bp) == (100, 50, 500)


@pytest.mark.parametrize(("amount", "rate_bp", "expected"), [
    (200_100, 100, 2001),  # 2 001.0
    (33_350, 100, 334),  # 333.5 rounds half up
    (200_100, 50, 1001),  # 1 000.5 rounds half up
    (33_350, 50, 167),  # 166.75
    (100_050, 50, 500),  # 500.25 rounds down
    (49, 100, 0), (50, 100, 1), (0, 100, 0),
])
def test_tax_is_rounded_half_up_to_the_dong(amount, rate_bp, expected):
    assert tax(amount, rate_bp) == expected


def test_withholding_is_rounded_per_line_not_on_the_total():
    household = figures(LINES, 30_000, "household_business", "card", RATES)
    assert household.pit_vnd == 1001 + 167 == 1168
    assert tax(sum(LINES), 50) == 1167  # on the total it would be one đồng less


@pytest.mark.parametrize(("entity_type", "method", "expected"), [
    # goods, shipping, collected, commission (rounded down), withheld base, VAT, PIT
    ("household_business", "card", Figures(233_450, 30_000, 263_450, 11_672, 233_450, 2335, 1168)),
    ("household_business", "vnpay", Figures(233_450, 30_000, 263_450, 11_672, 233_450, 2335, 1168)),
    ("household_business", "bank_transfer", Figures(233_450, 30_000, 263_450, 11_672, 233_450, 2335, 1168)),
    ("individual", "momo", Figures(233_450, 30_000, 263_450, 11_672, 233_450, 2335, 1168)),
    ("household_business", "cod", Figures(233_450, 30_000, 0, 11_672, 0, 0, 0)),
    ("individual", "cod", Figures(233_450, 30_000, 0, 11_672, 0, 0, 0)),
    ("cooperative", "card", Figures(233_450, 30_000, 263_450, 11_672, 0, 0, 0)),
    ("cooperative_group", "momo", Figures(233_450, 30_000, 263_450, 11_672, 0, 0, 0)),
    ("enterprise", "bank_transfer", Figures(233_450, 30_000, 263_450, 11_672, 0, 0, 0)),
])
def test_figures_of_each_kind_of_seller_and_payment(entity_type, method, expected):
    assert figures(LINES, 30_000, entity_type, method, RATES) == expected


def test_net_is_what_was_collected_less_commission_and_taxes():
    assert figures(LINES, 30_000, "household_business", "card", RATES).net_vnd == 263_450 - 11_672 - 2335 - 1168
    assert figures(LINES, 30_000, "individual", "cod", RATES).net_vnd == -11_672  # the seller owes the commission


def test_every_payment_method_and_entity_type_is_decided():
    """A new payment method or entity type must be classified on purpose, never withheld (or not) by accident."""
    assert set(PAYMENT_METHODS) == withholding.COLLECTED_METHODS | withholding.NOT_COLLECTED_METHODS
    assert not withholding.COLLECTED_METHODS & withholding.NOT_COLLECTED_METHODS
    assert set(ENTITY_TYPES) <= withholding.WITHHELD_TYPES | withholding.NOT_WITHHELD_TYPES
    assert not withholding.WITHHELD_TYPES & withholding.NOT_WITHHELD_TYPES
    assert withholding.withheld("household_business") and withholding.withheld("individual")
    assert not any(withholding.withheld(kind) for kind in ("cooperative", "cooperative_group", "enterprise"))
