"""Mail at every step of a case, sent once the caller commits (``core.mail``).

The buyer and the producer's members each hear of every step, in their own language; staff hear of a case that
reaches them.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.accounts.services import send_to_address
from marketplace.core.i18n import vnd
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.shop.orders.models import Order, VendorOrder
from marketplace.shop.orders.vendor_mail import members_by_entity


def _buyer_lines(case):
    """What the buyer reads at each step (in the current locale)."""
    amount = vnd(case.refund_vnd or 0)
    return {
        "opened": _("We passed your case to the producer, who answers within its deadline."),
        "awaiting_return": _("The producer accepted: send the goods back as the case page says; the refund follows "
                             "when they arrive."),
        "refused": _("The producer refused. You can ask the platform to decide from the case page."),
        "escalated": _("The platform's staff now decide your case."),
        "withdrawn": _("You withdrew your case."),
        "rejected": _("The platform rejected your case."),
        "refunded": _("A refund of %(amount)s was made.", amount=amount),
        "refund_due": _("A refund of %(amount)s is owed to you: we pay it by bank transfer to the account you gave.",
                        amount=amount),
        "closed": _("The time to ask the platform passed: the case is closed."),
    }


def _vendor_lines(case):
    """What the producer reads at each step (in the current locale)."""
    amount = vnd(case.refund_vnd or 0)
    return {
        "opened": _("A buyer opened a return or complaint. Accept or refuse it before the deadline, or the platform "
                    "decides."),
        "awaiting_return": _("You accepted: the buyer sends the goods back. Confirm when they arrive."),
        "refused": _("You refused; the buyer may ask the platform to decide."),
        "escalated": _("The case is now with the platform's staff."),
        "withdrawn": _("The buyer withdrew the case."),
        "rejected": _("The platform rejected the case."),
        "refunded": _("The buyer was refunded %(amount)s.", amount=amount),
        "refund_due": _("A refund of %(amount)s is owed to the buyer.", amount=amount),
        "closed": _("The case is closed."),
    }


def notify(case, step):
    """Mail the buyer and the producer's members about ``step`` of ``case``; staff too when it reaches them."""
    order = db.session.get(Order, case.order_id)
    buyer = db.session.get(User, case.user_id)
    producer = db.session.get(VendorOrder, case.vendor_order_id).entity_name
    subject = _subject(order, case)
    send_to_address(buyer.email, buyer.preferred_locale, subject,
                    lambda: _body(order, producer, _buyer_lines(case)[step],
                                  external_url("account.return_detail", case_id=case.id)))
    for user in members_by_entity([case.entity_id]).get(case.entity_id, []):
        send_to_address(user.email, user.preferred_locale, subject,
                        lambda: _body(order, producer, _vendor_lines(case)[step],
                                      external_url("vendor.return_detail", case_id=case.id)))
    if step in ("escalated", "refund_due"):
        for admin in db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))
                                        .order_by(User.id)):
            send_to_address(admin.email, admin.preferred_locale, subject,
                            lambda: _body(order, producer, _("A case waits for the platform's decision or payment."),
                                          external_url("admin.return_detail", case_id=case.id)))


def _subject(order, case):
    """The subject line, for the current locale when called."""
    return lambda: _("Return or complaint %(number)d, order %(reference)s", number=case.id, reference=order.reference)


def _body(order, producer, line, link):
    """The message: what happened, the vendor order it is about, and the case page."""
    return _("%(line)s\n\nOrder %(reference)s, %(producer)s.\n\nThe case: %(link)s", line=line,
             reference=order.reference, producer=producer, link=link)
