"""Media storage settings at start-up: production refuses a half-configured bucket; any environment a bad value."""

import pytest

from marketplace import create_app
from marketplace.config import ConfigError, TestingConfig
from marketplace.extensions import limiter
from tests.unit.test_config import production

S3 = {"MEDIA_STORAGE": "s3", "S3_BUCKET": "cho-ocop-photos", "S3_ENDPOINT_URL": "https://s3.example",
      "AWS_ACCESS_KEY_ID": "key-id", "AWS_SECRET_ACCESS_KEY": "secret"}


@pytest.fixture(autouse=True)
def _suite_limiter_restored(app):
    """Building an app rebinds the shared limiter to that app's storage: give it back to the suite's app."""
    yield
    limiter.init_app(app)


def test_production_starts_with_a_complete_bucket_setting_or_local_files(tmp_path):
    assert create_app(production(tmp_path, **S3)).config["S3_BUCKET"] == "cho-ocop-photos"
    keys_from_the_instance_role = {**S3, "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    assert create_app(production(tmp_path, **keys_from_the_instance_role)).config["MEDIA_STORAGE"] == "s3"
    assert create_app(production(tmp_path, MEDIA_STORAGE="local", S3_BUCKET=None)).config["MEDIA_STORAGE"] == "local"


@pytest.mark.parametrize(("missing", "named"), [
    ({"S3_BUCKET": None}, "S3_BUCKET"),
    ({"S3_BUCKET": ""}, "S3_BUCKET"),
    ({"AWS_SECRET_ACCESS_KEY": None}, "AWS_SECRET_ACCESS_KEY"),
    ({"AWS_ACCESS_KEY_ID": None}, "AWS_ACCESS_KEY_ID"),
])
def test_production_refuses_photos_in_s3_half_configured(tmp_path, missing, named):
    with pytest.raises(ConfigError) as refused:
        create_app(production(tmp_path, **{**S3, **missing}))

    assert str(refused.value) == (
        f"production refuses to start: missing required settings: {named} (MEDIA_STORAGE=s3 needs S3_BUCKET, "
        "and AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY (or neither))")


@pytest.mark.parametrize("value", ["S3", "minio", ""])
def test_an_unknown_storage_is_refused_in_every_environment(tmp_path, value):
    with pytest.raises(ConfigError, match="MEDIA_STORAGE must be one of local, s3"):
        create_app(production(tmp_path, MEDIA_STORAGE=value))
    with pytest.raises(ConfigError, match="MEDIA_STORAGE must be one of local, s3"):
        create_app(type("Config", (TestingConfig,), {"MEDIA_STORAGE": value}))
