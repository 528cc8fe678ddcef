"""The tiles format: paths, entry bundles and written tiles, checked against Go's ``sumdb/tlog``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.errors import ProofError
from ledger.log.merkle import MerkleTree, leaf_hash
from ledger.log.tiles import (
    TileAddress,
    entry_bundle,
    id_prefix_length,
    parse_entry_bundle,
    parse_tile_path,
    split_hash_tile,
    tile_path,
    write_tiles,
)
from ledger.statements import event_id_of_leaf
from public_site.build import published_ids
from public_site.output import STATE_FILE, SiteWriter


def c2sp_path_of(go_path: str) -> str:
    """Go writes ``tile/8/<L>/...`` and ``tile/8/data/...``; C2SP drops the height and says entries."""
    prefix, height, rest = go_path.split("/", 2)
    assert (prefix, height) == ("tile", "8"), go_path
    return "tile/" + ("entries/" + rest[len("data/") :] if rest.startswith("data/") else rest)


def test_tile_paths_are_gos_in_the_c2sp_spelling_and_parse_back(go_verifier: Path) -> None:
    result = subprocess.run(
        [str(go_verifier), "vectors", "1"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    vectors = json.loads(result.stdout)["paths"]
    assert len(vectors) == 5 * 9 * 4
    assert {"tile/8/data/x001/x234/067", "tile/8/0/x001/x234/067.p/44"} <= {
        v["path"] for v in vectors
    }
    for v in vectors:
        level = None if v["level"] == -1 else v["level"]
        ours = tile_path(level, v["index"], v["width"])
        assert ours == c2sp_path_of(v["path"]), v
        assert parse_tile_path(ours.removeprefix("tile/")) == TileAddress(
            level, v["index"], v["width"]
        )


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("0/x000/001", "no leading x000"),
        ("0/1", "3-digit path elements"),
        ("0/0001", "3-digit path elements"),
        ("64/000", "0..63"),
        ("01/000", "0..63"),
        ("0/000.p/0", "1..255"),
        ("0/000.p/256", "1..255"),
        ("entries/abc", "3-digit path elements"),
        ("entries", "expected /tile/"),
        ("0/x001/x002/x003/x004/x005/x006/x007/008", "out of range"),
    ],
)
def test_a_tile_path_has_one_spelling(path: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_tile_path(path)


def test_entry_bundles_round_trip_and_refuse_what_does_not_fit() -> None:
    leaves = [b"", b"a", b"x" * 0xFFFF]
    bundle = entry_bundle(leaves)
    assert bundle[:3] == b"\x00\x00\x00" and parse_entry_bundle(bundle, 3) == leaves
    with pytest.raises(ProofError, match="holds 3 entries, expected 4"):
        parse_entry_bundle(bundle, 4)
    with pytest.raises(ProofError, match="ends inside an entry"):
        parse_entry_bundle(bundle[:-1], 3)
    with pytest.raises(ValueError, match="65536 bytes does not fit"):
        entry_bundle([b"x" * 0x10000])
    with pytest.raises(ProofError, match="width 2 is 64 bytes, got 63"):
        split_hash_tile(b"h" * 63, 2)


def test_tiles_of_a_larger_log_match_tlog_tiles_full_and_partial(tmp_path: Path) -> None:
    texts = [
        json.dumps(
            {"n": i, "signature": f"s{i}", "type": "t", "v": 1}, separators=(",", ":")
        ).encode()
        for i in range(256 * 256 + 300)
    ]
    hashes = [leaf_hash(t) for t in texts]
    tree = MerkleTree(lambda a, b: hashes[a:b], size=len(hashes))
    writer = SiteWriter(tmp_path)
    ids = write_tiles(writer, texts, len(texts), tree.root(), under="data/")
    assert ids == [event_id_of_leaf(t) for t in texts]
    assert len(set(ids)) == len(texts) and id_prefix_length(len(texts)) == 3
    assert json.loads((tmp_path / "data" / "ids" / f"{ids[7][:3]}.json").read_text())[ids[7]] == 7
    tiles = tmp_path / "data" / "tile"
    for level, index, width, path in (
        (0, 0, 256, "0/000"),
        (0, 256, 256, "0/256"),
        (0, 257, 44, "0/257.p/44"),
        (1, 0, 256, "1/000"),
        (1, 1, 1, "1/001.p/1"),
        (2, 0, 1, "2/000.p/1"),
    ):
        assert (tiles / path).read_bytes() == b"".join(tree.tile_hashes(level, index, width)), path
    assert tile_path(None, 1234067, 256) == "tile/entries/x001/x234/067"
    assert (tiles / "entries" / "000").read_bytes() == entry_bundle(texts[:256])
    assert (tiles / "entries" / "257.p" / "44").read_bytes() == entry_bundle(texts[257 * 256 :])
    assert not (tiles / "3").exists()


def test_tiles_are_never_written_from_leaves_that_miss_the_checkpoints_root(
    tmp_path: Path,
) -> None:
    texts = [b'{"n":1,"signature":"s","type":"t","v":1}']
    with pytest.raises(ValueError, match="do not hash to the checkpoint's root"):
        write_tiles(SiteWriter(tmp_path), texts, 1, leaf_hash(b"another leaf"))
    with pytest.raises(ValueError, match="1 leaves for a checkpoint of size 2"):
        write_tiles(SiteWriter(tmp_path), texts, 2, leaf_hash(texts[0]))
    assert not any(tmp_path.iterdir())


def test_tiles_from_the_ledgers_tree_equal_those_from_the_leaves_and_full_tiles_are_not_made_again(
    tmp_path: Path,
) -> None:
    """A tree of checked leaf hashes (larger than the checkpoint, as a ledger that grew) gives the
    same files; a second build at a larger size neither assembles nor hashes a full tile again."""
    texts = [f'{{"n":{i},"signature":"s","type":"t","v":1}}'.encode() for i in range(800)]
    hashes = [leaf_hash(t) for t in texts]
    tree = MerkleTree(lambda a, b: hashes[a:b], size=len(hashes))
    size = 600
    write_tiles(SiteWriter(tmp_path / "leaves"), texts[:size], size, tree.root(size))
    given = SiteWriter(tmp_path / "tree")
    write_tiles(given, texts[:size], size, tree.root(size), tree=tree)
    given.finish()
    files = {p.relative_to(tmp_path / "leaves") for p in (tmp_path / "leaves").rglob("*")}
    assert files | {Path(STATE_FILE)} == {
        p.relative_to(tmp_path / "tree") for p in (tmp_path / "tree").rglob("*")
    }
    for name in files:
        if (tmp_path / "leaves" / name).is_file():
            assert (tmp_path / "leaves" / name).read_bytes() == (
                tmp_path / "tree" / name
            ).read_bytes()

    keyed: dict[str, bool] = {}

    class Counting(SiteWriter):
        def write_keyed(self, relative: str, key: str, produce: Callable[[], str | bytes]) -> bool:
            keyed[relative] = super().write_keyed(relative, key, produce)
            return keyed[relative]

    write_tiles(Counting(tmp_path / "tree"), texts, len(texts), tree.root(), tree=tree)
    assert keyed == {  # the full tiles: those of the first 512 leaves kept, the third one new
        "tile/0/000": False,
        "tile/0/001": False,
        "tile/0/002": True,
        "tile/entries/000": False,
        "tile/entries/001": False,
        "tile/entries/002": True,
    }


def test_an_entry_bundle_is_never_written_with_leaves_the_tree_does_not_hold(
    tmp_path: Path,
) -> None:
    texts = [f'{{"n":{i},"signature":"s","type":"t","v":1}}'.encode() for i in range(300)]
    hashes = [leaf_hash(t) for t in texts]
    tree = MerkleTree(lambda a, b: hashes[a:b], size=len(hashes))
    forged = [*texts[:10], b'{"n":"forged","signature":"s","type":"t","v":1}', *texts[11:]]
    with pytest.raises(ValueError, match="entry bundle 0 are not the ones the tree holds"):
        write_tiles(SiteWriter(tmp_path), forged, len(forged), tree.root(), tree=tree)
    assert not (tmp_path / "tile" / "entries" / "000").exists()
    with pytest.raises(ValueError, match="a tree of 300 leaves for a checkpoint of size 301"):
        write_tiles(SiteWriter(tmp_path), [*texts, texts[0]], 301, tree.root(), tree=tree)


def test_a_rebuild_reads_only_the_leaves_of_new_bundles_and_takes_kept_ids_from_its_last_shards(
    tmp_path: Path,
) -> None:
    """Leaves are read a bundle at a time and only for the bundles written now; a kept bundle's
    ids come from the id shards the last build wrote, unless a shard was changed since."""
    texts = [f'{{"n":{i},"signature":"s","type":"t","v":1}}'.encode() for i in range(800)]
    hashes = [leaf_hash(t) for t in texts]
    tree = MerkleTree(lambda a, b: hashes[a:b], size=len(hashes))
    site = tmp_path / "site"
    first = SiteWriter(site)
    write_tiles(first, texts[:600], 600, tree.root(600), tree=tree)
    first.finish()
    reads: list[tuple[int, int]] = []

    def read(start: int, end: int) -> list[bytes]:
        reads.append((start, end))
        return texts[start:end]

    again = SiteWriter(site)
    ids = write_tiles(
        again, read, 800, tree.root(), tree=tree, kept_ids=published_ids(again, 800, under="")
    )
    again.finish()
    assert ids == [event_id_of_leaf(t) for t in texts]
    assert reads == [(512, 768), (768, 800)]  # the bundle that filled up, and the new partial one

    shard = sorted((site / "ids").iterdir())[0]
    shard.write_text(shard.read_text("utf-8") + " ", "utf-8")
    reads.clear()
    edited = SiteWriter(site)
    ids = write_tiles(
        edited, read, 800, tree.root(), tree=tree, kept_ids=published_ids(edited, 800, under="")
    )
    assert ids == [event_id_of_leaf(t) for t in texts]
    assert len(reads) == 4  # the edited shard names ids of every bundle: each one is read again
    reads.clear()
    write_tiles(SiteWriter(tmp_path / "none"), read, 800, tree.root(), tree=tree)
    assert reads == [(0, 256), (256, 512), (512, 768), (768, 800)]
