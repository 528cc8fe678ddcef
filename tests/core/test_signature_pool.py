"""The checking workers give exactly the answers of checking every line in this process,
and an import names the same first bad line with them as without them.

A worker parses and checks a line and sends back only its content id and a yes
or no; the reading process rebuilds the statement from the same text. These
tests hold the pooled answers to the inline ones, line by line, on the inputs
where the two could part: lines that are not the canonical leaf, a forged
signature, a key nobody registered, a line that does not parse, and positions
a verified checkpoint covers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import InvalidSignature, LedgerError, MalformedStatement
from ledger.importing import import_lines
from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.signature_pool import Checked, Checker
from ledger.statements import Draft, format_time
from ledger.storage import open_store

START = datetime(2026, 1, 1, tzinfo=UTC)
FORGED, UNKNOWN_KEY, NOT_JSON, REORDERED = 40, 41, 42, 43


def _lines(tmp_path: Path) -> list[str]:
    """A charter, then 300 appointments; a few lines spoiled, one rewritten but still valid."""
    keyring = Keyring.create(tmp_path / "keys")
    lines = [keyring.sign(keyring.charter_draft(format_time(START)), now=START).leaf_bytes()]
    for i in range(300):
        moment = START + timedelta(minutes=i)
        data = {"head": f"H-{i}", "term_start": format_time(moment), "reason": "appointed"}
        draft = Draft(
            type="head.appointed", recorder="committee", occurred_at=format_time(moment), data=data
        )
        lines.append(keyring.sign(draft, now=moment).leaf_bytes())
    text = [line.decode("utf-8") for line in lines]
    forged = json.loads(text[FORGED])
    forged["data"]["head"] = "H-forged"
    text[FORGED] = json.dumps(forged)
    stranger = Draft(
        type="head.appointed", recorder="committee", occurred_at=format_time(START), data={}
    ).sign(ledger=keyring.origin, key=Ed25519PrivateKey.generate(), now=START)
    text[UNKNOWN_KEY] = stranger.leaf_bytes().decode("utf-8")
    text[NOT_JSON] = text[NOT_JSON][:-2]
    reordered = json.loads(text[REORDERED])
    text[REORDERED] = json.dumps(dict(reversed(reordered.items())), indent=1)
    return text


def _checked(processes: int, lines: list[str], covered: int = 0) -> list[Checked]:
    checker = Checker(processes)
    try:
        return [c for _, c in checker.check_stream(enumerate(lines, 1), {}, covered=covered)]
    finally:
        checker.close()


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return _lines(tmp_path_factory.mktemp("pool"))


def test_workers_answer_line_for_line_as_this_process_does(lines: list[str]) -> None:
    inline, pooled = _checked(1, lines), _checked(3, lines)
    assert pooled == inline
    by_line = {c.line: c for c in pooled}
    assert [n for n, c in by_line.items() if not c.signature_ok] == [
        FORGED + 1,
        UNKNOWN_KEY + 1,
        NOT_JSON + 1,
    ]
    error = by_line[NOT_JSON + 1].error
    assert error is not None and error[0] == "MalformedStatement"
    assert by_line[1].statement is not None and by_line[1].statement.type == "ledger.chartered"


def test_a_line_that_is_not_the_canonical_leaf_is_rebuilt_from_its_own_signed_body(
    lines: list[str],
) -> None:
    rewritten = _checked(3, lines)[REORDERED]
    st = rewritten.statement
    assert st is not None and rewritten.signature_ok
    assert st.leaf_bytes() != lines[REORDERED].encode("utf-8")
    assert st.leaf_bytes() == json.dumps(
        json.loads(lines[REORDERED]), sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def test_covered_positions_are_parsed_without_checking_their_signatures(
    lines: list[str],
) -> None:
    pooled = _checked(3, lines, covered=FORGED + 1)
    assert pooled == _checked(1, lines, covered=FORGED + 1)
    assert pooled[FORGED].signature_ok, "a covered position's signature is not checked again"
    assert not pooled[UNKNOWN_KEY].signature_ok, "the first position after the cover is"


def _appointments(keyring: Keyring) -> list[str]:
    """Three hundred statements that pass every rule: heads appointed and removed in turn."""
    lines = []
    for i in range(300):
        moment = START + timedelta(minutes=i)
        if i % 2 == 0:
            data = {"head": f"H-{i}", "term_start": format_time(moment), "reason": "appointed"}
            kind = "head.appointed"
        else:
            data = {"head": f"H-{i - 1}", "reason": "term ended"}
            kind = "head.removed"
        draft = Draft(type=kind, recorder="committee", occurred_at=format_time(moment), data=data)
        lines.append(keyring.sign(draft, now=moment).leaf_bytes().decode("utf-8"))
    return lines


@pytest.mark.parametrize(
    ("spoiled", "error", "line"),
    [
        ({150: "forge", 250: "cut"}, InvalidSignature, 150),
        ({130: "cut", 150: "forge"}, MalformedStatement, 130),
    ],
)
def test_an_import_names_the_same_first_bad_line_with_or_without_workers(
    tmp_path: Path,
    keyring: Keyring,
    spoiled: dict[int, str],
    error: type[LedgerError],
    line: int,
) -> None:
    lines = _appointments(keyring)
    for number, how in spoiled.items():
        if how == "cut":
            lines[number - 1] = lines[number - 1][:-2]
        else:
            forged = json.loads(lines[number - 1])
            forged["data"]["reason"] = "forged"
            lines[number - 1] = json.dumps(forged)
    outcomes = []
    for processes in (1, 3):
        db = str(tmp_path / f"import-{processes}.db")
        ledger = Ledger(open_store(db), log_key=keyring.log_key(), checker=Checker(processes))
        try:
            ledger.append([keyring.sign(keyring.charter_draft(format_time(START)), now=START)])
            with pytest.raises(error) as refused:
                import_lines(ledger, enumerate(lines, 1), batch_size=100)
            outcomes.append((refused.value.line, refused.value.field, ledger.size, ledger.root()))
        finally:
            ledger.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == line
    assert outcomes[0][2] == 1 + 100, "the batch before the bad line is stored, its own is not"
