"""A real S3 protocol server for tests: moto's standalone server on a free loopback port.

The application reaches it through boto3 over HTTP exactly as it would reach AWS S3 or MinIO (signed requests,
XML answers, presigned URLs checked by the server), so nothing of ``core/s3_client.py`` is replaced. MinIO cannot
be installed here; moto's server (``moto[s3]`` and flask-cors, in requirements-dev.txt) can.

Run one by hand for development with ``python -m moto.server -H 127.0.0.1 -p 5050`` and set
``MEDIA_STORAGE=s3 S3_ENDPOINT_URL=http://127.0.0.1:5050 S3_BUCKET=photos AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test`` (create the bucket first, e.g. with ``S3Server.create_bucket``'s call).
"""

import json
import secrets
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

#: Any keys work with moto; the app signs with them and the server checks the signatures' shape.
ACCESS_KEY_ID = "test-access-key"
SECRET_ACCESS_KEY = "test-secret-key"
REGION = "us-east-1"


class S3Server:
    """A running moto server: its ``endpoint``, a boto3 ``client`` for the test's own checks, fresh buckets."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                                   aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)

    def create_bucket(self, public=False):
        """A new empty bucket with a random name; ``public`` lets anyone GET its objects (a bucket policy)."""
        name = f"photos-{secrets.token_hex(6)}"
        self.client.create_bucket(Bucket=name)
        if public:
            statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": f"arn:aws:s3:::{name}/*"}
            self.client.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17",
                                                                          "Statement": [statement]}))
        return name

    def keys(self, bucket):
        """The keys stored in ``bucket``, sorted."""
        listed = self.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def settings(self, bucket):
        """The application settings that store media in ``bucket`` on this server."""
        return {"MEDIA_STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": self.endpoint, "S3_REGION": REGION,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}


@contextmanager
def serve():
    """Start moto's server on a free port of 127.0.0.1 for the block; yields an ``S3Server``."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
