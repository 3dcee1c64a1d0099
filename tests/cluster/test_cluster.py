"""Two app servers behind HAProxy share one truth: search, the certificate rule, photos, sessions, limits, jobs.

``deploy/cluster.py`` starts, on loopback, a fresh PostgreSQL, Redis, moto's S3 server, two gunicorn app servers in
production mode (``SEARCH_BACKEND=postgres``, ``JOB_QUEUE=procrastinate``, ``MEDIA_STORAGE=s3``), one job worker and
HAProxy checking ``/readyz``. Each test acts on server A and looks through server B (or through the proxy), over
real HTTP. Runs in the PostgreSQL pass of the suite (it needs Debian's PostgreSQL binaries, redis-server and
haproxy) and takes about a minute.
"""

import io
import os
import re
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from PIL import Image

from deploy import cluster as cluster_tool

pytestmark = [pytest.mark.cluster,
              pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="runs in the PostgreSQL pass")]

PASSWORD = "ocop-demo-2026"


@pytest.fixture(scope="module")
def cluster():
    """The running cluster (demo catalogue loaded), stopped and deleted after the module."""
    with cluster_tool.running(apps=2, workers=2) as running:
        yield running


class Visitor:
    """A browser-like HTTP client: keeps cookies (Secure ones too, on this plain-HTTP loopback) and CSRF tokens."""

    def __init__(self):
        self.http = requests.Session()

    def _keep_cookies(self):
        for cookie in self.http.cookies:
            cookie.secure = False

    def get(self, url, **kwargs):
        """GET ``url``."""
        answer = self.http.get(url, timeout=30, **kwargs)
        self._keep_cookies()
        return answer

    def post(self, url, data=None, files=None, token_from=None):
        """POST a form with the CSRF token of ``token_from`` (a page URL; default ``url`` itself)."""
        page = self.get(token_from or url).text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        answer = self.http.post(url, data={"csrf_token": token, **(data or {})}, files=files, timeout=30,
                                allow_redirects=False)
        self._keep_cookies()
        return answer

    def sign_in(self, base, email):
        """Sign in through ``base``."""
        answer = self.post(f"{base}/login", {"email": email, "password": PASSWORD})
        assert answer.status_code in (302, 303), answer.text[:500]
        return self


def a(cluster):
    """Server A's own address."""
    return cluster.apps[0].url


def b(cluster):
    """Server B's own address."""
    return cluster.apps[1].url


def vendor_product(visitor, base):
    """(product id, listing id, product JSON) of the demo vendor's first listed product."""
    page = visitor.get(f"{base}/vendor/").text
    for product_id, listing_id in re.findall(r'data-product="(\d+)">.*?/vendor/listings/(\d+)/images', page, re.S):
        detail = requests.get(f"{base}/api/v1/products/{product_id}", timeout=30)
        if detail.status_code == 200 and detail.json().get("sellable", True):
            return int(product_id), int(listing_id), detail.json()
    raise AssertionError("the demo vendor has no listed product")


def search_ids(base, text):
    """Ids the public API's search finds on ``base``."""
    answer = requests.get(f"{base}/api/v1/products", params={"q": text, "per_page": 100}, timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    return {item["id"] for item in answer.json()["items"]}


def test_a_listing_edited_through_a_is_found_through_b_at_once(cluster):
    """The vendor's new description is searchable on the other server on the very next request."""
    vendor = Visitor().sign_in(a(cluster), "vendor@ocop.example")
    product_id, _listing, detail = vendor_product(vendor, a(cluster))
    assert product_id not in search_ids(b(cluster), "xylocluster")
    form = f"{a(cluster)}/vendor/products/{product_id}/listing"
    page = vendor.get(form).text
    price = re.search(r'name="price_vnd"[^>]*value="([^"]*)"', page).group(1)
    stock = re.search(r'name="stock"[^>]*value="([^"]*)"', page).group(1)
    saved = vendor.post(form, {"price_vnd": price, "stock": stock, "unit": "hộp", "published": "y",
                               "description_vi": "Mẻ đặc biệt xylocluster", "description_en": ""})
    assert saved.status_code in (302, 303), saved.text[:800]
    assert product_id in search_ids(b(cluster), "xylocluster")
    assert detail["name"]


def test_a_certificate_revoked_through_a_disappears_from_b_at_once(cluster):
    """Storefront, search and /verify of server B show the revocation on the next request."""
    vendor = Visitor().sign_in(a(cluster), "vendor@ocop.example")
    product_id, _listing, detail = vendor_product(vendor, a(cluster))
    code = detail["certificate"]["code"]
    assert product_id in search_ids(b(cluster), detail["name"])
    officer = Visitor().sign_in(a(cluster), "officer@ocop.example")
    page = officer.get(f"{a(cluster)}/officer/products/{product_id}").text
    action = re.search(r'action="(/officer/certificates/\d+/revoke)"', page).group(1)
    ground = re.search(r'<select[^>]*name="ground"[^>]*>\s*<option[^>]*value="([^"]+)"', page).group(1)
    revoked = officer.post(f"{a(cluster)}{action}", {"ground": ground, "text": "Quyết định thu hồi số 1/QĐ",
                                                     "revoked_on": date.today().isoformat()},
                           token_from=f"{a(cluster)}/officer/products/{product_id}")
    assert revoked.status_code in (302, 303), revoked.text[:800]
    assert product_id not in search_ids(b(cluster), detail["name"])
    assert requests.get(f"{b(cluster)}/api/v1/certificates/{code}", timeout=30).json()["status"] == "revoked"
    product_page = requests.get(f"{b(cluster)}{detail['url']}", timeout=30)
    assert "revoked" in product_page.text.lower() or "thu hồi" in product_page.text.lower()
    assert requests.get(f"{b(cluster)}/api/v1/products/{product_id}", timeout=30).json()["sellable"] is False


def revoke_through_a(cluster, product_id):
    """An officer revokes the product's certificate through server A."""
    officer = Visitor().sign_in(a(cluster), "officer@ocop.example")
    page = officer.get(f"{a(cluster)}/officer/products/{product_id}").text
    action = re.search(r'action="(/officer/certificates/\d+/revoke)"', page).group(1)
    ground = re.search(r'<select[^>]*name="ground"[^>]*>\s*<option[^>]*value="([^"]+)"', page).group(1)
    return officer.post(f"{a(cluster)}{action}", {"ground": ground, "text": "Quyết định thu hồi số 2/QĐ",
                                                  "revoked_on": date.today().isoformat()},
                        token_from=f"{a(cluster)}/officer/products/{product_id}")


def test_pages_cached_on_b_forget_a_product_revoked_through_a_at_once(cluster):
    """B's page cache (in the shared Redis) is keyed by the catalogue generation A's commit moved on."""
    vendor = Visitor().sign_in(a(cluster), "vendor@ocop.example")
    product_id, _listing, detail = vendor_product(vendor, a(cluster))
    code = detail["certificate"]["code"]
    pages = {f"{b(cluster)}{detail['url']}": lambda answer: 'class="buy-form"' in answer.text,
             f"{b(cluster)}/search?q={detail['name']}": lambda answer: f'href="{detail["url"]}"' in answer.text,
             f"{b(cluster)}/verify/{code}": lambda answer: "status-valid" in answer.text,
             f"{b(cluster)}/api/v1/products/{product_id}": lambda answer: answer.json()["sellable"],
             f"{b(cluster)}/api/v1/certificates/{code}": lambda answer: answer.json()["status"] == "valid"}
    for url, offers in pages.items():
        requests.get(url, timeout=30)
        warm = requests.get(url, timeout=30)
        assert warm.headers.get("X-Page-Cache") == "hit", (url, warm.headers)
        assert offers(warm), url
    revoked = revoke_through_a(cluster, product_id)
    assert revoked.status_code in (302, 303), revoked.text[:800]
    for url, offers in pages.items():
        answer = requests.get(url, timeout=30)
        assert answer.status_code == 200 and not offers(answer), url


def test_a_photo_uploaded_through_a_is_served_by_b(cluster):
    """The photo goes to the bucket; once the worker has prepared it, B's product page links it and the link works."""
    vendor = Visitor().sign_in(a(cluster), "vendor@ocop.example")
    product_id, listing_id, detail = vendor_product(vendor, a(cluster))
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 60, 20)).save(picture, "PNG")
    uploaded = vendor.post(f"{a(cluster)}/vendor/listings/{listing_id}/images",
                           files={"photos": ("anh.png", picture.getvalue(), "image/png")},
                           token_from=f"{a(cluster)}/vendor/listings/{listing_id}/images")
    assert uploaded.status_code in (302, 303), uploaded.text[:800]
    for _ in range(100):  # the upload only checks the file: the worker's photos.process job makes the WebP
        page = requests.get(f"{b(cluster)}{detail['url']}", timeout=30).text
        sources = re.findall(r'<img[^>]+src="([^"]+)"', page)
        photos = [source.replace("&amp;", "&") for source in sources if cluster.extra["s3"] in source]
        if photos:
            break
        time.sleep(0.2)
    assert photos, sources
    image = requests.get(photos[0], timeout=30)
    assert image.status_code == 200
    assert image.content[:4] == b"RIFF" and image.content[8:12] == b"WEBP"


def test_a_sign_in_through_a_is_valid_on_b(cluster):
    """The session cookie signed by A opens the vendor area on B (one secret, sessions checked in the database)."""
    vendor = Visitor().sign_in(a(cluster), "vendor@ocop.example")
    answer = vendor.get(f"{b(cluster)}/vendor/", allow_redirects=False)
    assert answer.status_code == 200
    assert Visitor().get(f"{b(cluster)}/vendor/", allow_redirects=False).status_code in (302, 303)


def test_rate_limits_are_shared_by_the_servers(cluster):
    """Failed sign-ins counted on A and B together: the 11th in a minute is refused whichever server gets it."""
    statuses = []
    for attempt in range(11):
        base = a(cluster) if attempt % 2 == 0 else b(cluster)
        answer = Visitor().post(f"{base}/login", {"email": "nobody@ocop.example", "password": "wrong password"})
        statuses.append(answer.status_code)
    assert 429 not in statuses[:10], statuses
    assert statuses[10] == 429, statuses


def test_a_job_enqueued_on_a_runs_once_on_the_worker(cluster):
    """A password-reset mail requested through A is sent by the worker, exactly once."""
    outbox = Path(cluster.env["MAIL_OUTBOX"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    answer = Visitor().post(f"{a(cluster)}/password/forgot", {"email": "customer@ocop.example"})
    assert answer.status_code in (200, 302, 303)
    sent = set()
    for _ in range(100):
        sent = {path for path in (set(outbox.glob("*.eml")) - before) if "customer_at_ocop" in path.name}
        if sent:
            break
        time.sleep(0.2)
    assert len(sent) == 1
    time.sleep(2)
    assert len({path for path in (set(outbox.glob("*.eml")) - before) if "customer_at_ocop" in path.name}) == 1
    done = cluster.extra["database"].psql(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'send_mail' AND status = 'succeeded'")
    assert int(done) >= 1


def test_killing_an_app_server_mid_load_loses_no_request(cluster):
    """Readers through the proxy see only 200s while server B dies; every acknowledged write is kept."""
    stop, failures, reads = threading.Event(), [], []
    urls = [f"{cluster.url}/", f"{cluster.url}/search?q=che", f"{cluster.url}/api/v1/products?q=mat+ong"]

    def read():
        session = requests.Session()
        api_due = 0.0
        while not stop.is_set():
            for url in urls:
                if "/api/" in url:  # cached pages come fast: stay under the API's 300 requests a minute
                    if time.monotonic() < api_due:
                        continue
                    api_due = time.monotonic() + 0.5
                answer = session.get(url, timeout=30)
                reads.append(answer.status_code)
                if answer.status_code != 200:
                    failures.append((url, answer.status_code))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    time.sleep(2)
    cluster.apps[1].kill()
    time.sleep(4)
    stop.set()
    for reader in readers:
        reader.join(timeout=60)
    assert len(reads) > 50
    assert failures == []
