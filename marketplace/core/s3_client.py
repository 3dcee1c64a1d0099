"""The only module that imports ``boto3``: one function per S3 call on the configured bucket.

Any S3-compatible service works (AWS S3, MinIO, Ceph, R2, Spaces…): the address is ``S3_ENDPOINT_URL`` (AWS's own
when empty), the bucket ``S3_BUCKET``, the keys ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (boto3's own chain
of environment, profile and instance role when empty). Calls have explicit timeouts and a few retries; every boto3
or botocore failure is raised as ``S3Error``, so callers never see boto3's exceptions.
"""

import threading

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

CONNECT_TIMEOUT_SECONDS = 5  #: seconds to open a connection to the storage service
READ_TIMEOUT_SECONDS = 20  #: seconds to wait for an answer (a photo is at most a few hundred kB)
MAX_ATTEMPTS = 3  #: attempts per call (botocore's "standard" retries: connection errors, 5xx, throttling)
#: The longest a SigV4 presigned URL may live (7 days).
MAX_URL_SECONDS = 7 * 24 * 3600
#: Settings that choose the client; a change of any of them builds a new one.
CLIENT_SETTINGS = ("S3_ENDPOINT_URL", "S3_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ADDRESSING_STYLE")

_clients = {}
_clients_lock = threading.Lock()


class S3Error(RuntimeError):
    """A call to the storage service failed (unreachable, refused, missing bucket…): a short English message."""


def _client():
    """The boto3 S3 client for the configured settings, built once per combination (boto3 clients are thread-safe)."""
    settings = tuple(current_app.config.get(name) or None for name in CLIENT_SETTINGS)
    with _clients_lock:
        client = _clients.get(settings)
        if client is None:
            endpoint, region, key_id, secret, addressing = settings
            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint, region_name=region or "us-east-1",
                aws_access_key_id=key_id, aws_secret_access_key=secret,
                config=BotoConfig(signature_version="s3v4", connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                  read_timeout=READ_TIMEOUT_SECONDS,
                                  retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                                  s3={"addressing_style": addressing or "auto"}))
            _clients[settings] = client
    return client


def _bucket():
    return current_app.config.get("S3_BUCKET")


def _call(action, key, method, **params):
    """Run one S3 call on the bucket; ``S3Error`` naming the action and key on any failure."""
    try:
        return method(Bucket=_bucket(), Key=key, **params)
    except (BotoCoreError, ClientError) as error:
        raise S3Error(f"S3 {action} of {key!r} in bucket {_bucket()!r} failed: {error}") from error


def put_object(key, data, content_type, cache_control):
    """Store ``data`` under ``key`` with its ``Content-Type`` and ``Cache-Control`` (served as set here)."""
    _call("put", key, _client().put_object, Body=data, ContentType=content_type, CacheControl=cache_control)


def get_object(key):
    """The bytes stored under ``key``; None when there is no such key."""
    try:
        return _client().get_object(Bucket=_bucket(), Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise S3Error(f"S3 get of {key!r} in bucket {_bucket()!r} failed: {error}") from error
    except BotoCoreError as error:
        raise S3Error(f"S3 get of {key!r} in bucket {_bucket()!r} failed: {error}") from error


def delete_object(key):
    """Delete ``key`` (S3 answers success for a key already gone)."""
    _call("delete", key, _client().delete_object)


def presigned_url(key, seconds):
    """A URL anyone holding it may GET ``key`` with for ``seconds`` (at most 7 days); signed locally, no request."""
    try:
        return _client().generate_presigned_url("get_object", Params={"Bucket": _bucket(), "Key": key},
                                                ExpiresIn=min(int(seconds), MAX_URL_SECONDS))
    except (BotoCoreError, ClientError) as error:
        raise S3Error(f"S3 presigning of {key!r} failed: {error}") from error


def check_bucket():
    """None when the bucket answers a HEAD request, else why not (for readiness checks)."""
    try:
        _client().head_bucket(Bucket=_bucket())
    except (BotoCoreError, ClientError) as error:
        return f"bucket {_bucket()!r} does not answer ({type(error).__name__})"
    return None
