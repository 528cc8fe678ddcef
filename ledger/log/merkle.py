"""RFC 6962 / RFC 9162 Merkle tree: hashing, proof generation and verification.

The ledger's log is an RFC 6962 Merkle tree so that any client holding a signed
checkpoint can check, with standard tooling (Go's ``golang.org/x/mod/sumdb/tlog``,
transparency-dev, CT libraries), that an entry is in the log and that the log
only ever grew. Proofs produced here are byte-for-byte those of Go's
``tlog.ProveRecord`` / ``tlog.ProveTree``; the verifiers implement the RFC 9162
algorithms of sections 2.1.3.2 and 2.1.4.2.

Hashes are 32-byte SHA-256 digests. Leaf indexes are zero-based; a tree of
``size`` leaves holds indexes ``0 .. size-1``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from ledger.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The RFC 6962 hash of the empty tree: SHA-256 of the empty string."""

TILE_HEIGHT = 8
"""C2SP tlog-tiles tile height: a tile spans 2**8 = 256 hashes of one level."""

_TILE_WIDTH = 1 << TILE_HEIGHT
_MAX_SIZE = (1 << 63) - 1  # interoperate with int64 sizes (Go, C2SP checkpoints)

LeafHashSource = Callable[[int, int], Sequence[bytes]]
"""``leaf_hashes(start, end)`` returns the leaf hashes of indexes start..end-1."""


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split_point(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (n >= 2): RFC 6962's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash")


def _check_size(size: int, what: str = "tree size") -> None:
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= _MAX_SIZE:
        raise ProofError(f"{what} must be an integer in 0..2^63-1, got {size!r}")


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the RFC 6962 Merkle Tree Hash of an in-memory list of leaf hashes.

    Used for small ranges (at most a tile) and by tests; O(n) hashes.
    """
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


class Frontier:
    """The compact range [0, size): roots of the complete subtrees covering it.

    ``hashes()`` lists one root per set bit of ``size``, largest (leftmost)
    subtree first. This is all a log writer must keep to compute its next root
    and to append in O(log n), and it is what a writer persists between runs.
    """

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Sequence[bytes]) -> Frontier:
        """Restore a frontier persisted with ``size`` and ``hashes()``.

        Raises ProofError if the number of hashes does not match ``size``.
        """
        _check_size(size)
        expected = bin(size).count("1")
        if len(hashes) != expected:
            raise ProofError(f"a frontier of size {size} has {expected} hashes, got {len(hashes)}")
        for i, h in enumerate(hashes):
            _check_hash(h, f"frontier hash {i}")
        frontier = cls()
        frontier._size = size
        frontier._hashes = [bytes(h) for h in hashes]
        return frontier

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def hashes(self) -> list[bytes]:
        """The complete-subtree roots, largest first (a copy, safe to persist)."""
        return list(self._hashes)

    def append(self, leaf: bytes) -> None:
        """Append one leaf hash; O(log n) node hashes."""
        self._push(leaf)

    def _push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append ``leaf`` and return the subtrees it completed.

        Each completed subtree is (height, index, hash): the aligned subtree of
        2**height leaves starting at index * 2**height. MerkleTree uses this to
        fill its memo for free while appending.
        """
        _check_hash(leaf, "leaf hash")
        if self._size >= _MAX_SIZE:
            raise ProofError("the tree is full")
        completed: list[tuple[int, int, bytes]] = []
        n = self._size
        self._hashes.append(bytes(leaf))
        height = 0
        while n & 1:
            right = self._hashes.pop()
            left = self._hashes.pop()
            self._hashes.append(node_hash(left, right))
            height += 1
            n >>= 1
            completed.append((height, ((self._size + 1) >> height) - 1, self._hashes[-1]))
        self._size += 1
        return completed

    def root(self) -> bytes:
        """RFC 6962 Merkle Tree Hash of all leaves appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        h = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            h = node_hash(left, h)
        return h


class MerkleTree:
    """Proof server over leaf hashes kept elsewhere (the ledger's store).

    Contract: ``leaf_hashes(start, end)`` must return exactly ``end - start``
    32-byte hashes for any 0 <= start < end <= size; after ``append`` the source
    must also serve the new leaf. Complete aligned subtrees are immutable in an
    append-only log, so the roots of those of 256 leaves or more are memoised in
    a dict keyed by (height, index); proofs then cost a few hundred hashes
    whatever the tree size. Not thread-safe: guard with the writer's lock.
    """

    def __init__(
        self,
        leaf_hashes: LeafHashSource,
        size: int = 0,
        frontier: Frontier | None = None,
    ) -> None:
        """Serve ``size`` leaves; pass the persisted ``frontier`` to skip the O(n) warm-up."""
        _check_size(size)
        self._leaf_hashes = leaf_hashes
        self._size = size
        self._memo: dict[tuple[int, int], bytes] = {}
        self.hash_count = 0  # node hashes computed, for benchmarks and cost tests
        if frontier is None:
            frontier = Frontier.from_hashes(size, self._frontier_hashes(size))
        elif frontier.size != size:
            raise ProofError(f"frontier size {frontier.size} does not match tree size {size}")
        self._frontier = frontier

    @classmethod
    def over(cls, hashes: Sequence[bytes]) -> MerkleTree:
        """A tree over an in-memory list of leaf hashes (``built`` over that list).

        The tree reads ``hashes`` itself: append to that list before appending
        to the tree.
        """
        return cls.built(lambda start, end: hashes[start:end], hashes)

    @classmethod
    def built(cls, leaf_hashes: LeafHashSource, hashes: Sequence[bytes]) -> MerkleTree:
        """A tree of ``len(hashes)`` leaves served by ``leaf_hashes``, built level by level.

        ``hashes`` are the leaf hashes the source serves, in order. Each level
        of complete subtrees is hashed from the one below in one pass (the
        same node hashes appending each leaf would compute, in a tight loop),
        the roots of complete subtrees of 256 leaves or more are memoised as
        ``append`` memoises them, and the frontier is the last complete
        subtree of each level the size has a bit for. Roots of earlier sizes
        and proofs then cost a few hundred hashes.
        """
        size = len(hashes)
        _check_size(size)
        # every hash 32 bytes, checked in two passes in C (a tenth of a loop's time at a
        # million leaves); only when one is not is each looked at, to name it
        if set(map(type, hashes)) - {bytes} or set(map(len, hashes)) - {HASH_SIZE}:
            for i, h in enumerate(hashes):
                _check_hash(h, f"leaf hash {i}")
        tree = cls(leaf_hashes, size=0)
        sha256 = hashlib.sha256
        level: Sequence[bytes] = hashes
        frontier: list[bytes] = []
        height = 0
        while level:
            if size >> height & 1:
                frontier.append(level[-1])
            pairs = len(level) // 2
            if not pairs:
                break
            level = [
                sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, 2 * pairs, 2)
            ]
            height += 1
            tree.hash_count += pairs
            if height >= TILE_HEIGHT:
                tree._memo.update(((height, index), h) for index, h in enumerate(level))
        frontier.reverse()
        tree._frontier = Frontier.from_hashes(size, frontier)
        tree._size = size
        return tree

    @property
    def size(self) -> int:
        """Number of leaves in the tree."""
        return self._size

    @property
    def frontier(self) -> Frontier:
        """The current frontier (persist it to restart without re-hashing)."""
        return Frontier.from_hashes(self._frontier.size, self._frontier.hashes())

    def append(self, leaf: bytes) -> int:
        """Append a leaf hash the source already serves; return its index."""
        index = self._size
        for height, idx, h in self._frontier._push(leaf):
            self.hash_count += 1
            if height >= TILE_HEIGHT:
                self._memo[(height, idx)] = h
        self._size += 1
        return index

    def root(self, size: int | None = None) -> bytes:
        """RFC 6962 root of the first ``size`` leaves (default: all of them)."""
        if size is None or size == self._size:
            return self._frontier.root()
        self._check_within(size)
        if size == 0:
            return EMPTY_ROOT
        return self._range_hash(0, size)

    def subtree_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves start..end-1 (a non-empty range inside the tree)."""
        _check_size(start, "start")
        _check_size(end, "end")
        if not start < end <= self._size:
            raise ProofError(
                f"subtree [{start}, {end}) is not a non-empty range of a tree of size {self._size}"
            )
        return self._range_hash(start, end)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 2.1.3.1 inclusion proof of leaf ``index`` in the tree of ``size``.

        Ordered from the leaf's sibling up to the root's child, as Go's
        ``tlog.ProveRecord`` and the C2SP tlog-proof format expect.
        """
        size = self._size if size is None else size
        self._check_within(size)
        _check_size(index, "index")
        if index >= size:
            raise ProofError(f"index {index} is not in a tree of size {size}")
        proof: list[bytes] = []
        self._path(index, 0, size, proof)
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 2.1.4.1 consistency proof from ``old_size`` to ``new_size``.

        Requires 0 < old_size <= new_size <= size; old_size == new_size gives
        an empty proof (as Go's ``tlog.ProveTree``). Every tree is consistent
        with the empty one, so there is no proof from size 0.
        """
        new_size = self._size if new_size is None else new_size
        self._check_within(new_size)
        _check_size(old_size, "old size")
        if not 0 < old_size <= new_size:
            raise ProofError(
                f"no consistency proof from size {old_size} to size {new_size}:"
                " need 0 < old size <= new size"
            )
        proof: list[bytes] = []
        self._subproof(old_size, 0, new_size, True, proof)
        return proof

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """The leaf hashes of positions ``start`` to ``end - 1``."""
        _check_size(start)
        self._check_within(end)
        if start > end:
            raise ProofError(f"a range of leaves from {start} to {end} is empty backwards")
        return self._leaves(start, end)

    def tile_hashes(self, level: int, index: int, width: int) -> list[bytes]:
        """Hashes of the C2SP tlog-tiles tile ``level``/``index`` of ``width``.

        Level L holds the roots of the aligned subtrees of 256**L leaves; tile N
        holds those numbered N*256 .. N*256+width-1 (level 0: leaf hashes).
        """
        _check_size(level, "tile level")
        _check_size(index, "tile index")
        if not 1 <= width <= _TILE_WIDTH:
            raise ProofError(f"tile width must be 1..{_TILE_WIDTH}, got {width}")
        height = TILE_HEIGHT * level
        first = index * _TILE_WIDTH
        if height > 63 or (first + width) << height > self._size:
            raise ProofError(
                f"tile {level}/{index} of width {width} is beyond a tree of size {self._size}"
            )
        if level == 0:
            return self._leaves(first, first + width)
        return [self._perfect(height, first + i) for i in range(width)]

    # -- internals ---------------------------------------------------------

    def _check_within(self, size: int) -> None:
        _check_size(size)
        if size > self._size:
            raise ProofError(f"size {size} is beyond the tree's size {self._size}")

    def _leaves(self, start: int, end: int) -> list[bytes]:
        hashes = list(self._leaf_hashes(start, end))
        if len(hashes) != end - start:
            raise ProofError(
                f"leaf source returned {len(hashes)} hashes for range [{start}, {end})"
            )
        for i, h in enumerate(hashes):
            _check_hash(h, f"leaf hash {start + i}")
        return hashes

    def _fold(self, hashes: Sequence[bytes]) -> bytes:
        """MTH over a list of sibling subtree roots of equal size (power-of-two count)."""
        level = list(hashes)
        while len(level) > 1:
            self.hash_count += len(level) // 2
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        return level[0]

    def _perfect(self, height: int, index: int) -> bytes:
        """Root of the complete subtree of 2**height leaves starting at index*2**height."""
        key = (height, index)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if height < TILE_HEIGHT:
            start = index << height
            return self._fold(self._leaves(start, start + (1 << height)))
        if height == TILE_HEIGHT:
            start = index << height
            h = self._fold(self._leaves(start, start + (1 << height)))
        else:
            # Every complete subtree of height >= 8 is memoised, so one hash here.
            h = self._fold(
                [self._perfect(height - 1, 2 * index), self._perfect(height - 1, 2 * index + 1)]
            )
        self._memo[key] = h
        return h

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves start..end-1 (RFC 6962 recursion, using the memo)."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self._perfect(n.bit_length() - 1, start // n)
        if n <= _TILE_WIDTH:
            self.hash_count += n - 1
            return root_of(self._leaves(start, end))
        k = _split_point(n)
        self.hash_count += 1
        return node_hash(self._range_hash(start, start + k), self._range_hash(start + k, end))

    def _path(self, index: int, lo: int, hi: int, out: list[bytes]) -> None:
        """Append the RFC 6962 PATH(index, D[lo:hi]) to ``out`` (leaf side first)."""
        if hi - lo == 1:
            return
        k = _split_point(hi - lo)
        if index < lo + k:
            self._path(index, lo, lo + k, out)
            out.append(self._range_hash(lo + k, hi))
        else:
            self._path(index, lo + k, hi, out)
            out.append(self._range_hash(lo, lo + k))

    def _subproof(self, m: int, lo: int, hi: int, complete: bool, out: list[bytes]) -> None:
        """Append RFC 6962 SUBPROOF(m, D[lo:hi], complete) to ``out``."""
        if lo + m == hi:
            if not complete:
                out.append(self._range_hash(lo, hi))
            return
        k = _split_point(hi - lo)
        if m <= k:
            self._subproof(m, lo, lo + k, complete, out)
            out.append(self._range_hash(lo + k, hi))
        else:
            self._subproof(m - k, lo + k, hi, False, out)
            out.append(self._range_hash(lo, lo + k))

    def _frontier_hashes(self, size: int) -> list[bytes]:
        hashes = []
        start = 0
        for height in range(size.bit_length() - 1, -1, -1):
            if size >> height & 1:
                hashes.append(self._perfect(height, start >> height))
                start += 1 << height
        return hashes


# -- verification (RFC 9162) -------------------------------------------------


def _inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in the inclusion proof of ``index`` in a tree of ``size``."""
    length = 0
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split_point(hi - lo)
        if index < lo + k:
            hi = lo + k
        else:
            lo += k
        length += 1
    return length


def _consistency_proof_length(old_size: int, new_size: int) -> int:
    """Number of hashes in the consistency proof from ``old_size`` to ``new_size``."""
    length = 0
    m, lo, hi, complete = old_size, 0, new_size, True
    while lo + m != hi:
        k = _split_point(hi - lo)
        if m <= k:
            hi = lo + k
        else:
            m, lo, complete = m - k, lo + k, False
        length += 1
    return length + (0 if complete else 1)


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        _check_hash(h, f"proof hash {i}")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 2.1.3.2); raise ProofError if it fails."""
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root hash")
    _check_size(size)
    _check_size(index, "index")
    if index >= size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    _check_proof_hashes(proof)
    expected = _inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise ProofError(
            f"inclusion proof for index {index} in a tree of size {size} must have"
            f" {expected} hashes, got {len(proof)}"
        )
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root:
        raise ProofError(
            f"inclusion proof for index {index} does not lead to the root of the tree of size {size}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 2.1.4.2); raise ProofError if it fails.

    Requires 0 < old_size <= new_size; equal sizes need an empty proof and equal roots.
    """
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    _check_size(old_size, "old size")
    _check_size(new_size, "new size")
    if not 0 < old_size <= new_size:
        raise ProofError(
            f"no consistency proof from size {old_size} to size {new_size}:"
            " need 0 < old size <= new size"
        )
    _check_proof_hashes(proof)
    expected = _consistency_proof_length(old_size, new_size)
    if len(proof) != expected:
        raise ProofError(
            f"consistency proof from size {old_size} to {new_size} must have"
            f" {expected} hashes, got {len(proof)}"
        )
    if old_size == new_size:
        if old_root != new_root:
            raise ProofError(f"two different roots for the same tree size {old_size}")
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the new root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the new root")
    if fr != old_root:
        raise ProofError(f"consistency proof does not lead to the old root (size {old_size})")
    if sr != new_root:
        raise ProofError(f"consistency proof does not lead to the new root (size {new_size})")
