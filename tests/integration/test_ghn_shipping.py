"""Shipping through GHN against its fake over real HTTP: fees by weight and destination, the rate table without a
carrier, the free-shipping threshold, the carrier's order at shipping time (COD = the part's total for cash on
delivery, 0 otherwise) and its label, callbacks (secret refused, replayed, out of order, delivered, returned), the
cash on delivery transferred (paid once), the list of cash not transferred and the reconciliation that catches up."""

import json
import threading
from datetime import date, time, timedelta

import pytest
import requests
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.payments.models import Payment, PaymentEvent
from marketplace.shipping import ghn_client, wards
from marketplace.shipping.models import CarrierEvent, Shipment, ShippingProfile, ShippingRate
from marketplace.shipping.quotes import Destination, Part, quote_parts
from marketplace.shipping.wards import mapping
from marketplace.shop.cart import services as cart_services
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_ghn import PRINT_PATH, SECRET, WEBHOOK_HEADER, ghn_on

TODAY = date(2026, 11, 23)
CHECKOUT = {"name": "Trần Thị Mai", "email": "mai@test.example", "phone": "0912345678", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "5 Hàng Trống"}


@pytest.fixture
def ghn(app, client):
    """A fake GHN on a loopback port; its callbacks reach the app through the test client."""
    with ghn_on(app, client) as fake:
        yield fake


@pytest.fixture
def shop(frozen_clock):
    """A producer in Phường Ba Đình (Hà Nội) picking up at its shipping address; tea of 1.200 g packed; a buyer."""
    entity = make_entity("HTX Chè Ba Đình", province_code="01")
    db.session.add(ShippingProfile(entity_id=entity.id, ward_code="00004", address="12 Phan Đình Phùng",
                                   phone="0987654321"))
    tea = make_listed("Chè Shan tuyết", price_vnd=200000, stock=9, entity=entity)
    listing = db.session.scalar(select(Listing).where(Listing.product_id == tea.id))
    listing.weight_g = 1200
    vendor = make_user("vendor", email="htx@badinh.example", entity=entity)
    buyer = make_user("customer", email="mai@test.example")
    db.session.commit()
    return {"entity": entity, "listing": listing, "vendor": vendor, "buyer": buyer}


def basket(client, shop, quantity=1):
    client.login_as(shop["buyer"])
    client.post_form("/cart/add", {"listing_id": shop["listing"].id, "quantity": quantity})


def quoted(client, province, ward):
    answer = client.get("/checkout/quote", query_string={"province": province, "ward": ward}).get_json()
    return answer["parts"][0]


def place(client, shop, method="cod", quantity=1, **fields):
    if quantity:
        basket(client, shop, quantity)
    response = client.post_form("/checkout", {**CHECKOUT, "payment_method": method, **fields})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    return order, db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))


def hand_over(client, shop, part, **fields):
    client.login_as(shop["vendor"])
    response = client.post_form(f"/vendor/orders/{part.id}/ship", {"via": "carrier", **fields})
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.scalar(select(Shipment).where(Shipment.vendor_order_id == part.id))


def test_the_carrier_prices_each_part_by_weight_and_destination(client, ghn, shop):
    basket(client, shop)
    # Same district (Ba Đình → Ngọc Hà), same province (→ Hoàn Kiếm), another province (→ Sài Gòn): 1.200 g is the
    # first 500 g and two more.
    assert quoted(client, "01", "Phường Ngọc Hà")["fee"] == 15000 + 2 * 2500
    assert quoted(client, "01", "Phường Hoàn Kiếm")["fee"] == 20000 + 2 * 2500
    third = quoted(client, "79", "Phường Sài Gòn")
    assert (third["fee"], third["by"], third["free"]) == (42000, "ghn", False)
    client.post_form("/cart/add", {"listing_id": shop["listing"].id, "quantity": 1})  # 2.400 g now
    assert quoted(client, "01", "Phường Hoàn Kiếm")["fee"] == 20000 + 4 * 2500
    path, body, headers = [call for call in ghn.requests if call[0] == "/v2/shipping-order/fee"][-1]
    assert (body["weight"], body["from_ward_code"], body["to_ward_code"]) == (2400, "SIM00004", "SIM00070")
    assert headers["Token"] and headers["Shopid"] == "885"


def test_checkout_charges_the_quote_and_promises_the_carriers_day(client, ghn, shop):
    order, part = place(client, shop)
    shipment = db.session.scalar(select(Shipment).where(Shipment.vendor_order_id == part.id))
    assert (part.shipping_vnd, order.total_vnd) == (25000, 225000)
    assert (shipment.quoted_by, shipment.quoted_vnd, shipment.expected_on) == ("ghn", 25000, TODAY + timedelta(2))
    page = client.get(f"/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert "arrives by November 25, 2026" in page


def test_a_total_the_page_did_not_show_is_not_charged(client, ghn, shop):
    basket(client, shop)
    page = client.post_form("/checkout", {**CHECKOUT, "payment_method": "cod", "quoted": "30000"})
    assert page.status_code == 200 and db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert 'name="quoted" type="hidden" value="25000"' in page.get_data(as_text=True)
    assert client.post_form("/checkout", {**CHECKOUT, "payment_method": "cod", "quoted": "25000"}).status_code == 302


def test_without_a_carrier_the_rate_table_prices_and_promises(app, shop):
    entity = shop["entity"]
    other = make_entity("HTX Nước mắm", province_code="48")
    db.session.add_all([ShippingRate(entity_id=entity.id, province_code=None, fee_vnd=28000),
                        ShippingRate(entity_id=entity.id, province_code="79", fee_vnd=45000)])
    db.session.flush()
    items = ((shop["listing"], None, 1),)
    parts = [Part(entity, 200000, items), Part(other, 100000, items)]
    with app.test_request_context():
        near = quote_parts(parts, Destination("01", "00070"), TODAY)
        far = quote_parts(parts, Destination("79", "26740"), TODAY)
    assert near[entity.id] == near[entity.id].__class__(28000, 28000, TODAY + timedelta(2), "table", False)
    assert (far[entity.id].fee_vnd, far[entity.id].expected_on) == (45000, TODAY + timedelta(5))
    assert (near[other.id].fee_vnd, near[other.id].source) == (30000, "table")  # SHIPPING_DEFAULT_VND


def test_a_ward_the_carrier_does_not_know_is_priced_by_the_table(app, ghn, shop):
    with app.test_request_context():
        quote = quote_parts([Part(shop["entity"], 200000, ((shop["listing"], None, 1),))],
                            Destination("01", "00340"), TODAY)[shop["entity"].id]  # a ward without GHN code
    assert (quote.source, quote.fee_vnd) == ("table", 30000)


def test_a_simulated_mapping_is_never_used_with_ghn_itself(app):
    """The shipped mapping was built against the simulation: GHN's own servers never get its made-up codes."""
    app.config.update(GHN_TOKEN="t", GHN_SHOP_ID="1", GHN_API_URL="https://online-gateway.ghn.vn/shiip/public-api",
                      GHN_WEBHOOK_SECRET="s")
    try:
        with app.test_request_context():
            settings = ghn_client.settings()
            assert ghn_client.talks_to_ghn(settings)
            assert wards.place("00004", settings) is None
    finally:
        app.config.update(GHN_TOKEN=None, GHN_SHOP_ID=None, GHN_API_URL=None, GHN_WEBHOOK_SECRET=None)


def test_a_producer_ships_free_from_its_threshold(client, ghn, shop):
    db.session.get(ShippingProfile, shop["entity"].id).free_over_vnd = 300000
    db.session.commit()
    basket(client, shop)
    assert quoted(client, "01", "Phường Hoàn Kiếm")["fee"] == 25000
    client.post_form("/cart/add", {"listing_id": shop["listing"].id, "quantity": 1})
    second = quoted(client, "01", "Phường Hoàn Kiếm")
    assert (second["fee"], second["free"]) == (0, True)
    order, part = place(client, shop, quantity=0)
    shipment = db.session.scalar(select(Shipment).where(Shipment.vendor_order_id == part.id))
    assert (order.total_vnd, part.shipping_vnd, shipment.quoted_vnd) == (400000, 0, 30000)


def test_handing_over_a_cash_on_delivery_part_asks_the_carrier_to_collect_its_total(client, ghn, shop):
    order, part = place(client, shop)
    shipment = hand_over(client, shop, part)
    part = db.session.get(VendorOrder, part.id)
    sent = ghn.orders[shipment.carrier_order_code]
    assert (part.status, part.carrier, part.tracking_number) == ("shipped", "GHN", shipment.carrier_order_code)
    assert sent["cod_amount"] == shipment.cod_vnd == 225000  # goods and shipping
    assert (sent["client_order_code"], sent["weight"]) == (f"{order.reference}-{part.id}", 1200)
    create = [body for path, body, _headers in ghn.requests if path == "/v2/shipping-order/create"][0]
    assert (create["to_ward_code"], create["from_ward_code"], create["payment_type_id"]) == ("SIM00070", "SIM00004", 1)
    label = client.get(f"/vendor/orders/{part.id}/label")
    assert label.headers["Location"].startswith(f"{ghn.base_url}{PRINT_PATH}?token=")
    sheet = requests.get(label.headers["Location"], timeout=5).text
    assert shipment.carrier_order_code in sheet and "SIMULATION" in sheet and "225,000" in sheet


def test_a_part_paid_online_is_handed_over_with_nothing_to_collect(app, client, ghn, shop):
    contact = orders.Contact("Trần Thị Mai", "mai@test.example", "0912345678", "01", "Phường Hoàn Kiếm",
                             "5 Hàng Trống", ward_code="00070")
    basket(client, shop)
    mine = cart_services.find_cart(shop["buyer"], {})
    with app.test_request_context():
        order = orders.place_order(shop["buyer"], mine, cart_services.view(mine, TODAY, "01", "00070"), contact,
                                   "card", TODAY)
    orders.mark_paid(order, "stripe")
    db.session.commit()
    part = db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))
    client.login_as(shop["vendor"])
    client.post_form(f"/vendor/orders/{part.id}/confirm")
    shipment = hand_over(client, shop, part, weight_g="900")
    assert ghn.orders[shipment.carrier_order_code]["cod_amount"] == shipment.cod_vnd == 0
    assert ghn.orders[shipment.carrier_order_code]["weight"] == 900  # as the producer weighed it


def test_a_callback_without_our_secret_or_for_another_shop_changes_nothing(client, ghn, shop):
    _order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    payload = ghn.callback(code, "delivered")
    assert client.post("/webhooks/ghn", json=payload).status_code == 401
    assert client.post("/webhooks/ghn", json=payload, headers={WEBHOOK_HEADER: "guess"}).status_code == 401
    other_shop = {**payload, "ShopID": 999}
    assert client.post("/webhooks/ghn", json=other_shop, headers={WEBHOOK_HEADER: SECRET}).status_code == 401
    assert ghn.send(payload, secret="wrong")[0] == 401
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == "shipped"
    assert db.session.scalar(select(func.count()).select_from(CarrierEvent)) == 0


def test_callbacks_replayed_and_out_of_order_are_applied_once(client, ghn, shop, frozen_clock):
    order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    frozen_clock.set(TODAY, time(9, 0))
    picked = ghn.callback(code, "picked")
    frozen_clock.set(TODAY + timedelta(1), time(15, 30))
    delivered = ghn.callback(code, "delivered")
    assert ghn.send(delivered) == (200, {"outcome": "delivered"})  # the last news first
    assert ghn.send(delivered) == (200, {"outcome": "duplicate"})
    assert ghn.send(picked) == (200, {"outcome": "noted"})  # late, still dated
    assert ghn.send(ghn.callback(code, "returned"))[1] == {"outcome": "ignored: the part is delivered"}
    db.session.expire_all()
    shipment = db.session.scalar(select(Shipment).where(Shipment.carrier_order_code == code))
    assert (db.session.get(VendorOrder, part.id).status, db.session.get(Order, order.id).status) == (
        "delivered", "delivered")
    assert shipment.carrier_status == "returned"  # the carrier's latest word, kept as said
    assert shipment.picked_up_at is not None and shipment.delivered_at is not None
    assert db.session.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.vendor_order_id == part.id, OrderEvent.to_status == "delivered")) == 1
    assert db.session.scalar(select(func.count()).select_from(CarrierEvent)) == 3


def test_delivered_reaches_the_buyers_timeline(client, ghn, shop):
    order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    for status in ("picked", "transporting", "delivering"):
        assert ghn.push(code, status)[0] == 200
    client.login_as(shop["buyer"])
    page = client.get(f"/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert page.count('class="step done"') == 5 and "On its way" in page  # placed … in transit, not delivered
    client.login_as(shop["vendor"])
    refused = client.post_form(f"/vendor/orders/{part.id}/deliver")  # the carrier says when, not the producer
    assert refused.status_code == 302 and db.session.get(VendorOrder, part.id).status == "shipped"
    assert ghn.push(code, "delivered") == (200, {"outcome": "delivered"})
    client.login_as(shop["buyer"])
    page = client.get(f"/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert page.count('class="step done"') == 6 and "Picked up by the carrier" in page
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "delivered"


def test_a_returned_parcel_ends_its_part_and_order_and_a_paid_one_is_refunded(client, ghn, shop):
    order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    stock = db.session.get(Listing, shop["listing"].id).stock
    for status in ("picked", "delivery_fail", "returning", "returned"):
        assert ghn.push(code, status)[0] == 200
    db.session.expire_all()
    part = db.session.get(VendorOrder, part.id)
    assert (part.status, db.session.get(Order, order.id).status, part.seen_at) == ("returned", "returned", None)
    assert db.session.get(Listing, shop["listing"].id).stock == stock  # the producer checks the goods first
    client.login_as(shop["buyer"])
    assert "brought it back to the producer" in client.get(f"/orders/{order.reference}?lang=en").get_data(
        as_text=True)
    client.login_as(shop["vendor"])
    dashboard = client.get("/vendor/?lang=en").get_data(as_text=True)
    assert "The carrier brought this parcel back" in dashboard and "Refund the buyer</button>" not in dashboard


def test_the_cash_transferred_marks_the_part_paid_once(client, ghn, shop, frozen_clock):
    order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    ghn.push(code, "delivered")
    assert ghn.remit(code) == (200, {"outcome": "already delivered; cod remitted"})
    replay = ghn.callbacks[-1][0]
    assert ghn.send(replay) == (200, {"outcome": "duplicate"})
    frozen_clock.set(TODAY + timedelta(1))
    assert ghn.remit(code)[1] == {"outcome": "already delivered; cod already succeeded"}  # another transfer notice
    payment = db.session.scalar(select(Payment))
    assert (payment.method, payment.status, payment.amount_vnd, payment.order_id) == ("cod", "succeeded", 225000,
                                                                                    order.id)
    events = db.session.execute(select(PaymentEvent.from_status, PaymentEvent.to_status, PaymentEvent.actor)).all()
    assert events == [("pending", "succeeded", "ghn")]
    client.login_as(shop["vendor"])
    assert "transferred by the carrier" in client.get("/vendor/?lang=en").get_data(as_text=True)


def test_finance_staff_see_cash_not_transferred_by_age_and_reconcile_it(client, ghn, shop, frozen_clock):
    order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    ghn.push(code, "delivered")
    frozen_clock.set(TODAY + timedelta(9))
    admin = make_user("admin")
    db.session.commit()
    client.login_as(admin)
    page = client.get("/admin/cod?lang=en").get_data(as_text=True)
    assert order.reference in page and "225,000" in page and "<td>9 · <strong>late</strong></td>" in page
    ghn.orders[code]["cod_transfer_date"] = "2026-12-01T03:00:00.000Z"  # GHN transferred; its callback was lost
    assert client.post_form("/admin/cod/reconcile").status_code == 302
    assert db.session.scalar(select(Payment.status)) == "succeeded"
    page = client.get("/admin/cod?lang=en").get_data(as_text=True)
    assert order.reference not in page and "Every delivered parcel's cash has been transferred." in page


def test_a_transfer_of_another_amount_stays_on_the_list(client, ghn, shop):
    order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    ghn.push(code, "delivered")
    wrong = {**ghn.callback(code, kind="cod", transferred="2026-11-25T03:00:00.000Z"), "CODAmount": 200000}
    assert ghn.send(wrong)[1] == {"outcome": "already delivered; cod amount mismatch"}
    assert db.session.scalar(select(Payment.status)) == "amount_mismatch"
    client.login_as(make_user("admin"))
    page = client.get("/admin/cod?lang=en").get_data(as_text=True)
    assert order.reference in page and "The carrier transferred ₫200,000: not the amount collected" in page


def test_a_missed_delivery_callback_is_caught_up_by_reconciliation(client, ghn, shop, runner):
    order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    ghn.orders[code]["status"] = "delivered"  # no callback reached us
    result = runner.invoke(args=["shipping", "reconcile"])
    assert f"{code}: delivered" in result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "delivered"


def test_the_ward_mapping_is_rebuilt_from_the_carriers_master_data(app, ghn, runner, tmp_path):
    output = tmp_path / "ghn_wards.json"
    result = runner.invoke(args=["shipping", "ghn-wards", "--output", str(output)])
    assert "3315 wards mapped from simulation, 6 unmatched" in result.output, result.output
    built = json.loads(output.read_text(encoding="utf-8"))
    assert built["wards"] == mapping()["wards"] and built["unmatched"] == mapping()["unmatched"]


def test_callbacks_arriving_together_apply_once(app, client, ghn, shop):
    """Two copies of "delivered" and the cash transfer at the same moment: one delivery, one payment (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises writers); make test runs both")
    _order, part = place(client, shop)
    code = hand_over(client, shop, part).carrier_order_code
    delivered = ghn.callback(code, "delivered")
    transfer = ghn.callback(code, kind="cod", transferred="2026-11-25T03:00:00.000Z")
    payloads = [delivered, delivered, transfer]
    db.session.commit()
    barrier, answers = threading.Barrier(len(payloads)), [None] * len(payloads)

    def send(index):
        with app.app_context():
            barrier.wait(timeout=30)
            response = app.test_client().post("/webhooks/ghn", json=payloads[index], headers={WEBHOOK_HEADER: SECRET})
            answers[index] = response.status_code
            db.session.remove()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(answers) <= {200, 503}, answers  # a loser is told to come again, never a 500
    for index, status in enumerate(answers):  # GHN sends again what was answered 503
        if status == 503:
            again = client.post("/webhooks/ghn", json=payloads[index], headers={WEBHOOK_HEADER: SECRET})
            assert again.status_code == 200
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == "delivered"
    assert db.session.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.vendor_order_id == part.id, OrderEvent.to_status == "delivered")) == 1
    assert db.session.execute(select(Payment.method, Payment.status)).all() == [("cod", "succeeded")]
