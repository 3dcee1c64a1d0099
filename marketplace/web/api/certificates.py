"""The public registry as a dataset: ``GET /api/v1/certificates`` without ``number`` lists certificates by page.

``{"items": [verification record + changed_at + url], "total", "page", "per_page", "next"}``; filters
``province``, ``status``, ``stars``, ``criteria_set``, ``changed_since``; ``per_page`` ≤ 500. The route itself
lives in ``views.py`` (``certificate_by_number``), which answers one record when ``number`` is given.
"""

from flask import jsonify, request, url_for

from marketplace.core.clock import today
from marketplace.core.errors import ProblemError
from marketplace.registry.opendata import dataset_record
from marketplace.registry.queries import DatasetQueryError, certificate_page, read_filters


def certificate_list():
    """One page of the certificate dataset, filtered; 400 problem+json naming every parameter not understood."""
    try:
        filters = read_filters(request.args)
    except DatasetQueryError as error:
        raise ProblemError(400, "Invalid query parameter", str(error)) from error
    day = today()
    certificates, total = certificate_page(filters, day)
    more = filters.page * filters.per_page < total
    following = {**request.args.to_dict(), "page": filters.page + 1, "per_page": filters.per_page}
    response = jsonify(items=[dataset_record(certificate, day, url_for) for certificate in certificates],
                       total=total, page=filters.page, per_page=filters.per_page,
                       next=url_for("api.certificate_by_number", **following) if more else None)
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site's script may read it
    return response
