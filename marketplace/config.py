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
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR")
    REDIS_URL = os.environ.get("REDIS_URL")
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
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
    COMMISSION_RATE = float(os.environ.get("COMMISSION_RATE", "0.05"))  #: platform commission on goods (not shipping)
    SHIPPING_DEFAULT_VND = 30000  #: an entity's fee for its part of an order when it set none
    RESERVATION_MINUTES = 30  #: how long an unpaid card order holds its stock
    TRANSFER_RESERVATION_HOURS = 24  #: how long an order waiting for a bank transfer holds its stock
    #: The platform's bank account for VietQR transfers (BIN of the bank, account number, account name).
    BANK_TRANSFER_BIN = os.environ.get("BANK_TRANSFER_BIN")
    BANK_TRANSFER_ACCOUNT = os.environ.get("BANK_TRANSFER_ACCOUNT")
    BANK_TRANSFER_NAME = os.environ.get("BANK_TRANSFER_NAME", "CHO OCOP")
    MAX_PER_PAGE = 100
    TESTING = False

    @classmethod
    def validate(cls, app):
        """Fail early on settings this environment cannot run without."""


class DevelopmentConfig(Config):
    """Local development: SQLite in the instance folder, a random secret per run, simulated card payments."""

    SECRET_KEY = Config.SECRET_KEY or secrets.token_hex(32)
    SIMULATED_PAYMENTS = True  #: without Stripe keys, card payments go to a labelled simulated page
    #: A demonstration account (Vietcombank BIN) so the VietQR transfer can be seen; set real ones in production.
    BANK_TRANSFER_BIN = Config.BANK_TRANSFER_BIN or "970436"
    BANK_TRANSFER_ACCOUNT = Config.BANK_TRANSFER_ACCOUNT or "0123456789"


class TestingConfig(Config):
    """The test suite: a throw-away database given by TEST_DATABASE_URL or SQLite in memory."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    #: Mail and Stripe stay off whatever the shell exports: mail goes to the outbox, and tests that need Stripe
    #: point these at the local fake (tests/support/fake_stripe.py) on app.config themselves.
    MAIL_SERVER = None
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    STRIPE_API_BASE = None
    #: The test client's own address, so links in mail lead back to it; no proxy and any host, whatever is exported.
    PUBLIC_URL = "http://localhost"
    TRUSTED_HOSTS = None
    TRUSTED_PROXIES = 0


#: Settings production cannot start without: (config key, environment variable that sets it).
PRODUCTION_REQUIRED = (("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"), ("SECRET_KEY", "SECRET_KEY"))
#: Card payment is on when STRIPE_SECRET_KEY is set (``stripe_client.is_configured``); the webhook secret must
#: come with it, or paid orders would never be confirmed (and one without the other is a half setup).
STRIPE_PAIR = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")


class ProductionConfig(Config):
    """Production: every secret comes from the environment."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls, app):
        """Refuse to start half-configured, then trust only PUBLIC_URL's host unless TRUSTED_HOSTS names others.

        Required: a database, a secret key, both Stripe keys when card payment is on, shared storage for rate
        limits (in memory, each worker process would count apart and grant the whole limit again), and a
        ``PUBLIC_URL`` that is an http(s) address (links in mail are built from it).
        """
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
