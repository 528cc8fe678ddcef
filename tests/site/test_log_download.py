"""The compressed log download: ``log.jsonl`` once gunzipped, and rebuilt by compressing only what grew."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from public_site import log_download
from public_site.output import STATE_FILE, SiteWriter

LOG = "data/export/log.jsonl.gz"


def leaves(count: int) -> list[bytes]:
    return [json.dumps({"n": n, "text": "x" * (n % 7)}).encode("utf-8") for n in range(count)]


def write(root: Path, count: int) -> list[int]:
    """The log of ``count`` leaves at ``root``, as a build does it; returns the sizes of the chunks compressed."""
    compressed: list[int] = []
    real = log_download.compressed

    def counting(chunk: list[bytes]) -> bytes:
        compressed.append(len(chunk))
        return real(chunk)

    writer = SiteWriter(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(log_download, "compressed", counting)
        log_download.write_compressed_log(writer, LOG, leaves(count))
    writer.finish()
    return compressed


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log_download, "CHUNK", 4)


def test_gunzip_gives_back_every_leaf_as_a_line_of_log_jsonl(tmp_path: Path) -> None:
    assert write(tmp_path, 10) == [4, 4, 2]
    data = (tmp_path / LOG).read_bytes()
    assert gzip.decompress(data) == b"".join(leaf + b"\n" for leaf in leaves(10))
    assert data.count(b"\x1f\x8b\x08") >= 3  # one gzip member per chunk, read as one stream


def test_a_rebuild_compresses_only_the_chunks_that_grew_and_equals_a_fresh_build(
    tmp_path: Path,
) -> None:
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    write(grown, 10)
    assert write(grown, 10) == []  # nothing new: the file is left alone
    assert write(grown, 13) == [4, 1]  # the partial chunk, now full, and the new one
    assert write(fresh, 13) == [4, 4, 4, 1]
    assert (grown / LOG).read_bytes() == (fresh / LOG).read_bytes()
    state = json.loads((grown / STATE_FILE).read_text("utf-8"))
    assert state[LOG].startswith("parts:") and state[LOG].count("@") == 4


def test_a_file_changed_since_the_last_build_is_compressed_again_in_full(tmp_path: Path) -> None:
    write(tmp_path, 10)
    path = tmp_path / LOG
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    assert write(tmp_path, 11) == [4, 4, 3]
    assert gzip.decompress(path.read_bytes()) == b"".join(leaf + b"\n" for leaf in leaves(11))


def test_a_log_cut_shorter_than_before_is_written_again_from_its_first_changed_chunk(
    tmp_path: Path,
) -> None:
    write(tmp_path, 13)
    assert write(tmp_path, 9) == [1]
    assert gzip.decompress((tmp_path / LOG).read_bytes()) == b"".join(
        leaf + b"\n" for leaf in leaves(9)
    )
