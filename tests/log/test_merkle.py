"""Properties and known vectors of the RFC 6962 Merkle tree in ledger.log.merkle."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.log.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# RFC 6962 test data used by certificate-transparency (C++/Go) merkle tests.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (index, size, proof)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [  # (old, new, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def naive_mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 section 2.1 MTH, written as the RFC states it."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(naive_mth(leaves[:k]), naive_mth(leaves[k:]))


def tree_over(leaves: list[bytes]) -> MerkleTree:
    return MerkleTree(lambda start, end: leaves[start:end], len(leaves))


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


LEAF_LISTS = st.lists(st.binary(max_size=16), max_size=70).map(
    lambda ds: [leaf_hash(d) for d in ds]
)


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert Frontier().root() == EMPTY_ROOT
    assert tree_over([]).root() == EMPTY_ROOT


def test_rfc6962_reference_roots_for_sizes_0_to_8() -> None:
    hashes = [leaf_hash(d) for d in CT_LEAVES]
    tree = tree_over(hashes)
    frontier = Frontier()
    for size in range(9):
        assert tree.root(size).hex() == CT_ROOTS[size]
        assert frontier.root().hex() == CT_ROOTS[size]
        if size < 8:
            frontier.append(hashes[size])


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_rfc6962_reference_inclusion_proofs(index: int, size: int, expected: list[str]) -> None:
    hashes = [leaf_hash(d) for d in CT_LEAVES]
    proof = tree_over(hashes).inclusion_proof(index, size)
    assert [p.hex() for p in proof] == expected
    verify_inclusion(hashes[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "expected"), CT_CONSISTENCY)
def test_rfc6962_reference_consistency_proofs(old: int, new: int, expected: list[str]) -> None:
    hashes = [leaf_hash(d) for d in CT_LEAVES]
    proof = tree_over(hashes).consistency_proof(old, new)
    assert [p.hex() for p in proof] == expected
    verify_consistency(old, new, bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new]), proof)


@given(LEAF_LISTS)
def test_frontier_root_equals_naive_mth(leaves: list[bytes]) -> None:
    frontier = Frontier()
    for h in leaves:
        frontier.append(h)
    assert frontier.size == len(leaves)
    assert frontier.root() == naive_mth(leaves)
    assert len(frontier.hashes()) == bin(len(leaves)).count("1")


@given(LEAF_LISTS)
def test_frontier_survives_persist_and_restore(leaves: list[bytes]) -> None:
    frontier = Frontier()
    for h in leaves[: len(leaves) // 2]:
        frontier.append(h)
    restored = Frontier.from_hashes(frontier.size, frontier.hashes())
    for h in leaves[len(leaves) // 2 :]:
        restored.append(h)
    assert restored.root() == naive_mth(leaves)


def test_frontier_restore_refuses_wrong_hash_count() -> None:
    with pytest.raises(ProofError, match="has 2 hashes"):
        Frontier.from_hashes(3, [EMPTY_ROOT])


@given(LEAF_LISTS)
def test_tree_root_and_subtrees_equal_naive_mth_at_every_size(leaves: list[bytes]) -> None:
    tree = tree_over(leaves)
    for size in range(len(leaves) + 1):
        assert tree.root(size) == naive_mth(leaves[:size])
    for start in range(0, len(leaves), 7):
        for end in range(start + 1, len(leaves) + 1, 5):
            assert tree.subtree_hash(start, end) == naive_mth(leaves[start:end])


def test_appending_keeps_the_tree_equal_to_a_rebuilt_one() -> None:
    leaves: list[bytes] = []
    tree = MerkleTree(lambda s, e: leaves[s:e], 0)
    for i in range(600):
        leaves.append(leaf_hash(b"%d" % i))
        assert tree.append(leaves[-1]) == i
    rebuilt = tree_over(leaves)
    assert tree.root() == rebuilt.root() == naive_mth(leaves)
    assert tree.inclusion_proof(300, 599) == rebuilt.inclusion_proof(300, 599)
    assert tree.consistency_proof(257, 600) == rebuilt.consistency_proof(257, 600)


def test_every_inclusion_proof_verifies_and_any_tampering_fails() -> None:
    leaves = [leaf_hash(b"x%d" % i) for i in range(33)]
    tree = tree_over(leaves)
    for size in range(1, 34):
        root = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            verify_inclusion(leaves[index], index, size, proof, root)
            for k in range(len(proof)):
                bad = proof[:k] + [flip(proof[k])] + proof[k + 1 :]
                with pytest.raises(ProofError):
                    verify_inclusion(leaves[index], index, size, bad, root)
            with pytest.raises(ProofError):
                verify_inclusion(flip(leaves[index]), index, size, proof, root)
            for other in (index - 1, index + 1):
                if 0 <= other < size and leaves[other] != leaves[index]:
                    with pytest.raises(ProofError):
                        verify_inclusion(leaves[index], other, size, proof, root)
            for other_size in (size - 1, size + 1):
                if index < other_size <= len(leaves):
                    with pytest.raises(ProofError):
                        verify_inclusion(
                            leaves[index], index, other_size, proof, tree.root(other_size)
                        )
            with pytest.raises(ProofError):
                verify_inclusion(leaves[index], index, size, proof + [root], root)


@given(st.integers(1, 70), st.data())
def test_random_inclusion_proofs_verify(n: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(b"%d" % i) for i in range(n)]
    tree = tree_over(leaves)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    verify_inclusion(
        leaves[index], index, size, tree.inclusion_proof(index, size), naive_mth(leaves[:size])
    )


def test_every_consistency_proof_up_to_40_verifies_and_tampering_fails() -> None:
    leaves = [leaf_hash(b"c%d" % i) for i in range(40)]
    tree = tree_over(leaves)
    roots = {n: naive_mth(leaves[:n]) for n in range(41)}
    for new in range(1, 41):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            verify_consistency(old, new, roots[old], roots[new], proof)
            for k in range(len(proof)):
                bad = proof[:k] + [flip(proof[k])] + proof[k + 1 :]
                with pytest.raises(ProofError):
                    verify_consistency(old, new, roots[old], roots[new], bad)
            with pytest.raises(ProofError):
                verify_consistency(old, new, flip(roots[old]), roots[new], proof)
            with pytest.raises(ProofError):
                verify_consistency(old, new, roots[old], flip(roots[new]), proof)
            if old > 1:
                with pytest.raises(ProofError):
                    verify_consistency(old - 1, new, roots[old - 1], roots[new], proof)
            if new < 40:
                with pytest.raises(ProofError):
                    verify_consistency(old, new + 1, roots[old], roots[new + 1], proof)


def test_proof_requests_outside_the_tree_are_refused() -> None:
    tree = tree_over([leaf_hash(b"a"), leaf_hash(b"b")])
    for call in (
        lambda: tree.inclusion_proof(2, 2),
        lambda: tree.inclusion_proof(0, 3),
        lambda: tree.inclusion_proof(-1, 2),
        lambda: tree.consistency_proof(0, 2),
        lambda: tree.consistency_proof(2, 1),
        lambda: tree.root(3),
        lambda: tree.subtree_hash(1, 1),
        lambda: tree.tile_hashes(0, 0, 3),
    ):
        with pytest.raises(ProofError):
            call()


def test_verifiers_refuse_malformed_arguments_with_proof_error() -> None:
    h = leaf_hash(b"a")
    with pytest.raises(ProofError, match="must have 0 hashes"):
        verify_inclusion(h, 0, 1, [h], h)
    with pytest.raises(ProofError, match="not in a tree"):
        verify_inclusion(h, 1, 1, [], h)
    with pytest.raises(ProofError, match="32-byte"):
        verify_inclusion(h, 0, 2, [b"short"], h)
    with pytest.raises(ProofError, match="0 < old size"):
        verify_consistency(0, 1, EMPTY_ROOT, h, [])
    with pytest.raises(ProofError, match="different roots"):
        verify_consistency(1, 1, h, flip(h), [])


def test_tile_hashes_are_subtree_roots_of_256_power_leaves() -> None:
    leaves = [leaf_hash(b"t%d" % i) for i in range(256 * 3 + 5)]
    tree = tree_over(leaves)
    assert tree.tile_hashes(0, 3, 5) == leaves[768:773]
    assert tree.tile_hashes(1, 0, 3) == [
        naive_mth(leaves[i * 256 : (i + 1) * 256]) for i in range(3)
    ]
    with pytest.raises(ProofError):
        tree.tile_hashes(1, 0, 4)


def test_proofs_over_a_million_leaves_cost_a_few_hundred_hashes() -> None:
    n = 1_000_000
    leaves = [hashlib.sha256(b"%d" % i).digest() for i in range(n)]
    tree = tree_over(leaves)  # warm-up: hashes every complete 256-leaf subtree once
    root = tree.root()
    for index, size, old in (
        (0, n, 1),
        (123_457, n, 999_999),
        (999_999, n, 524_288),
        (654_321, 987_654, 37),
    ):
        before = tree.hash_count
        proof = tree.inclusion_proof(index, size)
        assert tree.hash_count - before <= 600, f"inclusion proof of {index} in {size}"
        before = tree.hash_count
        consistency = tree.consistency_proof(old, size)
        assert tree.hash_count - before <= 600, f"consistency proof {old} -> {size}"
        size_root = tree.root(size)
        verify_inclusion(leaves[index], index, size, proof, size_root)
        verify_consistency(old, size, tree.root(old), size_root, consistency)
    assert tree.root(n) == root == tree.frontier.root()


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=1100))
def test_a_tree_built_level_by_level_is_the_tree_appended_leaf_by_leaf(size: int) -> None:
    hashes = [leaf_hash(b"leaf %d" % i) for i in range(size)]
    appended = MerkleTree(lambda start, end: hashes[start:end], size=0)
    for h in hashes:
        appended.append(h)
    built = MerkleTree.over(hashes)
    assert built.size == appended.size == size
    assert built.root() == appended.root() == root_of(hashes)
    assert built.frontier.hashes() == appended.frontier.hashes()
    assert built._memo == appended._memo
    for old in {0, 1, size // 3, size - 1}:
        if 0 <= old <= size:
            assert built.root(old) == root_of(hashes[:old])
            if old:
                assert built.consistency_proof(old) == appended.consistency_proof(old)
    if size:
        assert built.inclusion_proof(size // 2) == appended.inclusion_proof(size // 2)
    more = leaf_hash(b"one more")
    hashes.append(more)
    built.append(more)
    assert built.root() == root_of(hashes)


def test_a_tree_is_not_built_over_a_hash_of_the_wrong_length() -> None:
    with pytest.raises(ProofError, match="leaf hash 2"):
        MerkleTree.over([leaf_hash(b"a"), leaf_hash(b"b"), b"short", leaf_hash(b"d")])


@pytest.mark.parametrize(
    ("bad", "position"), [(b"\x00" * 31, 2), (None, 1), ("a" * 32, 0), (b"\x00" * 33, 3)]
)
def test_a_tree_built_over_a_hash_that_is_not_32_bytes_names_it(bad: Any, position: int) -> None:
    hashes: list[Any] = [bytes([i]) * 32 for i in range(4)]
    hashes[position] = bad
    with pytest.raises(ProofError, match=f"leaf hash {position} must be a 32-byte hash"):
        MerkleTree.over(hashes)
    assert MerkleTree.over([bytearray(h) for h in hashes[:position]]).size == position
