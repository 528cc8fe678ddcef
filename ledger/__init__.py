"""The Ceasefire Ledger's core: statements, the signed log, its checks and projections."""

# the digest naming this program is taken as the package loads (``projections.program``)
from ledger.projections import program as _program  # noqa: F401
