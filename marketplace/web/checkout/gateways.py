"""Paying through VNPay or MoMo: the page that sends the buyer on, the return pages, and the labelled simulation.

The checkout form cannot redirect the browser to another site (the CSP's ``form-action 'self'``, which Chromium
applies to the redirects after a form too), so placing the order leads to a page of ours that sends the buyer on.
The return page shows what the gateway said and how the order stands: it decides nothing (the IPN does).
"""

from io import BytesIO
from urllib.parse import urlencode

from flask import Response, abort, redirect, render_template, request
from flask_babel import lazy_gettext as _l

from marketplace.extensions import csrf
from marketplace.payments import gateways, simulation
from marketplace.web.checkout.blueprint import bp
from marketplace.web.checkout.views import _my_order, order_url

NAMES = {"vnpay": _l("VNPay"), "momo": _l("MoMo")}


@bp.get("/orders/<reference>/pay")
def gateway_pay(reference):
    """Send the buyer to the gateway's payment page while the order waits for its payment."""
    order = _my_order(reference)
    url = gateways.pay_url(order) if order.status == "pending_payment" else None
    if url is None:
        return redirect(order_url(order))
    return render_template("payments/gateway_pay.html", order=order, url=url, gateway=NAMES[order.payment_method],
                           order_link=order_url(order))


@bp.get("/payments/<any(vnpay, momo):gateway>/return")
def gateway_return(gateway):
    """The buyer back from the gateway: what it said and how the order stands; 400 when the signature fails."""
    found = gateways.read_return(gateway, request.args)
    if found is None:
        return render_template("payments/gateway_return.html", gateway=NAMES[gateway], order=None), 400
    _payment, order, verdict = found
    return render_template("payments/gateway_return.html", gateway=NAMES[gateway], order=order, verdict=verdict,
                           order_link=order_url(order))


@bp.route("/simulated/<any(vnpay, momo):gateway>/<path:rest>", methods=["GET", "POST"])
@csrf.exempt
def simulated_gateway(gateway, rest):
    """The gateway's labelled simulation (development without its keys; 404 otherwise), answering its own paths."""
    settings = gateways.CLIENTS[gateway].settings()
    if settings is None or not settings.simulated:
        abort(404)
    body = urlencode(list(request.form.items(multi=True))).encode() if request.form else request.get_data()
    environ = {**request.environ, "SCRIPT_NAME": request.script_root + f"{simulation.MOUNT}/{gateway}",
               "PATH_INFO": "/" + rest, "wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    return Response.from_app(simulation.fake(gateway), environ)  # the body was read here: the fake gets a copy
