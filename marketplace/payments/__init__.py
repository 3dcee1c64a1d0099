"""Payments: Stripe Checkout behind one thin client module (``stripe_client``), its webhook and bookkeeping."""
