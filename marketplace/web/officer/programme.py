"""/officer/programme: the programme dashboard and its CSV and XLSX exports.

Provincial officers see their own province (asking for another one is not found: 404); national officers
and administrators see the whole country or one province with ``?province=CODE``.
"""


from flask import Response, abort, render_template, request
from flask_babel import format_number, format_percent, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.access.decorators import role_required
from marketplace.core import charts
from marketplace.core.clock import today
from marketplace.core.i18n import localized
from marketplace.core.tabular import XLSX_TYPE, csv_bytes, xlsx_bytes
from marketplace.reference.lookup import provinces
from marketplace.reports import services
from marketplace.web.officer.blueprint import bp

TYPE_LABELS = {"cooperative": _l("Cooperative"), "cooperative_group": _l("Cooperative group"),
               "enterprise": _l("Enterprise"), "household_business": _l("Household business")}
STAR_COLOR = "#a16207"


def scope_province():
    """The province code the current user looks at (None: the whole country); 404 outside their scope."""
    requested = request.args.get("province", "").strip() or None
    if current_user.role == "officer" and current_user.province_code is not None:
        if requested not in (None, current_user.province_code):
            abort(404)
        return current_user.province_code
    if requested is not None and requested not in provinces():
        abort(404)
    return requested


def _percent(share):
    return "—" if share is None else format_percent(share, format="#,##0.0%")


def chart_rows(summary):
    """``(label, value[, colour])`` rows for the dashboard's bar charts, labelled in the current language."""
    return {
        "stars": [(ngettext("%(num)d star", "%(num)d stars", stars), count, STAR_COLOR)
                  for stars, count in summary["products_by_stars"].items()],
        "sectors": [(f"{row['code']}. {localized(row, 'name')}", row["products"], row["color"])
                    for row in summary["products_by_sector"]],
        "provinces": [(row["name"], row["products"]) for row in summary["products_by_province"]],
        "types": [(str(TYPE_LABELS[row["type"]]), row["entities"]) for row in summary["entities_by_type"]["types"]],
    }


@bp.get("/programme")
@role_required("officer", "admin")
def programme():
    """The programme dashboard for the user's scope, as of today."""
    province_code = scope_province()
    summary = services.programme_summary(today(), province_code)
    return render_template(
        "reports/dashboard.html", summary=summary, province=provinces().get(province_code),
        provinces=provinces(), national_user=current_user.role == "admin" or current_user.province_code is None,
        bar_chart=charts.bar_chart, chart_rows=chart_rows(summary), type_names=TYPE_LABELS, number=format_number,
        percent=_percent, soonest_limit=services.SOONEST_LIMIT,
    )


def _share(value):
    return None if value is None else round(value, 4)


def export_tables(summary):
    """The summary as ``(title, headers, rows)`` tables: English headers, plain numbers, shares as fractions."""
    types, modern, people = summary["entities_by_type"], summary["modern_channels"], summary["representation"]
    return [
        ("Overview", ["metric", "value"], [
            ["certified_products", summary["products"]],
            ["certified_entities", summary["entities"]],
            ["showrooms", summary["showrooms"]["total"]],
            ["provinces_without_showroom", summary["showrooms"]["without"]],
        ]),
        ("Products by stars", ["stars", "products"], [[stars, n] for stars, n in summary["products_by_stars"].items()]),
        ("Products by province", ["province_code", "province", "products"],
         [[row["code"], row["name"], row["products"]] for row in summary["products_by_province"]]),
        ("Products by sector", ["sector", "sector_name", "products"],
         [[row["code"], row["name_en"], row["products"]] for row in summary["products_by_sector"]]),
        ("Products by criteria set", ["criteria_set", "criteria_set_name", "sector", "products"],
         [[row["code"], row["name_en"], row["sector_code"], row["products"]]
          for row in summary["products_by_criteria_set"]]),
        ("Entities by type", ["entity_type", "entities", "share"],
         [[row["type"], row["entities"], _share(row["share"])] for row in types["types"]]),
        ("Targets", ["indicator", "share", "target", "met"],
         [[f"{row['type']}_share", _share(row["share"]), row["target"], int(row["met"])] for row in types["targets"]]
         + [["modern_channel_share", _share(modern["share"]), modern["target"], int(modern["met"])]]),
        ("Modern channels", ["entities", "selling_through_modern_channels", "share", "target", "met"],
         [[modern["entities"], modern["modern"], _share(modern["share"]), modern["target"], int(modern["met"])]]),
        ("Representation", ["indicator", "entities", "known", "unknown", "share_of_known"],
         [[f"{key}_led", people[key]["count"], people[key]["known"], people[key]["unknown"],
           _share(people[key]["share"])] for key in ("female", "ethnic_minority")]),
        ("Expiring certificates", ["within_days", "certificates"],
         [[days, n] for days, n in summary["expiring"].items()]),
        ("Soonest expiries", ["certificate_number", "product", "entity", "stars", "valid_until"],
         [[row["number"], row["product"], row["entity"], row["stars"], row["valid_until"]]
          for row in summary["expiring_soonest"]]),
        ("Showrooms by province", ["province_code", "province", "showrooms"],
         [[row["code"], row["name"], row["showrooms"]] for row in summary["showrooms"]["provinces"]]),
    ]


def _filename(province_code, day, extension):
    scope = provinces()[province_code].slug if province_code else "national"
    return f"ocop-programme-{scope}-{day.isoformat()}.{extension}"


def _attachment(body, mimetype, filename):
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/programme/export.csv")
@role_required("officer", "admin")
def programme_csv():
    """The dashboard's tables as one CSV file: a section per table (title line, header, rows, blank line)."""
    province_code, day = scope_province(), today()
    body = csv_bytes(export_tables(services.programme_summary(day, province_code)))
    return _attachment(body, "text/csv; charset=utf-8", _filename(province_code, day, "csv"))


@bp.get("/programme/export.xlsx")
@role_required("officer", "admin")
def programme_xlsx():
    """The dashboard's tables as an XLSX workbook: one sheet per table, a header row, then the rows."""
    province_code, day = scope_province(), today()
    body = xlsx_bytes(export_tables(services.programme_summary(day, province_code)))
    return _attachment(body, XLSX_TYPE, _filename(province_code, day, "xlsx"))
