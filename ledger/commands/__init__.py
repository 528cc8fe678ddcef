"""CLI command groups that live in their own modules; ``ledger.cli`` registers them."""
