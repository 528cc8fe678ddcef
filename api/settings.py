"""What a running API needs to know: where the ledger is, which keys it holds, its limits.

Settings are plain values so that tests build an app with their own database,
keys and clock (``create_app(Settings(...))``) and ``ledger serve`` builds one
from its command line or the environment (``Settings.from_env``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ledger.service import utc_now

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Settings:
    """Configuration of one API process.

    ``keys_dir`` (or ``log_key_path``) is optional: without the log's private
    key the server records statements but signs no checkpoints (another
    process, e.g. ``ledger checkpoint``, must sign them).
    """

    db: str
    keys_dir: Path | None = None
    log_key_path: Path | None = None
    passphrase: bytes | None = field(default=None, repr=False)
    max_clock_skew: timedelta = timedelta(minutes=10)
    max_body_bytes: int = 1024 * 1024
    max_batch_size: int = 1000
    max_json_depth: int = 32
    max_page_size: int = 1000
    site_dir: Path | None = None
    checkpoint_interval: float = 1.0
    checkpoint_wait_timeout: float = 30.0
    clock: Clock = utc_now

    @property
    def log_key_file(self) -> Path | None:
        """The log's private key file, if this server may sign checkpoints."""
        if self.log_key_path is not None:
            return self.log_key_path
        if self.keys_dir is not None and (self.keys_dir / "log.key").exists():
            return self.keys_dir / "log.key"
        return None

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from ``LEDGER_*`` environment variables (used by uvicorn workers)."""
        env = os.environ
        keys = env.get("LEDGER_KEYS")
        site = env.get("LEDGER_SITE")
        passphrase_env = env.get("LEDGER_PASSPHRASE_ENV")
        return cls(
            db=env.get("LEDGER_DB", "ledger.db"),
            keys_dir=Path(keys) if keys else None,
            passphrase=env[passphrase_env].encode("utf-8") if passphrase_env else None,
            max_clock_skew=timedelta(seconds=float(env.get("LEDGER_MAX_CLOCK_SKEW", "600"))),
            max_body_bytes=int(env.get("LEDGER_MAX_BODY_BYTES", str(1024 * 1024))),
            max_batch_size=int(env.get("LEDGER_MAX_BATCH_SIZE", "1000")),
            site_dir=Path(site) if site else None,
            checkpoint_interval=float(env.get("LEDGER_CHECKPOINT_INTERVAL", "1.0")),
        )
