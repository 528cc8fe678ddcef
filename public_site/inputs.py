"""Whether a site directory already holds what a build would write: the build's inputs, recorded.

A rebuild writes only the files whose inputs changed (``public_site.output``),
but finding out which ones costs almost the whole build: at a million events
the figures brought up to date from the kept state, every report computed at
the checkpoint, every page keyed and every case's history hashed, about 75 s
to write nothing (docs/performance.md). Yet everything a site states follows
from a few inputs:

* the latest signed checkpoint: its note, which fixes the tree size and root
  (so the leaves, and every figure computed from them) and carries the
  witnesses' cosignatures, and the time it was signed, at which deadlines are
  judged unless ``--as-of`` names another;
* the log's key, and the witness keys, base address and ``--as-of`` the build
  is given;
* the program: the site's code, templates, catalogs and static files, the
  proof checks and fonts it ships, the methodology page's source, the
  ``ledger`` package that computes the figures, and the interpreter and
  libraries that format and compress them.

A build that finishes writes the digest of these beside its manifest
(``INPUTS_FILE``); a build that writes anything removes it first, so a build
that stops half-way leaves none. A later build with the same digest, in a
directory where every file the manifest lists is still the one the last
build wrote (its size and modification time, as ``SiteWriter`` checks
them), has nothing to write: the command stops after the check before
acting. A file changed, replaced or removed since, or any input changed,
and the build runs as before.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from importlib.metadata import version
from pathlib import Path

from ledger.projections.program import code_digest
from ledger.verification.digest import hash_framed
from public_site.fonts import font_files
from public_site.methodology import METHODOLOGY
from public_site.output import SiteWriter

PROOF_MODULE = Path(__file__).resolve().parent.parent / "api" / "desk" / "js" / "proof.js"
"""The browser's checks of inclusion and checkpoint signatures, one home for the court's desk
and the verify page: shipped with the site as ``static/proof.js``."""
INPUTS_FILE = ".site-inputs"
_FORMAT = "ceasefire-ledger site inputs v1"
_HERE = Path(__file__).resolve().parent
_LIBRARIES = ("babel", "jinja2", "markdown-it-py", "markupsafe")


def program_digest() -> str:
    """The digest of the program a build runs (see the module). Taken once, before the build:
    files changed while it runs make the next build's digest another, so the site is built
    again instead of being taken as the work of either program."""
    program = hashlib.sha256()
    files = [
        path
        for path in _HERE.rglob("*")
        if path.is_file() and "__pycache__" not in path.relative_to(_HERE).parts
    ]
    for path in sorted(files):
        hash_framed(program, path.relative_to(_HERE).as_posix().encode("utf-8"), path.read_bytes())
    fonts = font_files()
    for name, source in sorted(fonts.files.items()):
        hash_framed(program, name.encode("utf-8"), source.read_bytes())
    hash_framed(program, fonts.css().encode("utf-8"), PROOF_MODULE.read_bytes())
    hash_framed(program, METHODOLOGY.read_bytes(), code_digest())
    libraries = {name: version(name) for name in _LIBRARIES}
    runtime = json.dumps([sys.version, zlib.ZLIB_RUNTIME_VERSION, libraries], sort_keys=True)
    hash_framed(program, runtime.encode("utf-8"))
    return program.hexdigest()


def build_inputs(
    program: str,
    checkpoint_note: str,
    signed_at: str | None,
    log_vkey: str,
    witness_vkeys: list[str],
    as_of: str | None,
    base_url: str,
) -> str:
    """The digest of everything a build of the site at this checkpoint by ``program``
    (``program_digest``) depends on (see the module)."""
    inputs = {
        "format": _FORMAT,
        "checkpoint": checkpoint_note,
        "signed_at": signed_at,
        "log_vkey": log_vkey,
        "witnesses": witness_vkeys,
        "as_of": as_of,
        "base_url": base_url,
        "program": program,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def holds(site: Path, digest: str) -> bool:
    """Whether ``site`` holds what a build with inputs ``digest`` writes: the last build
    there finished with the same inputs, and left every file it wrote as it is."""
    try:
        recorded = (Path(site) / INPUTS_FILE).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == digest and SiteWriter(Path(site)).all_as_last_written()


def forget(site: Path) -> None:
    """Before a build writes anything: no inputs recorded until it finishes."""
    (Path(site) / INPUTS_FILE).unlink(missing_ok=True)


def record(site: Path, digest: str) -> None:
    """After a build finished: the inputs it was built from."""
    (Path(site) / INPUTS_FILE).write_text(digest, "utf-8")
