"""The OCOP marketplace: a storefront that sells only validly certified OCOP products."""

from pathlib import Path

from flask import Flask

from marketplace import search
from marketplace.config import config_for
from marketplace.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config=None):
    """Build the application: config, extensions, blueprints, CLI, error handlers, i18n."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_error_handlers(app)
    configure_i18n(app)
    register_template_helpers(app)
    return app


def configure(app, config):
    """Load the config class (optionally with overrides), fill in instance-folder defaults, validate."""
    overrides = config if isinstance(config, dict) else {}
    config_class = config_for(overrides.get("ENV_NAME")) if isinstance(config, dict) or config is None else config
    app.config.from_object(config_class)
    app.config.update(overrides)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"] or (
        f"sqlite:///{instance / 'marketplace.sqlite'}"
    )
    app.config["SEARCH_INDEX_DIR"] = app.config["SEARCH_INDEX_DIR"] or str(instance / "search-index")
    config_class.validate(app)


def register_extensions(app):
    """Bind the database, migrations, CSRF protection, sign-in, rate limits and security headers."""
    from marketplace import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from marketplace.accounts.login import register as register_login
    from marketplace.core.headers import register as register_headers

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    register_login(login_manager)
    limiter.init_app(app)
    register_headers(app)
    search.install()


def register_blueprints(app):
    """Attach the storefront, accounts, vendor, officer, showroom, admin and JSON API blueprints."""
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.admin.views import bp as admin_bp
    from marketplace.api.views import bp as api_bp
    from marketplace.certificates.views import bp as certificates_bp
    from marketplace.core.views import bp as core_bp
    from marketplace.officers.views import bp as officers_bp
    from marketplace.payments.views import bp as payments_bp
    from marketplace.reports.views import bp as reports_bp
    from marketplace.shop.orders.views import bp as orders_bp
    from marketplace.shop.views import bp as shop_bp
    from marketplace.showrooms.views import bp as showrooms_bp
    from marketplace.vendors.channels import bp as vendor_channels_bp
    from marketplace.vendors.images import bp as vendor_images_bp
    from marketplace.vendors.numbers import bp as vendor_numbers_bp
    from marketplace.vendors.views import bp as vendors_bp

    limiter.limit(lambda: app.config["RATELIMIT_API"])(api_bp)
    for blueprint in (core_bp, shop_bp, certificates_bp, accounts_bp, vendors_bp, officers_bp, showrooms_bp,
                      admin_bp, reports_bp, orders_bp, payments_bp, vendor_images_bp, vendor_numbers_bp,
                      vendor_channels_bp, api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)


def register_cli(app):
    """Attach the ``flask`` command groups of contract §1."""
    from marketplace.cli import register

    register(app)


def register_error_handlers(app):
    """HTML error pages for people, problem+json for the API."""
    from marketplace.core.errors import register

    register(app)


def configure_i18n(app):
    """Babel locale selection and the template filters for money and dates."""
    from marketplace.core.i18n import register

    register(app, babel)


def register_template_helpers(app):
    """Template filters that are not about language: safe Markdown."""
    from marketplace.core.rendering import register

    register(app)
