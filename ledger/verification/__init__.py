"""Verifying a stored ledger: the full replay behind `ledger verify`, and the check before acting."""
