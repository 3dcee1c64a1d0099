"""Finance staff (the admin role): monthly statements per entity, payouts, and the tax withheld per seller."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.clock import today
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.payments import payouts
from marketplace.reference.lookup import provinces
from marketplace.registry.models import Entity
from marketplace.reports import finance
from marketplace.shop.orders import statements
from marketplace.web.admin.blueprint import bp
from marketplace.web.admin.forms import PayoutForm


def _period():
    """The period asked for (``?period=YYYY-MM``), this month otherwise."""
    return statements.parse_period(request.args.get("period")) or statements.current_period()


def _months(period):
    """The periods before and after ``period`` for the page's links (none after this month)."""
    later = statements.shift(period, 1)
    return statements.shift(period, -1), later if later <= statements.current_period() else None


@bp.get("/statements")
@role_required("admin")
def statements_page():
    """Every entity's statement for a month: carried over, earned, withheld, paid out, owed at the month's end."""
    period = _period()
    rows = finance.summary(period)
    columns = ("opening_vnd", "sales_vnd", "refunds_vnd", "collected_vnd", "commission_vnd", "vat_vnd", "pit_vnd",
               "net_vnd", "payouts_vnd", "closing_vnd")
    totals = {name: sum(row[name] for row in rows) for name in columns}
    previous, following = _months(period)
    return render_template("admin/statements.html", period=period, rows=rows, totals=totals, previous=previous,
                           following=following, month_name=finance.month_name, types=finance.TYPE_NAMES)


@bp.get("/statements.<any(csv, xlsx):fmt>")
@role_required("admin")
def statements_export(fmt):
    """The month's statements, entries and payouts as CSV (sections) or XLSX (a sheet each)."""
    period = _period()
    return finance.download(finance.summary_tables(period), f"statements-{period}", fmt)


@bp.get("/statements/<int:entity_id>")
@role_required("admin")
def entity_statement(entity_id):
    """One entity's statement for a month, its payouts, and the form to record a payout."""
    entity = policy.get_or_404(select(Entity), entity_id, Entity)
    period = _period()
    form = PayoutForm(paid_on=today())
    return _statement_page(entity, period, form)


def _statement_page(entity, period, form, status=200):
    previous, following = _months(period)
    return render_template("admin/statement.html", data=finance.statement(entity, period), form=form,
                           previous=previous, following=following, month_name=finance.month_name,
                           methods=finance.METHOD_NAMES, types=finance.TYPE_NAMES), status


@bp.get("/statements/<int:entity_id>.<any(csv, xlsx):fmt>")
@role_required("admin")
def entity_statement_export(entity_id, fmt):
    """One entity's statement for a month as CSV or XLSX."""
    entity = policy.get_or_404(select(Entity), entity_id, Entity)
    period = _period()
    return finance.download(finance.statement_tables(finance.statement(entity, period)),
                            f"statement-{entity.slug}-{period}", fmt)


@bp.post("/statements/<int:entity_id>/payouts")
@role_required("admin")
def record_payout(entity_id):
    """Record a bank transfer to the entity: never more than it is owed, once per bank reference, audited."""
    entity = policy.get_or_404(select(Entity), entity_id, Entity)
    form = PayoutForm()
    if not form.validate_on_submit():
        return _statement_page(entity, _period(), form, 400)
    try:
        payout, created = payouts.record(entity, form.amount_vnd.data, form.paid_on.data, form.bank_reference.data,
                                         current_user.email, form.note.data)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.entity_statement", entity_id=entity_id, period=_period()))
    db.session.commit()
    if created:
        flash(_("Payout recorded."), "success")
    else:
        flash(_("This transfer was already recorded: nothing was added."), "message")
    return redirect(url_for("admin.entity_statement", entity_id=entity_id,
                            period=statements.period_of_day(payout.paid_on), _anchor="payouts"))


@bp.get("/withholding")
@role_required("admin")
def withholding_page():
    """The month's tax withheld per seller (Decree 117/2025/NĐ-CP): what finance staff file."""
    period = _period()
    rows = finance.withholding_report(period)
    previous, following = _months(period)
    return render_template("admin/withholding.html", period=period, rows=rows, totals=finance.withholding_totals(rows),
                           previous=previous, following=following, month_name=finance.month_name,
                           provinces=provinces(), types=finance.TYPE_NAMES, rates=finance.rate_names())


@bp.get("/withholding.<any(csv, xlsx):fmt>")
@role_required("admin")
def withholding_export(fmt):
    """The month's tax withheld per seller as CSV or XLSX."""
    period = _period()
    names = {code: province.name for code, province in provinces().items()}
    return finance.download(finance.withholding_tables(period, names), f"tax-withheld-{period}", fmt)
