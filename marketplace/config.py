"""Configuration classes, driven by the environment (contract §6)."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot work."""


def host_list(value):
    """The host names of a comma-separated environment variable (``TRUSTED_HOSTS``), or None when empty."""
    hosts = [host.strip() for host in (value or "").split(",") if host.strip()]
    return hosts or None


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: A PostgreSQL streaming replica for browsing and search reads (core/replica.py); unset: the primary only.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL")
    #: Seconds an unreachable replica is left alone while the primary answers.
    REPLICA_RETRY_SECONDS = int(os.environ.get("REPLICA_RETRY_SECONDS") or 30)
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR")
    #: ``whoosh`` (an index folder on this machine) or ``postgres`` (documents in the PostgreSQL database, written in
    #: the transaction of each change: several app servers see one truth). See marketplace/search/postgres/.
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND") or "whoosh"
    REDIS_URL = os.environ.get("REDIS_URL")
    #: The page cache for anonymous visitors (core/pagecache.py): ``off`` disables it; entries live this long (in
    #: Redis with REDIS_URL, else in this process's memory); a CDN or proxy may keep a page HTTP_CACHE_SECONDS and
    #: serve it stale HTTP_STALE_SECONDS more while it revalidates (never past midnight in Vietnam).
    PAGE_CACHE = os.environ.get("PAGE_CACHE") or "on"
    #: Stored pages served before Flask builds a request (pagecache.FastPath); ``off``: every hit goes through Flask.
    PAGE_CACHE_FAST_PATH = os.environ.get("PAGE_CACHE_FAST_PATH") or "on"
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS") or 300)
    HTTP_CACHE_SECONDS = int(os.environ.get("HTTP_CACHE_SECONDS") or 30)
    HTTP_STALE_SECONDS = int(os.environ.get("HTTP_STALE_SECONDS") or 30)
    #: Product views and buyers' recently viewed products wait in core/pending (Redis, else memory) and are written
    #: in one short transaction after this many notes, or (in memory) this many seconds; a job flushes every minute.
    PENDING_FLUSH_EVERY = int(os.environ.get("PENDING_FLUSH_EVERY") or 100)
    PENDING_FLUSH_SECONDS = int(os.environ.get("PENDING_FLUSH_SECONDS") or 60)
    PENDING_FLUSH_GAP = float(os.environ.get("PENDING_FLUSH_GAP") or 5)
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    #: VNPay (contract §6): the terminal code and hash secret VNPay issues, its payment page and its transaction API,
    #: e.g. https://sandbox.vnpayment.vn/paymentv2/vpcpay.html and …/merchant_webapi/api/transaction. All four, or
    #: VNPay is unavailable (simulated in development). VNPay's IPN address is registered with VNPay:
    #: ``<PUBLIC_URL>/webhooks/vnpay/ipn``.
    VNPAY_TMN_CODE = os.environ.get("VNPAY_TMN_CODE")
    VNPAY_HASH_SECRET = os.environ.get("VNPAY_HASH_SECRET")
    VNPAY_PAYMENT_URL = os.environ.get("VNPAY_PAYMENT_URL")
    VNPAY_API_URL = os.environ.get("VNPAY_API_URL")
    #: MoMo (contract §6): the partner code, access key and secret key MoMo issues, and its API's address (e.g.
    #: https://test-payment.momo.vn, or https://payment.momo.vn). All four, or MoMo is unavailable (simulated in
    #: development).
    MOMO_PARTNER_CODE = os.environ.get("MOMO_PARTNER_CODE")
    MOMO_ACCESS_KEY = os.environ.get("MOMO_ACCESS_KEY")
    MOMO_SECRET_KEY = os.environ.get("MOMO_SECRET_KEY")
    MOMO_API_URL = os.environ.get("MOMO_API_URL")
    #: ``inline`` (jobs run in-process after commit; cron keeps the schedule) or ``procrastinate`` (a job queue in
    #: the PostgreSQL database, run by ``flask jobs worker``; see marketplace/jobs/queue.py).
    JOB_QUEUE = os.environ.get("JOB_QUEUE") or "inline"
    #: With a job queue, import files of this size or more are checked and imported by the worker (progress page).
    IMPORT_JOB_MIN_BYTES = int(os.environ.get("IMPORT_JOB_MIN_BYTES") or 256 * 1024)
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("vi", "en")
    JSON_SORT_KEYS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_REGISTER = "10 per hour"
    RATELIMIT_PASSWORD_RESET = "5 per 15 minutes"
    RATELIMIT_API = "300 per minute"
    #: Requests per vendor API token (``/api/v1/vendor``), on top of the per-address API limit.
    RATELIMIT_VENDOR_API = "120 per minute"
    #: Failed sign-ins per account (whatever the address); past it the account signs in by a mailed link only.
    RATELIMIT_LOGIN_ACCOUNT = "10 per 15 minutes"
    #: Single-use sign-in links mailed to one account: more requests send nothing (the last link still works).
    RATELIMIT_LOGIN_LINK_MAIL = "1 per 5 minutes"
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = os.environ.get("MAIL_PORT")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "OCOP Market <no-reply@ocop.example>")
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX")
    PER_PAGE = 24
    MAX_CONTENT_LENGTH = 12 * 2**20  #: uploads (photos ≤ 5 MB, registry and listing files) are refused beyond this
    #: The site's own address: every link in mail, QR codes and labels is built from it, never from a request.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    #: Host names requests may name (Flask checks them; others answer 400). Production: PUBLIC_URL's host by default.
    TRUSTED_HOSTS = host_list(os.environ.get("TRUSTED_HOSTS"))
    #: How many proxies in front set X-Forwarded-For/-Proto/-Host; 0 ignores those headers (contract §6).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES") or 0)
    #: Rates are whole basis points (1 bp = 0.01 %), never floats: money stays integer đồng (statements.py rounds).
    #: The platform's commission on the goods of each delivered vendor order (not shipping): 500 bp = 5 %.
    COMMISSION_BP = int(os.environ.get("COMMISSION_BP") or 500)
    #: Tax withheld on goods sold by household businesses and individuals when the platform collects the payment:
    #: Decree 117/2025/NĐ-CP (in force 1 July 2025), Art. 4 (the platform withholds and pays on their behalf) and
    #: Art. 5 (rates on revenue from goods: VAT 1 %, PIT 0.5 %). Change them only when the law changes.
    WITHHOLDING_VAT_BP = int(os.environ.get("WITHHOLDING_VAT_BP") or 100)
    WITHHOLDING_PIT_BP = int(os.environ.get("WITHHOLDING_PIT_BP") or 50)
    SHIPPING_DEFAULT_VND = 30000  #: an entity's fee for its part of an order when it set none
    #: GHN (Giao Hàng Nhanh), the carrier (contract §6): the API token and shop id GHN issues, its API's address
    #: (https://online-gateway.ghn.vn/shiip/public-api, or dev-online-gateway.ghn.vn for GHN's test environment) and
    #: the secret GHN sends in the ``X-Webhook-Secret`` header of its status callbacks (registered with GHN:
    #: ``<PUBLIC_URL>/webhooks/ghn``). All four, or no carrier: fees come from each entity's rate table (simulated
    #: in development). See docs/payments.md, "Shipping".
    GHN_TOKEN = os.environ.get("GHN_TOKEN")
    GHN_SHOP_ID = os.environ.get("GHN_SHOP_ID")
    GHN_API_URL = os.environ.get("GHN_API_URL")
    GHN_WEBHOOK_SECRET = os.environ.get("GHN_WEBHOOK_SECRET")
    #: A parcel's weight when its listing gives none and its package names no weight ("hộp 500 g" does).
    SHIPPING_DEFAULT_WEIGHT_G = 500
    #: Days to delivery promised at checkout without a carrier quote: within the producer's province, and elsewhere.
    SHIPPING_DAYS_SAME_PROVINCE = 2
    SHIPPING_DAYS_ELSEWHERE = 5
    RESERVATION_MINUTES = 30  #: how long an unpaid card order holds its stock
    TRANSFER_RESERVATION_HOURS = 24  #: how long an order waiting for a bank transfer holds its stock
    #: Returns and complaints (``returns/``): days after delivery a buyer may open a case, days the producer has to
    #: answer (past them the case goes to the platform by itself), days a buyer has to escalate a refusal.
    RETURN_WINDOW_DAYS = int(os.environ.get("RETURN_WINDOW_DAYS") or 7)
    VENDOR_ANSWER_DAYS = int(os.environ.get("VENDOR_ANSWER_DAYS") or 3)
    ESCALATION_DAYS = int(os.environ.get("ESCALATION_DAYS") or 7)
    #: The platform's bank account for VietQR transfers (BIN of the bank, account number, account name).
    BANK_TRANSFER_BIN = os.environ.get("BANK_TRANSFER_BIN")
    BANK_TRANSFER_ACCOUNT = os.environ.get("BANK_TRANSFER_ACCOUNT")
    BANK_TRANSFER_NAME = os.environ.get("BANK_TRANSFER_NAME", "CHO OCOP")
    MAX_PER_PAGE = 100
    #: Where uploaded photos are kept (contract §6): ``local`` (a folder, the default) or ``s3`` (a bucket).
    MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE") or "local"
    #: The local folder of listing photos (default ``<instance>/media/listings``).
    MEDIA_DIR = os.environ.get("MEDIA_DIR")
    #: Where uploaded originals wait for the ``photos.process`` job (local storage); never served.
    MEDIA_ORIGINALS_DIR = os.environ.get("MEDIA_ORIGINALS_DIR")
    #: The bucket and the S3-compatible service (AWS's own when the endpoint is empty) for MEDIA_STORAGE=s3.
    S3_BUCKET = os.environ.get("S3_BUCKET")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")
    S3_REGION = os.environ.get("S3_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    #: Keys for the bucket; when both are empty boto3 looks for them itself (profile, instance role).
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
    #: ``path`` for services that need ``<endpoint>/<bucket>/<key>`` (MinIO by default); ``auto`` lets boto3 choose.
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE") or "auto"
    #: A public address of the bucket (a CDN, or the bucket with public read): photos are linked as
    #: ``<S3_PUBLIC_URL>/<key>``. Empty: photos are linked by presigned URLs valid S3_URL_SECONDS.
    S3_PUBLIC_URL = os.environ.get("S3_PUBLIC_URL")
    S3_URL_SECONDS = int(os.environ.get("S3_URL_SECONDS") or 7 * 24 * 3600)
    TESTING = False

    @classmethod
    def validate(cls, app):
        """Fail early on settings this environment cannot run without."""
        check_search_backend(app.config)
        if app.config.get("MEDIA_STORAGE") not in MEDIA_STORAGES:
            raise ConfigError(f"MEDIA_STORAGE must be one of {', '.join(MEDIA_STORAGES)}, "
                              f"not {app.config.get('MEDIA_STORAGE')!r}")


class DevelopmentConfig(Config):
    """Local development: SQLite in the instance folder, a random secret per run, simulated card payments."""

    SECRET_KEY = Config.SECRET_KEY or secrets.token_hex(32)
    SIMULATED_PAYMENTS = True  #: without Stripe keys, card payments go to a labelled simulated page
    SIMULATED_CARRIER = True  #: without GHN's settings, the carrier is GHN's labelled simulation (shipping/simulation)
    #: A demonstration account (Vietcombank BIN) so the VietQR transfer can be seen; set real ones in production.
    BANK_TRANSFER_BIN = Config.BANK_TRANSFER_BIN or "970436"
    BANK_TRANSFER_ACCOUNT = Config.BANK_TRANSFER_ACCOUNT or "0123456789"


class TestingConfig(Config):
    """The test suite: a throw-away database given by TEST_DATABASE_URL or SQLite in memory."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    DATABASE_REPLICA_URL = None  #: replica tests start their own standby (tests/integration/test_read_replica.py)
    #: The suite searches with Whoosh unless TEST_SEARCH_BACKEND=postgres (with TEST_DATABASE_URL on PostgreSQL).
    SEARCH_BACKEND = os.environ.get("TEST_SEARCH_BACKEND") or "whoosh"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    #: The page cache is off unless TEST_PAGE_CACHE=on; its tests (tests/functional/test_page_cache.py) turn it on.
    PAGE_CACHE = os.environ.get("TEST_PAGE_CACHE") or "off"
    #: Mail and Stripe stay off whatever the shell exports: mail goes to the outbox, and tests that need Stripe
    #: point these at the local fake (tests/support/fake_stripe.py) on app.config themselves.
    MAIL_SERVER = None
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    STRIPE_API_BASE = None
    #: VNPay and MoMo stay off too; their tests point these at the fakes they serve (tests/support).
    VNPAY_TMN_CODE = VNPAY_HASH_SECRET = VNPAY_PAYMENT_URL = VNPAY_API_URL = None
    MOMO_PARTNER_CODE = MOMO_ACCESS_KEY = MOMO_SECRET_KEY = MOMO_API_URL = None
    GHN_TOKEN = GHN_SHOP_ID = GHN_API_URL = GHN_WEBHOOK_SECRET = None  #: the GHN tests serve their fake
    JOB_QUEUE = "inline"  #: jobs run after commit whatever is exported; queue tests install procrastinate themselves
    #: The test client's own address, so links in mail lead back to it; no proxy and any host, whatever is exported.
    PUBLIC_URL = "http://localhost"
    TRUSTED_HOSTS = None
    TRUSTED_PROXIES = 0
    #: Photos go to a local folder whatever the shell exports; the S3 tests point these at the server they start.
    MEDIA_STORAGE = "local"
    S3_BUCKET = None
    S3_ENDPOINT_URL = None
    S3_PUBLIC_URL = None
    AWS_ACCESS_KEY_ID = None
    AWS_SECRET_ACCESS_KEY = None


#: Search backends (``SEARCH_BACKEND``).
SEARCH_BACKENDS = ("whoosh", "postgres")


def check_search_backend(config):
    """Refuse an unknown ``SEARCH_BACKEND``, and ``postgres`` on a database that is not PostgreSQL."""
    backend = config.get("SEARCH_BACKEND")
    if backend not in SEARCH_BACKENDS:
        raise ConfigError(f"SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}, not {backend!r}")
    url = config.get("SQLALCHEMY_DATABASE_URI") or "sqlite:// (the default in the instance folder)"
    if backend == "postgres" and not url.startswith("postgresql"):
        raise ConfigError(f"SEARCH_BACKEND=postgres searches inside a PostgreSQL database, but the database is "
                          f"{url.split(':')[0]}: set DATABASE_URL=postgresql+psycopg://… or SEARCH_BACKEND=whoosh")


#: Settings production cannot start without: (config key, environment variable that sets it).
PRODUCTION_REQUIRED = (("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"), ("SECRET_KEY", "SECRET_KEY"))
#: Card payment is on when STRIPE_SECRET_KEY is set (``stripe_client.is_configured``); the webhook secret must
#: come with it, or paid orders would never be confirmed (and one without the other is a half setup).
STRIPE_PAIR = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
#: VNPay, MoMo and GHN (the carrier) are on when all four of their settings are set; some without the others is a
#: half setup.
GATEWAY_SETTINGS = {"VNPay": ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "VNPAY_PAYMENT_URL", "VNPAY_API_URL"),
                    "MoMo": ("MOMO_PARTNER_CODE", "MOMO_ACCESS_KEY", "MOMO_SECRET_KEY", "MOMO_API_URL"),
                    "GHN": ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_URL", "GHN_WEBHOOK_SECRET")}
#: Where photos may be kept (``MEDIA_STORAGE``).
MEDIA_STORAGES = ("local", "s3")
#: S3 keys: both, or neither (boto3 then finds its own: profile, instance role); one alone is a half setup.
S3_KEY_PAIR = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def media_missing(config):
    """``(missing settings, reasons)`` for MEDIA_STORAGE=s3: a bucket, and both keys or neither."""
    if config.get("MEDIA_STORAGE") != "s3":
        return [], []
    missing = [] if config.get("S3_BUCKET") else ["S3_BUCKET"]
    keys_missing = [key for key in S3_KEY_PAIR if not config.get(key)]
    if 0 < len(keys_missing) < len(S3_KEY_PAIR):
        missing += keys_missing
    reasons = ["MEDIA_STORAGE=s3 needs S3_BUCKET, and AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY (or neither)"]
    return missing, reasons if missing else []


class ProductionConfig(Config):
    """Production: every secret comes from the environment."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls, app):
        """Refuse to start half-configured, then trust only PUBLIC_URL's host unless TRUSTED_HOSTS names others.

        Required: a database, a secret key, both Stripe keys when card payment is on, all four settings of VNPay, of
        MoMo or of GHN (the carrier) when it is on, shared storage for rate limits (in memory, each worker process
        would count apart and grant the whole limit again), a bucket when photos go to S3, and a ``PUBLIC_URL`` that
        is an http(s) address (links in mail are built from it).
        """
        super().validate(app)
        missing = [variable for key, variable in PRODUCTION_REQUIRED if not app.config.get(key)]
        reasons = []
        stripe_missing = [key for key in STRIPE_PAIR if not app.config.get(key)]
        if 0 < len(stripe_missing) < len(STRIPE_PAIR):
            missing += stripe_missing
            reasons.append("card payment needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
        if (app.config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
            missing.append("REDIS_URL")
            reasons.append("rate limits kept in memory count per process: set REDIS_URL or RATELIMIT_STORAGE_URI "
                           "to shared storage")
        media, media_reasons = media_missing(app.config)
        missing += media
        reasons += media_reasons
        for gateway, names in GATEWAY_SETTINGS.items():
            absent = [name for name in names if not app.config.get(name)]
            if 0 < len(absent) < len(names):
                missing += absent
                reasons.append(f"{gateway} needs all of {', '.join(names)}")
        if missing:
            because = f" ({'; '.join(reasons)})" if reasons else ""
            raise ConfigError(f"production refuses to start: missing required settings: {', '.join(missing)}{because}")
        public = urlsplit(app.config.get("PUBLIC_URL") or "")
        if public.scheme not in ("http", "https") or not public.hostname:
            raise ConfigError("production refuses to start: PUBLIC_URL must be the site's http(s) address, e.g. "
                              "https://cho-ocop.example")
        app.config["TRUSTED_HOSTS"] = app.config.get("TRUSTED_HOSTS") or [public.hostname]


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def config_for(name=None):
    """Return the config class for ``name`` or for the ``MARKETPLACE_ENV`` variable."""
    return CONFIGS[name or os.environ.get("MARKETPLACE_ENV", "development")]
