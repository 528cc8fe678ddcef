"""Witnesses, mirrors and the publication of cosigned checkpoints.

Independent parties (the committee, the court, the press) keep their own view
of the log and cosign a checkpoint only when it extends the last one they
cosigned (C2SP tlog-witness); the ledger publishes a checkpoint only once a
quorum of them has cosigned it, so nobody can show two histories unnoticed.
"""
