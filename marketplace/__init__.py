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
    """Load the config class (optionally with overrides), validate, then fill in instance-folder defaults.

    Validation comes first: the SQLite default in the instance folder is for development and tests, and must
    not hide a missing ``DATABASE_URL`` from ``ProductionConfig.validate``.
    """
    overrides = config if isinstance(config, dict) else {}
    config_class = config_for(overrides.get("ENV_NAME")) if isinstance(config, dict) or config is None else config
    app.config.from_object(config_class)
    app.config.update(overrides)
    config_class.validate(app)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"] or (
        f"sqlite:///{instance / 'marketplace.sqlite'}"
    )
    app.config["SEARCH_INDEX_DIR"] = app.config["SEARCH_INDEX_DIR"] or str(instance / "search-index")


def register_extensions(app):
    """Bind the database, migrations, CSRF protection, sign-in, rate limits, proxies and hosts, security headers."""
    from marketplace import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from marketplace.accounts.login import register as register_login
    from marketplace.core import assets, generation, pagecache, replica
    from marketplace.core.headers import register as register_headers
    from marketplace.core.security import register as register_security
    from marketplace.jobs.queue import install as install_jobs

    db.init_app(app)
    replica.init_app(app)  # DATABASE_REPLICA_URL: browsing reads from a streaming replica
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    pagecache.init_app(app)  # whole pages for anonymous visitors (PAGE_CACHE); its after_request hook runs last
    app.wsgi_app = pagecache.FastPath(app.wsgi_app, app)  # stored pages served before Flask (inside ProxyFix)
    login_manager.init_app(app)
    register_login(login_manager)
    register_security(app)  # TRUSTED_PROXIES: who the client is (rate limits, audit); unknown hosts: plain 400
    limiter.init_app(app)
    register_headers(app)
    assets.register(app)  # static addresses carry their content's fingerprint: cached for a year
    search.install()
    generation.init_app(app)  # after search.install: the number moves on once the search index has the change
    install_jobs(app)  # JOB_QUEUE: jobs run inline after commit, or on the procrastinate queue


def register_blueprints(app):
    """Attach one blueprint per audience area (storefront … webhooks); each area splits its views by topic."""
    from marketplace import vendors
    from marketplace.web import account, admin, api, checkout, officer, showroom, storefront, webhooks

    limiter.limit(lambda: app.config["RATELIMIT_API"])(api.bp)
    for area in (storefront, checkout, account, vendors, officer, showroom, admin, api, webhooks):
        app.register_blueprint(area.bp)
    csrf.exempt(api.bp)
    csrf.exempt(webhooks.bp)


def register_cli(app):
    """Attach the ``flask`` command groups of contract §1."""
    from marketplace.cli import register

    register(app)


def register_error_handlers(app):
    """HTML error pages for people, problem+json for the API; hostile input (NUL, huge ids) answers 400/404."""
    from marketplace.core.errors import register
    from marketplace.core.input import register as register_input_guard

    register(app)
    register_input_guard(app)


def configure_i18n(app):
    """Babel locale selection and the template filters for money and dates."""
    from marketplace.core.i18n import register

    register(app, babel)


def register_template_helpers(app):
    """Template filters that are not about language: safe Markdown, audit values, search highlights."""
    from marketplace.web.templating import register

    register(app)
