"""Storage: the event store, the leaf index and checkpoints, on SQLite or PostgreSQL."""
