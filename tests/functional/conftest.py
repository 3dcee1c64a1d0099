import pytest

from marketplace.extensions import db
from tests.factories import make_certificate, make_entity, make_listed, make_listing, make_product


@pytest.fixture
def catalogue(frozen_clock):
    """A small storefront: listed products in several provinces, groups and star levels, plus hidden ones."""
    hao_dat = make_entity("HTX Chè Hảo Đạt", province_code="19")
    khai_hoan = make_entity("CTCP TM Khải Hoàn", entity_type="enterprise", province_code="91")
    products = {
        "che": make_listed("Chè Đinh Tân Cương", stars=5, price_vnd=350000, entity=hao_dat, criteria_set_code="11"),
        "tra": make_listed("Trà tôm nõn hương quê", stars=4, price_vnd=220000, entity=hao_dat, criteria_set_code="11"),
        "mam": make_listed("Nước mắm Phú Quốc 40 độ đạm", stars=4, price_vnd=120000, entity=khai_hoan,
                           criteria_set_code="09"),
        "tieu": make_listed("Tiêu sọ Phú Quốc", stars=3, price_vnd=90000, stock=0, entity=khai_hoan,
                            criteria_set_code="10"),
        "gom": make_listed("Bình gốm men lam Bát Tràng", stars=3, price_vnd=1500000, criteria_set_code="21",
                           entity=make_entity("HTX Gốm sứ Bát Tràng", province_code="01")),
    }
    expired = make_product("Mắm tôm hết hạn", entity=khai_hoan, criteria_set_code="09")
    make_certificate(expired, valid_from=__import__("datetime").date(2022, 1, 1))
    make_listing(expired)
    products["expired"] = expired
    db.session.commit()
    return products
