"""Vendors say where else they sell; buyers see it as "also available at"; the programme counts it."""

from sqlalchemy import func, select

from marketplace.channels.models import EntityChannel, ProductChannel, SalesChannel
from marketplace.extensions import db
from tests.factories import make_entity, make_listed, make_user


def catalogue():
    """Two channels of the catalogue the migration seeds."""
    tiki = SalesChannel(name="Tiki", kind="ecommerce")
    winmart = SalesChannel(name="WinMart", kind="supermarket")
    db.session.add_all([tiki, winmart])
    db.session.flush()
    return tiki, winmart


def links():
    return (db.session.scalar(select(func.count()).select_from(EntityChannel)),
            db.session.scalar(select(func.count()).select_from(ProductChannel)))


def test_product_channel_shows_on_the_product_page_and_api(client, frozen_clock):
    tiki, winmart = catalogue()
    entity = make_entity("HTX Chè Tân Cương")
    product = make_listed("Chè Tân Cương", stars=4, entity=entity)
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    url = "https://tiki.vn/che-tan-cuong-p123.html"
    assert client.post_form("/vendor/channels", {"channel_id": tiki.id, "product_id": product.id,
                                                 "url": url}).status_code == 302
    client.post_form("/vendor/channels", {"channel_id": winmart.id, "product_id": "", "url": ""})
    assert links() == (2, 1)  # the product's channel also counts for the entity (programme statistics)
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f'href="{url}"' in page and "Cũng có bán tại" in page
    assert "WinMart" not in page  # an entity channel is not claimed for every product
    detail = client.get(f"/api/v1/products/{product.id}").get_json()
    assert detail["also_available_at"] == [{"name": "Tiki", "kind": "ecommerce", "url": url}]
    assert "Tiki ·" in client.get("/vendor/channels").get_data(as_text=True)


def test_bad_links_are_refused_and_nothing_is_written(client, frozen_clock):
    tiki, _ = catalogue()
    entity = make_entity("HTX Mật ong")
    product = make_listed("Mật ong bạc hà", entity=entity)
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    for bad in ("javascript:alert(1)", "tiki.vn/x", "ftp://tiki.vn/x"):
        response = client.post_form("/vendor/channels", {"channel_id": tiki.id, "product_id": product.id,
                                                         "url": bad}, follow_redirects=True)
        assert "https://" in response.get_data(as_text=True)
    assert links() == (0, 0)


def test_channels_are_scoped_to_the_members_entity(client, frozen_clock):
    tiki, winmart = catalogue()
    my_entity, their_entity = make_entity("HTX Cà phê"), make_entity("HTX Nước mắm")
    mine = make_listed("Cà phê Arabica", entity=my_entity)
    theirs = make_listed("Nước mắm Phú Quốc", entity=their_entity)
    their_owner = make_user("vendor", entity=their_entity)
    me = make_user("vendor", entity=my_entity)
    db.session.commit()
    client.login_as(their_owner)
    client.post_form("/vendor/channels", {"channel_id": tiki.id, "product_id": theirs.id, "url": ""})
    their_entity_link = db.session.scalar(select(EntityChannel))
    their_product_link = db.session.scalar(select(ProductChannel))
    client.login_as(me)
    assert client.post_form("/vendor/channels", {"channel_id": tiki.id, "product_id": theirs.id}).status_code == 404
    assert client.post_form(f"/vendor/channels/{their_entity_link.id}/remove").status_code == 404
    assert client.post_form(f"/vendor/products/{theirs.id}/channels/{their_product_link.id}/remove").status_code == 404
    assert client.post_form(f"/vendor/products/{mine.id}/channels/{their_product_link.id}/remove").status_code == 404
    assert links() == (1, 1)
    assert "Tiki ·" not in client.get("/vendor/channels").get_data(as_text=True)  # not among my channels


def test_removing_an_entity_channel_removes_its_product_links(client, frozen_clock):
    tiki, _ = catalogue()
    entity = make_entity("HTX Gạo")
    product = make_listed("Gạo ST25", entity=entity)
    owner = make_user("vendor", entity=entity)
    other = make_entity("HTX Khác")
    db.session.commit()
    client.login_as(owner)
    client.post_form("/vendor/channels", {"channel_id": tiki.id, "product_id": product.id, "url": ""})
    db.session.add(EntityChannel(entity_id=other.id, channel_id=tiki.id))
    db.session.commit()
    link = db.session.scalar(select(EntityChannel).where(EntityChannel.entity_id == product.entity_id))
    assert client.post_form(f"/vendor/channels/{link.id}/remove").status_code == 302
    assert links() == (1, 0)  # the other entity's channel stays
