"""GHN's status callbacks (verified, applied once in any order), and GHN's labelled simulation in development."""

from io import BytesIO
from urllib.parse import urlencode

from flask import Response, abort, current_app, jsonify, request

from marketplace.core.errors import Refused
from marketplace.extensions import csrf, db
from marketplace.payments import carrier
from marketplace.shipping import ghn_client, simulation
from marketplace.web.webhooks.blueprint import bp


@bp.post("/webhooks/ghn")
def ghn_callback():
    """GHN's callback, answered 200 with what it led to, or 401, 400, 404, 503.

    401 without our secret (or for another shop), 400 malformed, 404 an order we never handed over, 503 when it
    lost a race with another change (GHN sends it again). GHN retries on 5xx and timeouts only, so a callback
    that can never apply answers 4xx.
    """
    payload = request.get_json(silent=True)
    if not ghn_client.verify_callback(request.headers, payload):
        current_app.logger.warning("ghn callback refused: wrong secret or shop")
        return jsonify(outcome="unauthorized"), 401
    try:
        status, outcome = carrier.apply_ghn_callback(payload)
    except Refused as refusal:
        db.session.rollback()
        current_app.logger.warning("ghn callback not applied, GHN will retry: %s", refusal.message)
        return jsonify(outcome="conflict: retry later"), 503
    if status == 200:
        db.session.commit()
    else:
        db.session.rollback()
    current_app.logger.info("ghn callback %s %s: %s", payload.get("OrderCode"), payload.get("Status"), outcome)
    return jsonify(outcome=outcome), status


@bp.route("/simulated/ghn/", defaults={"rest": ""}, methods=["GET", "POST"])
@bp.route("/simulated/ghn/<path:rest>", methods=["GET", "POST"])
@csrf.exempt
def simulated_ghn(rest):
    """GHN's labelled simulation (development without GHN's settings; 404 otherwise): its API, label and desk."""
    settings = ghn_client.settings()
    if settings is None or not settings.simulated:
        abort(404)
    body = urlencode(list(request.form.items(multi=True))).encode() if request.form else request.get_data()
    environ = {**request.environ, "SCRIPT_NAME": request.script_root + simulation.MOUNT, "PATH_INFO": "/" + rest,
               "wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    return Response.from_app(simulation.fake(), environ)
