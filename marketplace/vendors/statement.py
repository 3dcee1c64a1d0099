"""The entity's monthly statement: sales, commission, tax withheld, refunds, payouts, and what it is owed."""

from flask import render_template, request
from flask_login import current_user

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.reports import finance
from marketplace.shop.orders import statements
from marketplace.vendors.blueprint import bp


def _period():
    """The period asked for (``?period=YYYY-MM``), this month otherwise."""
    return statements.parse_period(request.args.get("period")) or statements.current_period()


@bp.get("/statement")
@role_required("vendor")
def statement():
    """The entity's own statement for a month (members see only their entity's)."""
    entity = policy.own_entity_or_404(current_user)
    period = _period()
    later = statements.shift(period, 1)
    return render_template("vendors/statement.html", data=finance.statement(entity, period),
                           previous=statements.shift(period, -1),
                           following=later if later <= statements.current_period() else None,
                           methods=finance.METHOD_NAMES, month_name=finance.month_name,
                           rates=finance.rate_names())


@bp.get("/statement.<any(csv, xlsx):fmt>")
@role_required("vendor")
def statement_export(fmt):
    """The entity's statement for a month as CSV or XLSX."""
    entity = policy.own_entity_or_404(current_user)
    period = _period()
    return finance.download(finance.statement_tables(finance.statement(entity, period)),
                            f"statement-{entity.slug}-{period}", fmt)
