"""The vendor's numbers: revenue and orders over time, top products, views and conversion, stock alerts."""


from babel.dates import format_skeleton
from flask import Response, render_template, request
from flask_babel import format_number, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core import charts
from marketplace.core.clock import today
from marketplace.core.i18n import vnd
from marketplace.core.tabular import csv_bytes
from marketplace.reports import sales as stats
from marketplace.vendors.blueprint import bp

PERIODS = ("day", "week", "month")
DEFAULT_PERIOD = "week"
STOCK_THRESHOLD = 5
REVENUE_COLOR = "#166534"
ORDERS_COLOR = "#a16207"
#: Drawn narrower than the programme's charts: a phone scales it down less, so its text stays legible.
CHART_WIDTH = 480


def _period():
    period = request.args.get("period", DEFAULT_PERIOD)
    return period if period in PERIODS else DEFAULT_PERIOD


def figures(entity_id, period, day):
    """Everything the page and the CSV show, for ``period`` ending on ``day``."""
    start, end = stats.period_window(period, day)
    series = stats.sales_series(entity_id, start, end, period)
    return {
        "period": period, "start": start, "end": end, "series": series, "totals": stats.series_totals(series),
        "top": stats.top_products(entity_id, start, end),
        "conversion": stats.views_and_conversion(entity_id, start, end),
        "alerts": stats.stock_alerts(entity_id, STOCK_THRESHOLD),
    }


def bucket_label(first, period):
    """A bucket's name for people: a day, the week starting on a Monday, or a month."""
    locale = get_locale()
    if period == "month":
        return format_skeleton("yMMMM", first, locale=locale)
    text = format_skeleton("yMMMd", first, locale=locale)
    return _("Week of %(date)s", date=text) if period == "week" else text


def percent(share):
    """A conversion rate, or a dash when there is none."""
    return "—" if share is None else format_percent(share, format="#,##0.0%")


@bp.get("/numbers")
@role_required("vendor")
def numbers():
    """Revenue and orders per day, week or month, top products, views and conversion, and stock alerts."""
    entity = policy.own_entity_or_404(current_user)
    data = figures(entity.id, _period(), today())
    labels = [bucket_label(first, data["period"]) for first, _total in data["series"]]
    return render_template("vendors/numbers.html", entity=entity, data=data, labels=labels,
                           charts=sales_charts(labels, data["series"]), periods=PERIODS, threshold=STOCK_THRESHOLD,
                           number=format_number, percent=percent)


def sales_charts(labels, series):
    """Two SVG charts: revenue received (paid) and orders placed, per bucket."""
    totals = [total for _first, total in series]
    return {
        "revenue": charts.bar_chart([(label, total["paid_vnd"], REVENUE_COLOR) for label, total
                                     in zip(labels, totals, strict=True)],
                                    _("Revenue received per period"), vnd, "vendor-revenue", CHART_WIDTH),
        "orders": charts.bar_chart([(label, total["placed"], ORDERS_COLOR) for label, total
                                    in zip(labels, totals, strict=True)],
                                   _("Orders placed per period"), format_number, "vendor-orders", CHART_WIDTH),
    }


def export_tables(data):
    """The figures as ``(title, headers, rows)`` tables: English headers, plain numbers, rates as fractions."""
    return [
        ("Placed, paid and delivered", ["period_start", *stats.MEASURES],
         [[first.isoformat(), *(total[measure] for measure in stats.MEASURES)] for first, total in data["series"]]),
        ("Top products", ["product", "units", "revenue_vnd"],
         [[row["name"], row["units"], row["revenue"]] for row in data["top"]]),
        ("Views and conversion", ["product", "views", "orders", "units", "conversion"],
         [[row["name"], row["views"], row["orders"], row["units"],
           None if row["conversion"] is None else round(row["conversion"], 4)] for row in data["conversion"]]),
        ("Stock alerts", ["product", "stock"], [[row["name"], row["stock"]] for row in data["alerts"]]),
    ]


@bp.get("/numbers.csv")
@role_required("vendor")
def numbers_csv():
    """The page's tables as one CSV file: a section per table (title line, header, rows, blank line)."""
    entity, day = policy.own_entity_or_404(current_user), today()
    period = _period()
    data = figures(entity.id, period, day)
    scope = ("Scope", ["entity", "period", "start", "end"],
             [[entity.name, period, data["start"].isoformat(), data["end"].isoformat()]])
    body = csv_bytes([scope, *export_tables(data)])
    filename = f"numbers-{entity.slug}-{period}-{day.isoformat()}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
