"""The vendor's numbers: sales per day/week/month (Vietnam days), top products, views and conversion, stock
alerts, the CSV export, and who may see them. Every expected number below is computed by hand."""

import csv
import io
import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from marketplace.core.clock import TIMEZONE
from marketplace.extensions import db
from marketplace.jobs.scheduled import flush_views
from marketplace.reports import sales as stats
from marketplace.shop.catalog.models import ProductView
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from tests.factories import make_certificate, make_entity, make_listed, make_listing, make_product, make_user

_references = itertools.count(1)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def vn(day, hour, minute=0):
    """A Vietnam wall-clock time, stored as UTC like every timestamp."""
    return datetime.combine(day, time(hour, minute), tzinfo=TIMEZONE).astimezone(UTC)


def order(at, parts, status="paid", method="cod"):
    """A customer order created ``at`` with ``parts``: ``[(entity, [(product, unit price, quantity)])]``."""
    subtotal = sum(price * quantity for _entity, lines in parts for _product, price, quantity in lines)
    placed = Order(reference=f"OCOP-TEST-{next(_references):04d}", email="buyer@test.example", name="Đỗ Minh",
                   phone="0987000111", province_code="01", ward="Phường Hoàn Kiếm", address="2 Tràng Tiền",
                   status=status, payment_method=method, subtotal_vnd=subtotal, shipping_vnd=30000,
                   total_vnd=subtotal + 30000, created_at=at)
    db.session.add(placed)
    db.session.flush()
    for entity, lines in parts:
        part = VendorOrder(order_id=placed.id, entity_id=entity.id, entity_name=entity.name, status=status,
                           subtotal_vnd=sum(price * quantity for _product, price, quantity in lines),
                           shipping_vnd=30000, created_at=at)
        db.session.add(part)
        db.session.flush()
        for product, price, quantity in lines:
            db.session.add(OrderLine(vendor_order_id=part.id, product_id=product.id, product_name=product.name,
                                     entity_name=entity.name, certificate_number="1/QĐ-UBND", stars=4,
                                     unit_price_vnd=price, quantity=quantity))
    db.session.flush()
    return placed


@pytest.fixture
def shop(frozen_clock):
    """Two entities. Today is Monday 2026-11-23 in Vietnam."""
    tea, sauce = make_entity("HTX Chè Tân Cương"), make_entity("HTX Nước mắm Nam Ô")
    a = make_listed("Chè Tân Cương đặc biệt", price_vnd=200000, stock=10, entity=tea)
    b = make_listed("Trà búp Thái Nguyên", price_vnd=100000, stock=0, entity=tea)
    c = make_listed("Chè móc câu", price_vnd=50000, stock=3, entity=tea)
    d = make_product("Chè xanh chưa đăng bán", entity=tea)
    make_certificate(d, valid_from=date(2026, 1, 1))
    make_listing(d, stock=1, published=False)
    s = make_listed("Nước mắm Nam Ô 40 độ đạm", price_vnd=90000, stock=2, entity=sauce)

    # 1. Today 08:00, with a part for the other entity too: A×2 = 400.000.
    order(vn(date(2026, 11, 23), 8), [(tea, [(a, 200000, 2)]), (sauce, [(s, 90000, 1)])], "paid")
    # 2. Today 00:30 in Vietnam = yesterday 17:30 UTC; counts today: A×1 + B×3 = 500.000.
    order(vn(date(2026, 11, 23), 0, 30), [(tea, [(a, 200000, 1), (b, 100000, 3)])], "processing")
    # 3. Monday 16 Nov 00:30 in Vietnam (Sunday in UTC): C×4 = 200.000, week of 16 Nov.
    order(vn(date(2026, 11, 16), 0, 30), [(tea, [(c, 50000, 4)])], "shipped")
    # 4. Tuesday 10 Nov: B×1 = 100.000, week of 9 Nov.
    order(vn(date(2026, 11, 10), 10), [(tea, [(b, 100000, 1)])], "delivered")
    # 5. Wednesday 7 Oct: A×1 = 200.000, week of 5 Oct; outside the last 30 days.
    order(vn(date(2026, 10, 7), 10), [(tea, [(a, 200000, 1)])], "delivered")
    # 6. Cancelled on 20 Nov: never counted.
    order(vn(date(2026, 11, 20), 10), [(tea, [(a, 200000, 5)])], "cancelled")
    # 7. 1 Dec 2025 00:30 in Vietnam (30 Nov in UTC): C×2 = 100.000, first of the last 12 months.
    order(vn(date(2025, 12, 1), 0, 30), [(tea, [(c, 50000, 2)])], "delivered")
    # 8. 30 Nov 2025 23:30 in Vietnam: just before the last 12 months.
    order(vn(date(2025, 11, 30), 23, 30), [(tea, [(c, 50000, 1)])], "delivered")

    # Earlier views: A 5 on 1 Nov; B 10 on 20 Nov and 100 on 1 Sep (before the 12 weeks); S 7 today.
    db.session.add_all([ProductView(product_id=a.id, day=date(2026, 11, 1), views=5),
                        ProductView(product_id=b.id, day=date(2026, 11, 20), views=10),
                        ProductView(product_id=b.id, day=date(2026, 9, 1), views=100),
                        ProductView(product_id=s.id, day=date(2026, 11, 23), views=7)])
    owners = {"tea": make_user("vendor", entity=tea), "sauce": make_user("vendor", entity=sauce)}
    customer = make_user("customer")
    db.session.commit()
    return {"tea": tea, "sauce": sauce, "a": a, "b": b, "c": c, "d": d, "s": s, "owners": owners,
            "customer": customer}


def zeros_except(starts, filled):
    return [(first, *filled.get(first, (0, 0))) for first in starts]


def test_revenue_series_counts_money_received_by_day_week_and_month_zero_filled(shop):
    """Revenue is paid money: the cash-on-delivery orders still being prepared (2) or on the road (3) are not."""
    tea = shop["tea"].id
    today = date(2026, 11, 23)

    start, end = stats.period_window("day", today)
    assert (start, end) == (date(2026, 10, 25), today)
    days = [start + timedelta(days=n) for n in range(30)]
    assert stats.revenue_series(tea, start, end, "day") == zeros_except(days, {
        date(2026, 11, 10): (1, 100000), date(2026, 11, 23): (1, 400000)})

    start, end = stats.period_window("week", today)
    assert start == date(2026, 9, 7)
    weeks = [start + timedelta(weeks=n) for n in range(12)]
    assert stats.revenue_series(tea, start, end, "week") == zeros_except(weeks, {
        date(2026, 10, 5): (1, 200000), date(2026, 11, 9): (1, 100000), date(2026, 11, 23): (1, 400000)})

    start, end = stats.period_window("month", today)
    assert start == date(2025, 12, 1)
    months = [date(2025, 12, 1)] + [date(2026, month, 1) for month in range(1, 12)]
    assert stats.revenue_series(tea, start, end, "month") == zeros_except(months, {
        date(2025, 12, 1): (1, 100000), date(2026, 10, 1): (1, 200000), date(2026, 11, 1): (2, 500000)})

    assert stats.revenue_series(shop["sauce"].id, today, today, "day") == [(today, 1, 90000)]


def test_top_products_by_revenue(shop):
    tea = shop["tea"].id
    assert stats.top_products(tea, date(2026, 9, 7), date(2026, 11, 23)) == [
        {"name": "Chè Tân Cương đặc biệt", "units": 4, "revenue": 800000},
        {"name": "Trà búp Thái Nguyên", "units": 4, "revenue": 400000},
        {"name": "Chè móc câu", "units": 4, "revenue": 200000},
    ]
    assert stats.top_products(tea, date(2025, 12, 1), date(2026, 11, 23), limit=2) == [
        {"name": "Chè Tân Cương đặc biệt", "units": 4, "revenue": 800000},
        {"name": "Trà búp Thái Nguyên", "units": 4, "revenue": 400000},
    ]
    assert stats.top_products(tea, date(2026, 11, 17), date(2026, 11, 22)) == []  # only the cancelled order


def test_product_page_visits_are_counted_once_each_and_bots_are_not(client, shop):
    a = shop["a"]
    for _visit in range(3):
        assert client.get(f"/p/{a.slug}", headers={"User-Agent": BROWSER}).status_code == 200
    for crawler in (BOT, "Baiduspider", "SomeCrawler/1.0"):
        assert client.get(f"/p/{a.slug}", headers={"User-Agent": crawler}).status_code == 200
    written = select(ProductView.views).where(ProductView.product_id == a.id, ProductView.day == date(2026, 11, 23))
    assert db.session.scalar(written) is None  # a GET writes nothing
    assert flush_views() == (1, 0)  # the job writes what the pages noted: one (product, day) tally
    rows = db.session.execute(select(ProductView.day, ProductView.views)
                              .where(ProductView.product_id == a.id).order_by(ProductView.day)).all()
    assert [tuple(row) for row in rows] == [(date(2026, 11, 1), 5), (date(2026, 11, 23), 3)]


def test_views_and_conversion(client, shop):
    for _visit in range(3):
        client.get(f"/p/{shop['a'].slug}", headers={"User-Agent": BROWSER})
    client.get(f"/p/{shop['a'].slug}", headers={"User-Agent": BOT})
    flush_views()
    rows = stats.views_and_conversion(shop["tea"].id, date(2026, 9, 7), date(2026, 11, 23))
    assert [(row["name"], row["views"], row["orders"], row["units"], row["conversion"]) for row in rows] == [
        ("Trà búp Thái Nguyên", 10, 2, 4, 0.2),
        ("Chè Tân Cương đặc biệt", 8, 3, 4, 0.375),
        ("Chè móc câu", 0, 1, 4, None),
        ("Chè xanh chưa đăng bán", 0, 0, 0, None),
    ]


def test_stock_alerts_list_published_listings_out_of_stock_first(shop):
    assert stats.stock_alerts(shop["tea"].id) == [
        {"name": "Trà búp Thái Nguyên", "slug": shop["b"].slug, "stock": 0},
        {"name": "Chè móc câu", "slug": shop["c"].slug, "stock": 3},
    ]
    assert [row["name"] for row in stats.stock_alerts(shop["tea"].id, threshold=10)] == [
        "Trà búp Thái Nguyên", "Chè móc câu", "Chè Tân Cương đặc biệt"]


def test_numbers_page_shows_charts_tables_and_alerts(client, shop):
    for _visit in range(3):
        client.get(f"/p/{shop['a'].slug}", headers={"User-Agent": BROWSER})
    flush_views()
    client.login_as(shop["owners"]["tea"])
    response = client.get("/vendor/numbers?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<svg") == 2 and 'aria-label="Revenue received per period"' in page
    assert 'aria-label="Orders placed per period"' in page
    assert "<script" not in page.split("</header>", 1)[-1] and "style=" not in page
    assert "Week of Nov 23, 2026" in page and "₫900,000" in page and "₫1,400,000" in page  # this week, 12 weeks
    top = page.split('class="data-table programme-table vendor-top"', 1)[1].split("</table>", 1)[0]
    assert top.index("Chè Tân Cương đặc biệt") < top.index("Trà búp Thái Nguyên") < top.index("Chè móc câu")
    conversion = page.split('vendor-conversion"', 1)[1].split("</table>", 1)[0]
    assert "37.5%" in conversion and "20.0%" in conversion and "—" in conversion
    alerts = page.split('class="vendor-stock-alerts"', 1)[1].split("</ul>", 1)[0]
    assert f'href="/p/{shop["b"].slug}"' in alerts and f'href="/p/{shop["c"].slug}"' in alerts
    assert alerts.index("Trà búp") < alerts.index("Chè móc câu") and "out of stock" in alerts
    assert "3 units left" in alerts and "Chè xanh" not in alerts and "Nước mắm" not in page
    assert 'href="/vendor/numbers.csv?period=week"' in page and 'href="/vendor/numbers?period=month"' in page

    by_day = client.get("/vendor/numbers?period=day&lang=en").get_data(as_text=True)
    assert by_day.count('<g class="bar-row">') == 60  # 30 days in each of the two charts
    by_month = client.get("/vendor/numbers?period=month&lang=en").get_data(as_text=True)
    assert "November 2026" in by_month and "December 2025" in by_month and "₫1,200,000" in by_month
    assert by_month.count('<g class="bar-row">') == 24


def test_numbers_page_in_vietnamese_by_default(client, shop):
    client.login_as(shop["owners"]["tea"])
    page = client.get("/vendor/numbers").get_data(as_text=True)
    assert '<html lang="vi">' in page and "900.000\xa0₫" in page


def test_csv_export_parses_into_sections(client, shop):
    client.login_as(shop["owners"]["tea"])
    response = client.get("/vendor/numbers.csv?period=month")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="numbers-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    sections, current = {}, None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = row[0]
            sections[current] = []
        else:
            sections[current].append(row)
    assert sections["Scope"] == [["entity", "period", "start", "end"],
                                 ["HTX Chè Tân Cương", "month", "2025-12-01", "2026-11-23"]]
    series = sections["Placed, paid and delivered"]
    assert series[0] == ["period_start", "placed", "placed_vnd", "paid", "paid_vnd", "delivered", "delivered_vnd"]
    assert len(series) == 13 and series[1] == ["2025-12-01", "1", "100000", "1", "100000", "1", "100000"]
    assert series[-1] == ["2026-11-01", "4", "1200000", "2", "500000", "1", "100000"]
    assert series[5] == ["2026-04-01", "0", "0", "0", "0", "0", "0"]
    assert sections["Top products"][1:] == [["Chè Tân Cương đặc biệt", "4", "800000"],
                                            ["Trà búp Thái Nguyên", "4", "400000"], ["Chè móc câu", "6", "300000"]]
    assert sections["Views and conversion"][1:] == [  # the 100 views of 1 Sep fall within the 12 months
        ["Trà búp Thái Nguyên", "110", "2", "4", "0.0182"], ["Chè Tân Cương đặc biệt", "5", "3", "4", "0.6"],
        ["Chè móc câu", "0", "2", "6", ""], ["Chè xanh chưa đăng bán", "0", "0", "0", ""]]
    assert sections["Stock alerts"][1:] == [["Trà búp Thái Nguyên", "0"], ["Chè móc câu", "3"]]


def test_other_entity_sees_only_its_own_numbers(client, shop):
    client.login_as(shop["owners"]["sauce"])
    page = client.get("/vendor/numbers?period=day&lang=en").get_data(as_text=True)
    assert "Nước mắm Nam Ô 40 độ đạm" in page and "₫90,000" in page
    assert "Chè" not in page and "Trà búp" not in page and "₫900,000" not in page
    body = client.get("/vendor/numbers.csv").get_data(as_text=True)
    assert "Nước mắm Nam Ô" in body and "Chè" not in body


def test_access_customer_403_anonymous_redirected_vendor_without_entity_404(client, shop):
    response = client.get("/vendor/numbers")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    assert client.get("/vendor/numbers.csv").status_code == 302
    client.login_as(shop["customer"])
    assert client.get("/vendor/numbers").status_code == 403
    assert client.get("/vendor/numbers.csv").status_code == 403
    from marketplace.accounts.models import VendorMembership

    orphan = make_user("vendor")
    db.session.execute(VendorMembership.__table__.delete().where(VendorMembership.user_id == orphan.id))
    db.session.commit()
    client.login_as(orphan)
    assert client.get("/vendor/numbers").status_code == 404


def test_placed_paid_and_delivered_are_kept_apart(shop):
    """An unpaid cash-on-delivery order is placed, not paid; a card order is paid before it is delivered."""
    tea, a = shop["tea"], shop["a"]
    order(vn(date(2026, 11, 23), 9), [(tea, [(a, 200000, 1)])], "processing", method="card")
    order(vn(date(2026, 11, 23), 10), [(tea, [(a, 200000, 3)])], "pending_payment", method="bank_transfer")
    order(vn(date(2026, 11, 23), 11), [(tea, [(a, 200000, 2)])], "refunded", method="card")
    db.session.commit()
    today = date(2026, 11, 23)
    (first, total), = stats.sales_series(tea.id, today, today, "day")
    # Placed: 1 (paid, COD) 400.000 + 2 (COD, preparing) 500.000 + card 200.000 + transfer not yet paid 600.000.
    assert total == {"placed": 4, "placed_vnd": 1700000, "paid": 2, "paid_vnd": 600000,
                     "delivered": 0, "delivered_vnd": 0}
    start, end = stats.period_window("week", today)
    assert stats.series_totals(stats.sales_series(tea.id, start, end, "week")) == {
        "placed": 7, "placed_vnd": 2200000, "paid": 4, "paid_vnd": 900000, "delivered": 2, "delivered_vnd": 300000}


def test_numbers_page_shows_placed_paid_and_delivered_and_whole_chart_values(client, shop):
    client.login_as(shop["owners"]["tea"])
    page = client.get("/vendor/numbers?period=month&lang=en").get_data(as_text=True)
    totals = page.split('class="vendor-totals"', 1)[1].split("</ul>", 1)[0]
    placed, paid, delivered = totals.split("<li")[1:]
    assert "₫1,500,000" in placed and "6 orders" in placed
    assert "₫800,000" in paid and "4 orders" in paid  # orders 2 and 3: cash on delivery, not collected yet
    assert "₫400,000" in delivered and "3 orders" in delivered
    revenue = page.split('class="bar-chart vendor-revenue"', 1)[1].split("</svg>", 1)[0]
    width = int(revenue.split('width="', 1)[1].split('"', 1)[0])
    for bar in revenue.split('<g class="bar-row">')[1:]:
        x = float(bar.split('class="bar-value" x="', 1)[1].split('"', 1)[0])
        text = bar.split('font-weight="600" fill="#1c1917">', 1)[1].split("<", 1)[0]
        assert x + len(text) * 8.4 <= width, text  # the value is drawn whole, not cut at the chart's edge
