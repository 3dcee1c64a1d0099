"""What the order page shows a buyer: each producer's steps from the order's events, payment state, bank, tracking."""

from dataclasses import dataclass
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from marketplace.core.i18n import long_date, vnd

#: The steps of one producer's part, in order, and the status that reaches each.
STEPS = (("placed", _l("Order placed")), ("processing", _l("Confirmed, being prepared")),
         ("shipped", _l("Shipped")), ("delivered", _l("Delivered")))
#: The steps of a part handed to the carrier: the carrier's own between shipped and delivered (its times).
CARRIER_STEPS = (("placed", _l("Order placed")), ("processing", _l("Confirmed, being prepared")),
                 ("shipped", _l("Handed to the carrier")), ("picked_up", _l("Picked up by the carrier")),
                 ("in_transit", _l("On its way")), ("delivered", _l("Delivered")))
#: How far a part's status has come along STEPS (cash-on-delivery parts start confirmed, with no event of their own).
RANKS = {"processing": 1, "shipped": 2, "delivered": 3, "returned": 2}
#: The shipment's time of each carrier step.
CARRIER_TIMES = {"picked_up": "picked_up_at", "in_transit": "in_transit_at", "delivered": "delivered_at"}
#: Carriers buyers meet most, and their public tracking pages (``{}`` is the tracking number).
TRACKING_PAGES = {
    "ghn": "https://donhang.ghn.vn/?order_code={}",
    "giao hang nhanh": "https://donhang.ghn.vn/?order_code={}",
    "ghtk": "https://i.ghtk.vn/{}",
    "giao hang tiet kiem": "https://i.ghtk.vn/{}",
    "viettel post": "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?billcode={}",
    "viettelpost": "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?billcode={}",
    "vnpost": "https://vnpost.vn/vi-vn/dinh-vi/buu-pham?key={}",
    "j&t": "https://jtexpress.vn/vi/tracking?type=track&billcode={}",
    "j&t express": "https://jtexpress.vn/vi/tracking?type=track&billcode={}",
}
#: VietQR bank identification numbers (BIN) of the banks most used for shop accounts.
BANKS = {"970436": "Vietcombank", "970415": "VietinBank", "970418": "BIDV", "970405": "Agribank",
         "970407": "Techcombank", "970422": "MB Bank", "970416": "ACB", "970432": "VPBank", "970423": "TPBank",
         "970403": "Sacombank", "970437": "HDBank", "970441": "VIB"}
#: How each payment method's state reads, by the order's status.
PAYMENT_STATES = {
    "cod": {"delivered": _l("Paid to the carrier on delivery"), "cancelled": _l("Nothing to pay"),
            "returned": _l("Nothing to pay"),
            None: _l("Pay the carrier in cash when the parcel arrives")},
    "bank_transfer": {"pending_payment": _l("Waiting for your transfer"), "cancelled": _l("Nothing to pay"),
                      "refunded": _l("Refunded"), None: _l("Transfer received")},
    "card": {"pending_payment": _l("Waiting for the card payment"), "cancelled": _l("Not charged, or refunded"),
             "refunded": _l("Refunded"), None: _l("Paid by card")},
    "vnpay": {"pending_payment": _l("Waiting for the VNPay payment"), "cancelled": _l("Not charged, or refunded"),
              "refunded": _l("Refunded"), None: _l("Paid through VNPay")},
    "momo": {"pending_payment": _l("Waiting for the MoMo payment"), "cancelled": _l("Not charged, or refunded"),
             "refunded": _l("Refunded"), None: _l("Paid with MoMo")},
}
METHODS = {"cod": _l("Cash on delivery"), "bank_transfer": _l("Bank transfer (VietQR)"),
           "card": _l("International card (Stripe)"), "vnpay": _l("VNPay"), "momo": _l("MoMo e-wallet")}


@dataclass
class Step:
    """One step of a producer's part: reached or not, and when."""

    key: str
    label: str
    at: object = None
    done: bool = False


@dataclass
class Timeline:
    """One producer's part as steps, with its tracking link once shipped and its parcel (``Shipment`` or None)."""

    part: object
    steps: list
    tracking_url: str | None = None
    shipment: object = None

    @property
    def cancelled(self):
        """The part was cancelled or refunded (the steps stop)."""
        return self.part.status in ("cancelled", "refunded")

    @property
    def returned(self):
        """The carrier brought the parcel back to the producer (the delivery failed)."""
        return self.part.status == "returned"

    @property
    def expected_on(self):
        """The delivery day promised at checkout, while the parcel is still coming."""
        coming = self.part.status in ("paid", "processing", "shipped")
        return self.shipment.expected_on if self.shipment is not None and coming else None


def tracking_url(carrier, number):
    """The carrier's public tracking page for ``number``, or None for a carrier we do not know."""
    template = TRACKING_PAGES.get((carrier or "").strip().lower())
    return template.format(quote(number.strip(), safe="")) if template and number else None


def bank_name(bin_code):
    """The bank of a VietQR BIN, or the BIN itself when it is not in our short list."""
    return BANKS.get(bin_code or "", bin_code)


def payment_state(order):
    """How the order's payment stands, in the buyer's words."""
    states = PAYMENT_STATES[order.payment_method]
    return {"method": METHODS[order.payment_method], "state": states.get(order.status, states[None])}


def per_part(order, parts, events, shipments=None):
    """A :class:`Timeline` per producer's part, its steps dated by the part's events and its parcel's progress.

    A part handed to the carrier shows the carrier's steps too (picked up, on its way), reached when the carrier
    said so or when a later step was reached (a notification may be missing or late).
    """
    placed_at = next((e.at for e in events if e.from_status is None and e.vendor_order_id is None), order.created_at)
    result = []
    for part, _lines in parts:
        shipment = (shipments or {}).get(part.id)
        carried = shipment is not None and shipment.carrier_order_code is not None
        reached = {e.to_status: e.at for e in events if e.vendor_order_id == part.id}
        if carried:
            reached.update({key: getattr(shipment, field) for key, field in CARRIER_TIMES.items()
                            if getattr(shipment, field) is not None})
        labels = CARRIER_STEPS if carried else STEPS
        steps = [Step("placed", labels[0][1], placed_at, True)]
        rank = RANKS.get(part.status, 0) + (2 if carried and part.status == "delivered" else 0)
        for index, (key, label) in enumerate(labels[1:], start=1):
            steps.append(Step(key, label, reached.get(key), key in reached or rank >= index))
        for index in range(len(steps) - 1, 0, -1):  # a step reached means the ones before it were too
            steps[index - 1].done = steps[index - 1].done or steps[index].done
        result.append(Timeline(part, steps, tracking_url(part.carrier, part.tracking_number), shipment))
    return result


def quote_row(group):
    """One producer's shipping as the checkout page shows it (JSON for its script): fee, free, expected day."""
    quote = group.quote
    return {"entity_id": group.entity.id, "fee": quote.fee_vnd, "fee_text": vnd(quote.fee_vnd), "free": quote.free,
            "expected": long_date(quote.expected_on) or None,
            "by": quote.source}
