"""Monthly finance reports: each entity's statement (entries, payouts, balances) and the tax withheld per seller.

A statement for a period (a month in Vietnam) starts from the balance carried over (entries of earlier months less
payouts made before the month), adds the month's net (sales less commission, tax withheld and refunds) and takes off
the payouts made in the month: the closing balance is what the platform owes the entity at the month's end.
The withholding report is what finance staff file for the month under Decree 117/2025/NĐ-CP: per seller, the
revenue subject to withholding and the VAT and PIT withheld, returns of the month already offset.
"""

from decimal import Decimal

from babel.dates import format_skeleton
from flask import Response
from flask_babel import format_percent, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.core.tabular import XLSX_TYPE, csv_bytes, xlsx_bytes
from marketplace.extensions import db
from marketplace.payments import payouts
from marketplace.registry.models import Entity
from marketplace.shop.orders import statements, withholding

SUMMARY_COLUMNS = ("entity", "tax_code", "entity_type", "opening_vnd", "sales_vnd", "refunds_vnd", "collected_vnd",
                   "commission_vnd", "vat_vnd", "pit_vnd", "net_vnd", "payouts_vnd", "closing_vnd")
ENTRY_COLUMNS = ("booked_on", "order", "vendor_order", "entity", "kind", "payment_method", "collected_by_platform",
                 "goods_vnd", "shipping_vnd", "collected_vnd", "commission_vnd", "withheld_base_vnd", "vat_vnd",
                 "pit_vnd", "net_vnd")
PAYOUT_COLUMNS = ("paid_on", "entity", "amount_vnd", "bank_reference", "note", "recorded_by")
WITHHOLDING_COLUMNS = ("seller", "tax_code", "entity_type", "province", "address", "revenue_vnd", "vat_vnd",
                       "pit_vnd")
#: How payment methods and entity types read on the statements.
METHOD_NAMES = {"cod": _l("Cash on delivery"), "bank_transfer": _l("Bank transfer (VietQR)"),
                "card": _l("International card (Stripe)"), "vnpay": _l("VNPay"), "momo": _l("MoMo e-wallet")}
TYPE_NAMES = {"cooperative": _l("Cooperative"), "cooperative_group": _l("Cooperative group"),
              "enterprise": _l("Enterprise"), "household_business": _l("Household business"),
              "individual": _l("Individual")}
EMPTY = dict.fromkeys(("sales_vnd", "refunds_vnd", *statements.AMOUNTS), 0)


def month_name(period):
    """A period for people, in the reader's language ("tháng 11 năm 2026", "November 2026")."""
    return format_skeleton("yMMMM", statements.first_day(period), locale=get_locale())


def rate_names():
    """The rates in force for people: ``{"commission": "5%", "vat": "1%", "pit": "0,5%"}``."""
    rates = withholding.Rates.current()
    return {name: format_percent(Decimal(bp) / withholding.BASIS_POINTS, format="#,##0.##%")
            for name, bp in (("commission", rates.commission_bp), ("vat", rates.vat_bp), ("pit", rates.pit_bp))}


def bounds(period):
    """The first day of ``period`` and of the next one."""
    return statements.first_day(period), statements.first_day(statements.shift(period, 1))


def statement(entity, period):
    """One entity's statement for ``period``: entries, payouts, totals, opening and closing balances, owed now."""
    start, end = bounds(period)
    rows = statements.entries(entity.id, period)
    paid_out = payouts.payouts_between(start, end, entity.id)
    opening = statements.net_owed(entity.id, before=period) - payouts.paid(entity.id, before=start)
    sums = statements.totals(rows)
    paid_total = sum(payout.amount_vnd for payout in paid_out)
    return {"entity": entity, "period": period, "start": start, "end": end, "entries": rows, "payouts": paid_out,
            "totals": sums, "paid_vnd": paid_total, "opening_vnd": opening,
            "closing_vnd": opening + sums["net_vnd"] - paid_total, "balance_vnd": payouts.balance(entity.id)}


def summary(period):
    """Per entity with anything to show for ``period`` (entries, payouts, or a balance carried): its figures."""
    start, end = bounds(period)
    month = statements.sums_by_entity(period)
    earned_before, paid_before = statements.net_by_entity(before=period), payouts.paid_by_entity(before=start)
    paid_in = payouts.paid_by_entity(before=end, start=start)
    ids = set(month) | {key for key, value in paid_in.items() if value} | {
        key for key in set(earned_before) | set(paid_before) if earned_before.get(key, 0) != paid_before.get(key, 0)}
    entities = {entity.id: entity for entity in db.session.scalars(select(Entity).where(Entity.id.in_(ids)))}
    rows = []
    for entity_id in sorted(ids, key=lambda key: entities[key].name):
        figures = month.get(entity_id, EMPTY)
        opening = earned_before.get(entity_id, 0) - paid_before.get(entity_id, 0)
        paid_now = paid_in.get(entity_id, 0)
        rows.append({"entity": entities[entity_id], "opening_vnd": opening, **figures, "payouts_vnd": paid_now,
                     "closing_vnd": opening + figures["net_vnd"] - paid_now})
    return rows


def withholding_report(period):
    """Per seller withheld for in ``period``: revenue subject to withholding, VAT and PIT (refunds offset)."""
    month = statements.sums_by_entity(period)
    ids = [key for key, figures in month.items()
           if figures["withheld_base_vnd"] or figures["vat_vnd"] or figures["pit_vnd"]]
    entities = db.session.scalars(select(Entity).where(Entity.id.in_(ids)).order_by(Entity.name)).all()
    return [{"entity": entity, "revenue_vnd": month[entity.id]["withheld_base_vnd"],
             "vat_vnd": month[entity.id]["vat_vnd"], "pit_vnd": month[entity.id]["pit_vnd"]} for entity in entities]


def withholding_totals(rows):
    """Revenue, VAT and PIT summed over the report's rows."""
    return {name: sum(row[name] for row in rows) for name in ("revenue_vnd", "vat_vnd", "pit_vnd")}


# --- tables for CSV and XLSX (English headers, plain integers) --------------------------------------------------

def entry_table(rows):
    """Statement entries as ``(header, rows)``; ``rows`` are (entry, order reference[, entity]) tuples."""
    body = []
    for entry, reference, *rest in rows:
        entity_name = rest[0].name if rest else ""
        body.append([entry.booked_on.isoformat(), reference,
                     entry.vendor_order_id, entity_name, entry.kind, entry.payment_method,
                     "yes" if entry.collected else "no",
                     *(getattr(entry, name) for name in ENTRY_COLUMNS[7:])])
    return list(ENTRY_COLUMNS), body


def payout_table(rows, names):
    """Payouts as ``(header, rows)``; ``names`` maps entity ids to names."""
    return list(PAYOUT_COLUMNS), [[payout.paid_on.isoformat(), names.get(payout.entity_id, ""), payout.amount_vnd,
                                   payout.bank_reference, payout.note or "", payout.recorded_by] for payout in rows]


def statement_tables(data):
    """An entity's statement as ``(title, header, rows)`` sections: scope and totals, entries, payouts."""
    entity, sums = data["entity"], data["totals"]
    scope = ("Statement", ["entity", "tax_code", "period", "opening_vnd", "sales_vnd", "refunds_vnd",
                           "collected_vnd", "commission_vnd", "vat_vnd", "pit_vnd", "net_vnd", "payouts_vnd",
                           "closing_vnd"],
             [[entity.name, entity.tax_code or "", data["period"], data["opening_vnd"], sums["sales_vnd"],
               sums["refunds_vnd"], sums["collected_vnd"], sums["commission_vnd"], sums["vat_vnd"], sums["pit_vnd"],
               sums["net_vnd"], data["paid_vnd"], data["closing_vnd"]]])
    return [scope, ("Entries", *entry_table(data["entries"])),
            ("Payouts", *payout_table(data["payouts"], {entity.id: entity.name}))]


def summary_tables(period):
    """Every entity's figures for ``period``, then every entry and payout of it, as sections."""
    rows = summary(period)
    start, end = bounds(period)
    names = {row["entity"].id: row["entity"].name for row in rows}
    body = [[row["entity"].name, row["entity"].tax_code or "", row["entity"].entity_type,
             *(row[name] for name in SUMMARY_COLUMNS[3:])] for row in rows]
    return [(f"Statements {period}", list(SUMMARY_COLUMNS), body),
            ("Entries", *entry_table(statements.period_entries(period))),
            ("Payouts", *payout_table(payouts.payouts_between(start, end), names))]


def withholding_tables(period, provinces):
    """The withholding report for ``period`` as one section; ``provinces`` maps codes to names."""
    body = [[row["entity"].name, row["entity"].tax_code or "", row["entity"].entity_type,
             provinces.get(row["entity"].province_code, row["entity"].province_code), row["entity"].address or "",
             row["revenue_vnd"], row["vat_vnd"], row["pit_vnd"]] for row in withholding_report(period)]
    return [(f"Tax withheld {period}", list(WITHHOLDING_COLUMNS), body)]


def download(sections, filename, fmt):
    """``(title, header, rows)`` sections as a CSV attachment (one after another) or an XLSX one (a sheet each).

    Both go through ``core.tabular``: text that would start a formula is neutralised (CSV) or kept as text (XLSX).
    """
    if fmt == "xlsx":
        body, mimetype = xlsx_bytes(sections), XLSX_TYPE
    else:
        body, mimetype = csv_bytes(sections), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})
