"""Payments: each provider behind one thin module (only ``stripe_client`` imports ``stripe``)."""
