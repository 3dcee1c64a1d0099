"""The vendor's numbers: revenue and orders over time, top products, views and conversion, stock alerts."""

from flask import Blueprint

bp = Blueprint("vendor_numbers", __name__, url_prefix="/vendor")
