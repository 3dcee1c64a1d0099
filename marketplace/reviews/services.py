"""Writing, editing, answering, reporting and moderating reviews; ``move()``, the one way a review's status changes.

Only a buyer with a delivered order line writes a review of it, once; they may edit it for ``EDIT_DAYS`` after
writing it (``core.clock`` says when "now" is). The word filter holds abusive text for an admin; a report hides a
review until an admin restores or removes it. Every published review counts in its listing's ``rating_count`` and
``rating_sum``, kept by ``move()`` and ``edit()`` in the same transaction. Services flush; the request commits.
"""

from datetime import UTC, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.core import clock, generation
from marketplace.core.db import compare_and_set_status
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.reviews import mail, wordfilter
from marketplace.reviews import photos as review_photos
from marketplace.reviews.models import REPORT_REASONS, Review, ReviewEvent, ReviewReport
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, VendorOrder

EDIT_DAYS = 30  #: a buyer edits their review for this many days after writing it
MAX_BODY = 2000  #: characters of a review's text
MAX_REPLY = 1000  #: characters of a vendor's reply
MAX_NOTE = 500  #: characters of a report's note
#: from → allowed targets. A new review starts published, or held by the word filter (``begin``).
TRANSITIONS = {
    "published": ("hidden", "held", "removed"),  # reported; edited into abuse; removed by an admin
    "held": ("published", "removed"),  # an admin (or a clean edit) publishes it, or an admin removes it
    "hidden": ("published", "removed"),  # an admin restores it or removes it
    "removed": (),
}
START = ("published", "held")
STATUS_LABELS = {"published": _l("Published"), "held": _l("Held for review"),
                 "hidden": _l("Hidden after a report"), "removed": _l("Removed")}
REASON_LABELS = {"abusive": _l("Abusive or offensive"), "spam": _l("Spam or advertising"),
                 "off_topic": _l("Not about the product"), "personal_data": _l("Personal data"),
                 "other": _l("Something else")}


class ReviewTransitionError(Refused):
    """A status change the review's lifecycle does not allow (or that another request made first)."""

    def __init__(self, current, target):
        super().__init__(_("This review cannot go from “%(current)s” to “%(target)s”.",
                           current=STATUS_LABELS.get(current, current), target=STATUS_LABELS.get(target, target)))


def _now():
    """Now by ``core.clock`` (which tests move), in UTC as every stored time (SQLite keeps no time zone)."""
    return clock.now().astimezone(UTC)


def _aware(moment):
    """``moment`` with its time zone (SQLite gives stored UTC times back without one)."""
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _record(review, action, actor, note=None, from_status=None, to_status=None):
    db.session.add(ReviewEvent(review_id=review.id, action=action, from_status=from_status, to_status=to_status,
                               actor=actor, note=note, at=_now()))


def _count(product_id, reviews, stars):
    """Add ``reviews`` published reviews worth ``stars`` to the product's listing (one conditional UPDATE)."""
    if reviews or stars:
        generation.mark(db.session)  # cards and product pages show the counts; a bulk UPDATE no hook sees
        db.session.execute(update(Listing).where(Listing.product_id == product_id)
                           .values(rating_count=Listing.rating_count + reviews,
                                   rating_sum=Listing.rating_sum + stars))


def _counted(review, current, target):
    """Keep the listing's counts: a review entering ``published`` counts, one leaving it stops counting."""
    delta = (target == "published") - (current == "published")
    _count(review.product_id, delta, delta * review.rating)


def begin(review, actor):
    """Record the status a new, flushed review starts in (published or held) and count it when published."""
    if review.status not in START:
        raise ReviewTransitionError(None, review.status)
    _record(review, "moved", actor, to_status=review.status)
    _counted(review, None, review.status)


def move(review, target, actor, note=None):
    """Move ``review`` to ``target`` with its event and its listing's counts; the only code that sets its status."""
    current = review.status
    if target not in TRANSITIONS[current]:
        raise ReviewTransitionError(current, target)
    if not compare_and_set_status(review, current, target):
        raise ReviewTransitionError(review.status, target)
    _record(review, "moved", actor, note, current, target)
    _counted(review, current, target)
    return review


# --- the buyer -------------------------------------------------------------------------------------------------

def _rating(value):
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise Refused(_("Choose from 1 to 5 stars."))
    return rating


def _text(value, limit, message):
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise Refused(message)
    return text


def _body(value):
    return _text(value, MAX_BODY, _("A review can be at most %(count)d characters long.", count=MAX_BODY))


def check_reviewable(user, line, part, order):
    """Refuse unless ``line`` is ``user``'s own, of a delivered vendor order, and of a product still known."""
    if order.user_id is None or order.user_id != user.id:
        raise Refused(_("Only the buyer of this order can review it."))
    if part.status != "delivered":
        raise Refused(_("You can review a product once its parcel has been delivered."))
    if line.product_id is None:
        raise Refused(_("This product can no longer be reviewed."))


def write(user, line, rating, body, uploads=()):
    """``user`` reviews a delivered ``line`` once: published (the vendor is mailed), or held when the filter objects.

    Returns ``(review, [(file name, refusal)])`` for the photos refused.
    """
    part = db.session.get(VendorOrder, line.vendor_order_id)
    check_reviewable(user, line, part, db.session.get(Order, part.order_id))
    rating, body = _rating(rating), _body(body)
    if db.session.scalar(select(exists().where(Review.order_line_id == line.id))):
        raise Refused(_("You have already reviewed this product for this order."))
    held = wordfilter.held_words(body)
    review = Review(product_id=line.product_id, order_line_id=line.id, user_id=user.id, rating=rating, body=body,
                    status="held" if held else "published", held_words=", ".join(held)[:200] or None,
                    created_at=_now())
    try:
        with db.session.begin_nested():  # two submissions at once: the second finds the line taken
            db.session.add(review)
    except IntegrityError:
        raise Refused(_("You have already reviewed this product for this order.")) from None
    begin(review, user.email)
    refused = review_photos.add_photos(review, uploads)
    if review.status == "published":
        mail.notify_vendor(review)
    return review, refused


def editable(review):
    """True while the buyer may still edit ``review``: not removed, and within ``EDIT_DAYS`` of writing it."""
    return review.status != "removed" and _now() <= _aware(review.created_at) + timedelta(days=EDIT_DAYS)


def edit(user, review, rating, body, uploads=(), remove_photo_ids=()):
    """The buyer changes their review within the window; the filter reads the new text again.

    A published review edited into abuse is held; a held one edited clean is published; a hidden one stays hidden
    until an admin decides. Returns the photos refused, as ``write`` does.
    """
    if review.user_id != user.id:
        raise Refused(_("Only its author can edit this review."))
    if not editable(review):
        raise Refused(_("A review can be edited for %(days)d days after it was written.", days=EDIT_DAYS))
    rating, body = _rating(rating), _body(body)
    if review.status == "published":
        _count(review.product_id, 0, rating - review.rating)
    review.rating, review.body, review.edited_at, review.cleared = rating, body, _now(), False
    held = wordfilter.held_words(body)
    review.held_words = ", ".join(held)[:200] or None
    _record(review, "edited", user.email)
    for photo in review_photos.photos_for([review.id]).get(review.id, []):
        if photo.id in set(remove_photo_ids):
            review_photos.remove_photo(photo)
    refused = review_photos.add_photos(review, uploads)
    if held and review.status == "published":
        move(review, "held", user.email, _("Held by the word filter after an edit."))
    elif not held and review.status == "held":
        move(review, "published", user.email, _("Edited: the word filter finds nothing."))
    return refused


# --- the vendor, everyone signed in, the admin ---------------------------------------------------------------------

def reply(user, review, text):
    """A member of the product's entity answers a published review publicly, once (abusive words refused)."""
    text = _text(text, MAX_REPLY, _("A reply can be at most %(count)d characters long.", count=MAX_REPLY))
    if not text:
        raise Refused(_("Write your reply first."))
    if review.status != "published":
        raise Refused(_("Only a published review can be answered."))
    if review.reply is not None:
        raise Refused(_("This review has been answered already: a review gets one reply."))
    if wordfilter.held_words(text):
        raise Refused(_("Your reply contains words we do not publish. Please rephrase it."))
    claimed = db.session.execute(update(Review).where(Review.id == review.id, Review.reply.is_(None))
                                 .values(reply=text, replied_at=_now(), reply_user_id=user.id)
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:  # another member answered meanwhile
        raise Refused(_("This review has been answered already: a review gets one reply."))
    db.session.refresh(review)
    _record(review, "replied", user.email)


def _is_vendor_of(user, review):
    membership = user.membership
    return membership is not None and db.session.scalar(
        select(Product.entity_id).where(Product.id == review.product_id)) == membership.entity_id


def report(user, review, reason, note=None):
    """``user`` reports a shown review (once): it is hidden until an admin decides.

    A review an admin already kept, or one reported by its own vendor, stays shown: the report waits in the queue.
    """
    if reason not in REPORT_REASONS:
        raise Refused(_("Choose why you report this review."))
    note = _text(note, MAX_NOTE, _("A note can be at most %(count)d characters long.", count=MAX_NOTE)) or None
    if review.status not in ("published", "hidden"):
        raise Refused(_("This review is not shown."))
    if review.user_id == user.id:
        raise Refused(_("You cannot report your own review: edit it instead."))
    if db.session.scalar(select(exists().where(ReviewReport.review_id == review.id,
                                                ReviewReport.user_id == user.id))):
        raise Refused(_("You have reported this review already."))
    db.session.add(ReviewReport(review_id=review.id, user_id=user.id, reason=reason, note=note, created_at=_now()))
    _record(review, "reported", user.email, reason)
    if review.status == "published" and not review.cleared and not _is_vendor_of(user, review):
        move(review, "hidden", user.email, _("Hidden after a report, until an admin decides."))


DECISIONS = {"publish": "published", "remove": "removed"}


def moderate(admin, review, decision, note=None):
    """An admin publishes (restores, approves) or removes a review; its open reports are closed."""
    if decision not in DECISIONS:
        raise Refused(_("Choose to publish or to remove the review."))
    target = DECISIONS[decision]
    note = _text(note, MAX_NOTE, _("A note can be at most %(count)d characters long.", count=MAX_NOTE)) or None
    first_time = review.status == "held" and not _was_published(review)
    if review.status != target:
        move(review, target, admin.email, note)
    review.cleared = target == "published"
    db.session.execute(update(ReviewReport).where(ReviewReport.review_id == review.id,
                                                  ReviewReport.resolved_at.is_(None))
                       .values(resolved_at=_now()).execution_options(synchronize_session=False))
    if first_time and target == "published":
        mail.notify_vendor(review)


def _was_published(review):
    return db.session.scalar(select(exists().where(ReviewEvent.review_id == review.id,
                                                   ReviewEvent.to_status == "published")))
