"""An export as the public site publishes it: ``log.jsonl.gz`` is read in place of ``log.jsonl``.

A journalist who downloads the five files of the site's ``data/export/`` runs
``ledger verify --export`` on them as they are. A download that is damaged or
cut short is named as such, and a directory holding both logs is refused
rather than checked half. Lines end at ``\\n`` only: a statement holding
U+2028 (which RFC 8785 leaves unescaped) is one leaf, also for ``ledger
restore``, which split it in two before.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import TamperDetected
from ledger.export_layout import check_export, read_log
from tests.core.exports import make_export, run

SHOOTING = {
    "incident": "INC-1",
    "area": "Lyari",
    "killed": 0,
    "injured": 1,
    "source": "police",
    # U+2028 and U+0085: line breaks to str.splitlines(), plain characters to JSON
    "description": "Shots fired\u2028near the market\u0085 at night.",
}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export of a charter and one shooting whose description holds U+2028 and U+0085."""
    return make_export(
        tmp_path_factory.mktemp("compressed-export"), "shooting.reported", "police", SHOOTING
    )


@pytest.fixture
def packed(export: Path, tmp_path: Path) -> Path:
    """The export with its log compressed as the site publishes it, and no log.jsonl."""
    target = tmp_path / "packed"
    shutil.copytree(export, target)
    plain = target / "log.jsonl"
    (target / "log.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    plain.unlink()
    return target


def verify(directory: Path) -> Any:
    return run("verify", "--export", str(directory), keys=directory)


def test_the_log_holds_the_line_separators_raw(export: Path) -> None:
    """What the other tests lean on: the leaf carries U+2028 and U+0085 as bytes, not escaped."""
    log = (export / "log.jsonl").read_bytes()
    assert "\u2028".encode() in log and "\u0085".encode() in log
    assert log.count(b"\n") == 2
    assert len(log.decode("utf-8").splitlines()) == 4  # what restore split it into before


def test_the_compressed_log_verifies_as_downloaded_with_the_same_root(
    export: Path, packed: Path
) -> None:
    result = verify(packed)
    assert result.exit_code == 0, result.output
    assert "OK: 2 events" in result.said
    assert check_export(packed).report.root == check_export(export).report.root


def test_a_download_cut_short_is_named_and_fails(packed: Path) -> None:
    log = packed / "log.jsonl.gz"
    log.write_bytes(log.read_bytes()[:-30])
    result = verify(packed)
    assert result.exit_code == 5, result.output
    assert "log.jsonl.gz cannot be decompressed after line" in result.said
    assert "download it again" in result.said and "Traceback" not in result.output


def test_a_file_that_is_not_gzip_is_named_and_fails(export: Path, packed: Path) -> None:
    (packed / "log.jsonl.gz").write_bytes((export / "log.jsonl").read_bytes())
    result = verify(packed)
    assert result.exit_code == 5, result.output
    assert "log.jsonl.gz cannot be decompressed after line 0" in result.said


def test_a_changed_statement_is_named_by_its_line_in_the_compressed_log(packed: Path) -> None:
    log = packed / "log.jsonl.gz"
    text = gzip.decompress(log.read_bytes()).replace(b'"injured":1', b'"injured":2')
    log.write_bytes(gzip.compress(text, mtime=0))
    result = verify(packed)
    assert result.exit_code == 5, result.output
    assert "log.jsonl.gz line 2" in result.said


def test_both_logs_side_by_side_are_refused_naming_both(export: Path, packed: Path) -> None:
    shutil.copy(export / "log.jsonl", packed / "log.jsonl")
    result = verify(packed)
    assert result.exit_code == 5, result.output
    assert "both log.jsonl and log.jsonl.gz are in the export directory" in result.said


def test_a_damaged_compressed_log_is_refused_to_a_reader_of_its_lines(packed: Path) -> None:
    log = packed / "log.jsonl.gz"
    log.write_bytes(log.read_bytes()[:-30])
    with pytest.raises(TamperDetected, match="cannot be decompressed"):
        list(read_log(log))


@pytest.mark.parametrize("form", ["log.jsonl", "log.jsonl.gz"])
def test_restore_keeps_a_statement_holding_line_separators_whole(
    export: Path, packed: Path, tmp_path: Path, form: str
) -> None:
    source = export if form == "log.jsonl" else packed
    db = tmp_path / "restored.db"
    result = run("restore", str(source), "--db", str(db), keys=source)
    assert result.exit_code == 0, result.output
    assert "Restored 2 events" in result.said
    root = check_export(export).report.root.hex()
    assert root in result.said
    events = run("verify", "--db", str(db), keys=source)
    assert events.exit_code == 0, events.output


def test_a_report_from_the_compressed_log_equals_the_one_from_the_plain_log(
    export: Path, packed: Path
) -> None:
    plain = run("report", "promises", "--json", "--from-export", str(export), keys=export)
    compressed = run("report", "promises", "--json", "--from-export", str(packed), keys=packed)
    assert plain.exit_code == compressed.exit_code == 0, (plain.output, compressed.output)
    assert json.loads(plain.output) == json.loads(compressed.output)
    assert json.loads(plain.output)["tree_size"] == 2
