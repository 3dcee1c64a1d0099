"""Flask CLI commands of contract §1 (``flask db`` comes from Flask-Migrate)."""

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

registry_cli = AppGroup("registry", help="Certificate registry.")
catalog_cli = AppGroup("catalog", help="Vendor listings.")
demo_cli = AppGroup("demo", help="Demo catalogue and accounts.")
users_cli = AppGroup("users", help="Accounts.")
search_cli = AppGroup("search", help="The product search index.")
certificates_cli = AppGroup("certificates", help="Certificate maintenance.")
orders_cli = AppGroup("orders", help="Order maintenance.")
media_cli = AppGroup("media", help="Uploaded photos.")

PROGRESS_THRESHOLD = 500


def progress_bar(items, label):
    """Show a progress bar on stderr for long files; pass short ones straight through."""
    items = list(items)
    if len(items) < PROGRESS_THRESHOLD:
        return items
    return _iterate_with_bar(items, label)


def _iterate_with_bar(items, label):
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


def report(result, dry_run):
    """Print the result as contract §1 says and exit 1 on errors."""
    if not result.ok:
        for line in result.errors:
            click.echo(line, err=True)
        click.echo(f"{len(result.errors)} error(s): nothing was written", err=True)
        sys.exit(1)
    click.echo(("dry run, would be: " if dry_run else "") + result.summary())


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
def registry_import(file, dry_run):
    """Import a certificate registry file (CSV or XLSX); pending vendor applications are matched again."""
    from marketplace.accounts.onboarding import rematch_pending
    from marketplace.registry.importer import import_registry

    report(import_registry(file, dry_run=dry_run, progress=progress_bar, after_write=rematch_pending), dry_run)


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
def catalog_import(file, dry_run):
    """Import vendor listings (CSV or XLSX)."""
    from marketplace.shop.catalog.importer import import_catalog

    report(import_catalog(file, dry_run=dry_run, progress=progress_bar), dry_run)


@demo_cli.command("load")
def demo_load():
    """Load the demo catalogue (idempotent)."""
    from marketplace.demo.loader import load_demo

    click.echo(load_demo())


@demo_cli.command("info")
@click.option("--base-url", default="http://127.0.0.1:5000", help="Where the site is served.")
def demo_info(base_url):
    """Print where to look: the storefront, a few products, verification pages and the API."""
    from marketplace.demo.info import describe

    click.echo(describe(base_url))


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["customer", "vendor", "showroom_staff", "officer", "admin"]))
@click.option("--password", help="Default: a random password, printed once.")
@click.option("--entity", "entity_tax_code", help="Vendors: the entity's tax code (first member becomes owner).")
@click.option("--showroom", "showroom_id", type=int, help="Showroom staff: the showroom's id.")
@click.option("--province", help="Officers: the province (code or name); omit for a national officer.")
def users_create(email, role, password, entity_tax_code, showroom_id, province):
    """Create an account with a role and its scope."""
    from marketplace.cli.users import create_account

    try:
        message = create_account(email, role, password, entity_tax_code, showroom_id, province)
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(message)


@search_cli.command("reindex")
def search_reindex():
    """Rebuild the index from the database into a new generation and swap it in atomically."""
    from marketplace import search

    start = time.perf_counter()
    count = search.rebuild(progress=lambda items, label: _iterate_with_bar(list(items), label))
    click.echo(f"indexed {count} listed products in {time.perf_counter() - start:.1f} s")


@search_cli.command("check")
def search_check():
    """Report listed products missing from the index and indexed products that are not listed."""
    from marketplace import search

    missing, extra = search.check()
    pending = search.pending_count()
    click.echo(f"missing: {len(missing)} {missing[:20]}\nextra: {len(extra)} {extra[:20]}\nqueued: {pending}")
    sys.exit(1 if missing or extra else 0)


@search_cli.command("sync")
def search_sync():
    """Apply queued index changes now (cron-safe; a busy index leaves them queued)."""
    from marketplace.jobs.scheduled import sync_search

    done = sync_search()
    click.echo("index busy: changes stay queued" if done is None else f"{done} products refreshed")
    sys.exit(0 if done is not None else 1)


@certificates_cli.command("sweep")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as if today were this date.")
def certificates_sweep(day):
    """Daily maintenance: expiry reminders, showroom notices, search index (idempotent)."""
    from marketplace.core.clock import today
    from marketplace.jobs.scheduled import escalate_returns
    from marketplace.jobs.sweep import sweep

    report = sweep(day.date() if day else today())
    for line in report.details:
        click.echo(line)
    click.echo(report.summary())
    escalated, closed = escalate_returns()
    click.echo(f"returns escalated: {escalated}, refusals closed: {closed}")


@certificates_cli.command("export-open-data")
def certificates_export_open_data():
    """Write the open-data downloads (certificates.csv, .json) with today's status (cron: nightly, after the sweep)."""
    from marketplace.jobs.scheduled import write_open_data

    click.echo(f"open data written at {write_open_data()['dc:modified']}")


@orders_cli.command("expire")
def orders_expire():
    """Cancel unpaid orders whose reservation lapsed; their stock returns (cron: every 5 minutes)."""
    from marketplace.jobs.scheduled import expire_orders

    count = expire_orders()
    click.echo(f"{count} unpaid orders expired")


@orders_cli.command("reconcile")
@click.option("--older-than", default=35, show_default=True, help="Minutes since the payment started.")
def orders_reconcile(older_than):
    """Ask Stripe about card payments stuck in pending (a missed webhook) and apply what it says."""
    from marketplace.jobs.scheduled import reconcile_payments

    for session_id, outcome in reconcile_payments(older_than):
        click.echo(f"{session_id}: {outcome}")


@media_cli.command("migrate-to-s3")
def media_migrate_to_s3():
    """Copy the photos kept in the local folder into the S3 bucket (run once, with MEDIA_STORAGE=s3 set)."""
    from marketplace.core.s3_client import S3Error
    from marketplace.shop.catalog.photos import copy_photos_to_bucket

    if current_app.config.get("MEDIA_STORAGE") != "s3":
        click.echo("set MEDIA_STORAGE=s3 and the S3_* settings first: this copies photos into that bucket", err=True)
        sys.exit(1)
    try:
        copied, missing = copy_photos_to_bucket()
    except S3Error as error:
        click.echo(f"{error} (run the command again: files already copied are simply copied again)", err=True)
        sys.exit(1)
    for name in missing:
        click.echo(f"missing locally: {name}", err=True)
    click.echo(f"{copied} file(s) copied to bucket {current_app.config['S3_BUCKET']}, {len(missing)} missing")


def register(app):
    """Attach the command groups to ``app``."""
    from marketplace.cli.jobs import jobs_cli
    from marketplace.cli.shipping import shipping_cli
    from marketplace.translations import translate_cli as translations_group

    for group in (registry_cli, catalog_cli, demo_cli, users_cli, search_cli, certificates_cli, orders_cli,
                  media_cli, jobs_cli, shipping_cli, translations_group):
        app.cli.add_command(group)
