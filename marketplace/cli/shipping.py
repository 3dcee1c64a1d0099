"""`flask shipping ghn-wards|reconcile`: GHN's codes of the official wards, and what GHN says of open parcels."""

import sys

import click
from flask.cli import AppGroup

shipping_cli = AppGroup("shipping", help="The carrier (GHN): ward codes and reconciliation.")


@shipping_cli.command("ghn-wards")
@click.option("--output", type=click.Path(dir_okay=False), help="Write here instead of shipping/data/ghn_wards.json.")
def ghn_wards(output):
    """Build the official ward → GHN code mapping from GHN's master data (the configured GHN, or its simulation).

    Review the diff and the wards listed as unmatched (priced by the rate table) before committing the file.
    """
    from pathlib import Path

    from marketplace.shipping import ghn_client, wards

    settings = ghn_client.settings()
    if settings is None:
        click.echo("GHN is not configured (GHN_TOKEN, GHN_SHOP_ID, GHN_API_URL, GHN_WEBHOOK_SECRET)", err=True)
        sys.exit(1)
    try:
        contents, unmatched = wards.build(ghn_client, "ghn" if ghn_client.talks_to_ghn(settings) else "simulation")
    except RuntimeError as error:
        click.echo(f"GHN's master data could not be read: {error}", err=True)
        sys.exit(1)
    wards.write(contents, Path(output) if output else wards.DATA)
    click.echo(f"{contents['count']} wards mapped from {contents['source']}, {len(unmatched)} unmatched"
               + (f": {', '.join(unmatched)}" if unmatched else ""))


@shipping_cli.command("reconcile")
def reconcile():
    """Ask GHN about parcels on their way or delivered with cash not yet transferred, and apply what it says."""
    from marketplace.extensions import db
    from marketplace.payments import carrier

    for code, outcome in carrier.reconcile():
        click.echo(f"{code}: {outcome}")
    db.session.commit()
