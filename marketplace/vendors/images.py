"""Vendor pages for listing photos."""

from flask import Blueprint

bp = Blueprint("vendor_images", __name__, url_prefix="/vendor")
