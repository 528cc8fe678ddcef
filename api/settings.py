"""What a running API needs to know: where the ledger is, which keys it holds, its limits.

One ``Settings`` object, read from ``LEDGER_*`` environment variables (how
``ledger serve`` hands its options to uvicorn's workers) or given in full by a
test (``create_app(Settings(db=..., clock=...))``); arguments win over the
environment. A bad value is refused when the settings are made, naming the
variable, not when a request first needs it.

The charter's policy is the signed word on how the ledger behaves, so a
setting never overrides it: the clock skew the API allows is the charter's
``max_clock_skew_seconds``, and a ``LEDGER_MAX_CLOCK_SKEW`` that says anything
else stops the server at start-up (``check_against_charter``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.charter_policy import max_clock_skew
from ledger.errors import ContradictsCharter, InvalidArgument
from ledger.service import utc_now
from public_site.fonts import NODE_MODULES

Clock = Callable[[], datetime]


class Settings(BaseSettings):
    """Configuration of one API process.

    ``keys_dir`` (or ``log_key_path``) is optional: without the log's private
    key the server records statements but signs no checkpoints (another
    process, e.g. ``ledger checkpoint``, must sign them). The passphrase of the
    keys is never a setting itself: ``passphrase_env`` names the variable that
    holds it, so it is not written into a process listing or a unit file.
    """

    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", frozen=True, validate_by_name=True, extra="forbid"
    )

    db: str = "ledger.db"
    keys_dir: Path | None = Field(default=None, validation_alias="LEDGER_KEYS")
    log_key_path: Path | None = None
    passphrase_env: str | None = None
    max_clock_skew: timedelta | None = None
    """``None``: the charter's. Given, it must equal the charter's (seconds in the environment)."""
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    max_batch_size: int = Field(default=1000, gt=0)
    max_json_depth: int = Field(default=32, gt=0)
    max_page_size: int = Field(default=1000, gt=0)
    site_dir: Path | None = Field(default=None, validation_alias="LEDGER_SITE")
    node_modules: Path = NODE_MODULES
    """Where ``npm install`` put the scripts of the documentation pages (``api.docs``)."""
    checkpoint_interval: float = Field(default=1.0, ge=0)
    checkpoint_wait_timeout: float = Field(default=30.0, ge=0)
    clock: Clock = Field(default=utc_now, exclude=True)

    _passphrase: bytes | None = PrivateAttr(default=None)

    @field_validator("max_clock_skew", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        """The environment gives the skew in seconds (``LEDGER_MAX_CLOCK_SKEW=300``)."""
        if isinstance(value, str):
            try:
                return timedelta(seconds=float(value))
            except ValueError:
                return value
        return value

    @model_validator(mode="after")
    def _read_passphrase(self) -> Settings:
        if self.passphrase_env:
            value = os.environ.get(self.passphrase_env)
            if value is None:
                raise InvalidArgument(
                    f"names the variable {self.passphrase_env}, which is not set",
                    field="LEDGER_PASSPHRASE_ENV",
                )
            self._passphrase = value.encode("utf-8")
        return self

    @property
    def passphrase(self) -> bytes | None:
        """The keys' passphrase, read from the variable ``passphrase_env`` names."""
        return self._passphrase

    @property
    def log_key_file(self) -> Path | None:
        """The log's private key file, if this server may sign checkpoints."""
        if self.log_key_path is not None:
            return self.log_key_path
        if self.keys_dir is not None and (self.keys_dir / "log.key").exists():
            return self.keys_dir / "log.key"
        return None

    def clock_skew(self, policy: Mapping[str, Any] | None) -> timedelta:
        """How far ``recorded_at`` may be from the server's clock: the charter's skew.

        ``policy`` is the charter's (``None`` before a charter is recorded, when
        the default every charter starts from applies).
        """
        return max_clock_skew(policy or {})

    def check_against_charter(self, policy: Mapping[str, Any] | None) -> None:
        """Refuse settings that contradict the charter's policy: the charter decides."""
        charter = self.clock_skew(policy)
        if self.max_clock_skew is not None and self.max_clock_skew != charter:
            raise ContradictsCharter(
                f"the max clock skew is set to {self.max_clock_skew.total_seconds():g} s, but the"
                f" charter's policy allows {charter.total_seconds():g} s; the charter decides:"
                " unset LEDGER_MAX_CLOCK_SKEW (or set it to the charter's value)",
                field="LEDGER_MAX_CLOCK_SKEW",
            )

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from ``LEDGER_*`` environment variables, a bad one refused by name."""
        from pydantic import ValidationError

        try:
            return cls()
        except ValidationError as exc:
            first = exc.errors()[0]
            name = "_".join(str(p) for p in first.get("loc", ())).upper()
            field = name if name.startswith("LEDGER_") else f"LEDGER_{name}" if name else None
            raise InvalidArgument(str(first.get("msg", "invalid setting")), field=field) from None
