"""The `ledger` command line."""
