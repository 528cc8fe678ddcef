"""CLI command groups that live in their own modules; ``cli.main`` registers them."""
