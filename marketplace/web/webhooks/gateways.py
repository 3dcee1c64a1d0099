"""VNPay's and MoMo's notifications (IPN): verified, applied once, answered in each gateway's own terms."""

from flask import current_app, jsonify, request

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.payments import gateways
from marketplace.web.webhooks.blueprint import bp


@bp.get("/webhooks/vnpay/ipn")
def vnpay_ipn():
    """VNPay's IPN (a GET): answered 200 with ``{"RspCode", "Message"}`` as VNPay's documentation lists them.

    00 recorded, 01 order not found, 02 already confirmed, 04 invalid amount, 97 invalid signature, 99 unknown
    error (a change that lost a race with another one: VNPay sends the notification again later).
    """
    try:
        code, message = gateways.apply_vnpay_notification(request.args)
    except Refused as refusal:
        db.session.rollback()
        current_app.logger.warning("vnpay notification not applied: %s", refusal.message)
        return jsonify(RspCode="99", Message="Unknown error")
    db.session.commit()
    return jsonify(RspCode=code, Message=message)


@bp.post("/webhooks/momo/ipn")
def momo_ipn():
    """MoMo's IPN (a JSON POST): 204 once recorded, 400 for a bad signature, 404 for an unknown order, 409 to retry."""
    try:
        status, outcome = gateways.apply_momo_notification(request.get_json(silent=True))
    except Refused as refusal:
        db.session.rollback()
        current_app.logger.warning("momo notification not applied: %s", refusal.message)
        return jsonify(outcome="conflict: retry later"), 409
    db.session.commit()
    current_app.logger.info("momo notification: %s", outcome)
    return ("", 204) if status == 204 else (jsonify(outcome=outcome), status)
