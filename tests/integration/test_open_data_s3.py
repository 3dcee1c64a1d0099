"""With MEDIA_STORAGE=s3 the open-data downloads live in the bucket (moto's server, real HTTP), rewritten nightly."""

import csv
import io
import json
from datetime import date

from marketplace.core import jobs, s3_client
from marketplace.extensions import db
from tests.factories import make_listed
from tests.integration.test_storage_s3 import bucket, s3, s3_settings  # noqa: F401  (fixtures)


def test_downloads_are_written_to_and_served_from_the_bucket(client, frozen_clock, s3_settings, tmp_path, app):  # noqa: F811
    app.config["OPEN_DATA_DIR"] = str(tmp_path / "open-data")
    product = make_listed("Chè trong thùng")
    db.session.commit()
    response = client.get("/open-data/certificates.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["product_name"] for row in rows] == [product.name] and rows[0]["status"] == "valid"
    stored = json.loads(s3_client.get_object("open-data/certificates.json"))
    assert stored["items"][0]["status"] == "valid" and stored["licence"]["id"] == "CC-BY-4.0"
    assert not (tmp_path / "open-data").exists()
    frozen_clock.set(date(2040, 1, 1))
    jobs.run("opendata.export", {})
    assert json.loads(s3_client.get_object("open-data/certificates.json"))["items"][0]["status"] == "expired"
    assert "expired" in client.get("/open-data/certificates.csv").get_data(as_text=True)
