"""Finance staff (the admin role): cash on delivery the carrier collected and has not transferred yet, by age."""

from flask import flash, redirect, render_template, url_for
from flask_babel import ngettext

from marketplace.access.decorators import role_required
from marketplace.extensions import db
from marketplace.payments import carrier
from marketplace.shipping import ghn_client
from marketplace.web.admin.blueprint import bp

#: Days after delivery from which a transfer is late (GHN transfers on working days; a week is overdue).
LATE_DAYS = 7


@bp.get("/cod")
@role_required("admin")
def cod_page():
    """Parcels delivered whose cash GHN has not transferred (oldest first, late ones marked), with the total."""
    rows = carrier.unremitted()
    return render_template("admin/cod.html", rows=rows, total=sum(row.shipment.cod_vnd for row in rows),
                           late_days=LATE_DAYS, carrier=ghn_client.settings())


@bp.post("/cod/reconcile")
@role_required("admin")
def cod_reconcile():
    """Ask GHN now about every open parcel (a callback may have been missed) and apply what it says."""
    results = carrier.reconcile()
    db.session.commit()
    flash(ngettext("The carrier was asked about %(num)d parcel.", "The carrier was asked about %(num)d parcels.",
                   len(results)), "success")
    return redirect(url_for("admin.cod_page"))
