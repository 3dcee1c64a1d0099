"""Shipping: fees that depend on what and where, the carrier (GHN) and its parcels, and the fallback rate table.

``ghn_client`` is the only module that speaks GHN's API; ``quotes`` prices a producer's part (the carrier's quote,
else the entity's rate table, free from the entity's threshold); ``parcels`` weighs and measures it; ``wards`` maps
the official wards to GHN's codes (``data/ghn_wards.json``); ``services`` keeps the quote, creates the carrier's
order at shipping time, its label and its progress; ``simulation`` is GHN's labelled fake for development. Vendor
order statuses move in ``shop/orders`` and the cash the carrier collects is reconciled in ``payments/carrier.py``.
"""
