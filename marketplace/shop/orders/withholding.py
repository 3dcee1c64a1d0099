"""Tax withheld for household businesses and individuals (Decree 117/2025/NĐ-CP): who, on which payments, how much.

Since 1 July 2025 a platform that collects the buyer's payment withholds, and pays on the seller's behalf, VAT and
personal income tax on each sale of goods by a household business or an individual (Art. 4); on goods the rates
are 1 % VAT and 0.5 % PIT of the revenue (Art. 5; config ``WITHHOLDING_VAT_BP``/``WITHHOLDING_PIT_BP``).
Organisations (cooperatives, cooperative groups, enterprises) declare their own taxes: nothing is withheld.

Only money the platform holds can be withheld: card (Stripe), VNPay, MoMo and a bank transfer to the platform's
account. Cash on delivery is collected by the carrier for the producer, so the platform withholds nothing there.

Rounding, per order line and per tax: ``line revenue × rate``, rounded half up to the whole đồng (1.5 → 2); a
part's tax is the sum of its lines'. The commission is rounded down per vendor order, as before. These are pure
functions of their arguments: ``statements.book`` applies them when a part is delivered and keeps the result.
"""

from dataclasses import dataclass

from flask import current_app

#: Payment methods whose money reaches the platform's own accounts: it can withhold tax from them.
COLLECTED_METHODS = frozenset({"card", "vnpay", "momo", "bank_transfer"})
#: Methods whose money goes straight to the producer (cash on delivery: the carrier collects for it).
NOT_COLLECTED_METHODS = frozenset({"cod"})
#: Sellers the decree withholds for: household businesses and individuals. The registry knows no individual
#: sellers today (OCOP entities are organisations or registered households); one added later is withheld.
WITHHELD_TYPES = frozenset({"household_business", "individual"})
#: Organisations, which declare and pay their own VAT and income tax.
NOT_WITHHELD_TYPES = frozenset({"cooperative", "cooperative_group", "enterprise"})
BASIS_POINTS = 10_000  #: 100 % in basis points


@dataclass(frozen=True)
class Rates:
    """The rates in force, in basis points: commission, VAT withheld, PIT withheld."""

    commission_bp: int
    vat_bp: int
    pit_bp: int

    @classmethod
    def current(cls):
        """The rates the app's settings give now."""
        config = current_app.config
        return cls(int(config["COMMISSION_BP"]), int(config["WITHHOLDING_VAT_BP"]), int(config["WITHHOLDING_PIT_BP"]))


@dataclass(frozen=True)
class Figures:
    """A vendor order's money as booked: goods, shipping, what the platform collected, its cut and the taxes."""

    goods_vnd: int
    shipping_vnd: int
    collected_vnd: int
    commission_vnd: int
    withheld_base_vnd: int
    vat_vnd: int
    pit_vnd: int

    @property
    def net_vnd(self):
        """What the platform owes the entity for it (negative: the entity owes the commission, e.g. COD)."""
        return self.collected_vnd - self.commission_vnd - self.vat_vnd - self.pit_vnd


def collects(method):
    """True when the platform collects payments made by ``method`` (so it can withhold)."""
    return method in COLLECTED_METHODS


def withheld(entity_type):
    """True when sales by an entity of ``entity_type`` are withheld for (household businesses, individuals)."""
    return entity_type in WITHHELD_TYPES


def tax(amount_vnd, rate_bp):
    """``amount_vnd × rate_bp / 10 000`` rounded half up to the whole đồng (``amount_vnd`` ≥ 0)."""
    return (amount_vnd * rate_bp + BASIS_POINTS // 2) // BASIS_POINTS


def commission(goods_vnd, rate_bp):
    """The platform's commission on ``goods_vnd``, rounded down to the whole đồng."""
    return goods_vnd * rate_bp // BASIS_POINTS


def figures(line_amounts, shipping_vnd, entity_type, method, rates):
    """The figures of one delivered vendor order from its lines' revenue (unit price × quantity, in đồng)."""
    collected = collects(method)
    return booked_figures(line_amounts, shipping_vnd, collected, collected and withheld(entity_type), rates)


def booked_figures(line_amounts, shipping_vnd, collected, taxed, rates):
    """The figures of lines whose collection and withholding are already known (a sale's, for goods returned)."""
    goods = sum(line_amounts)
    return Figures(
        goods_vnd=goods, shipping_vnd=shipping_vnd, collected_vnd=goods + shipping_vnd if collected else 0,
        commission_vnd=commission(goods, rates.commission_bp), withheld_base_vnd=goods if taxed else 0,
        vat_vnd=sum(tax(amount, rates.vat_bp) for amount in line_amounts) if taxed else 0,
        pit_vnd=sum(tax(amount, rates.pit_bp) for amount in line_amounts) if taxed else 0)
