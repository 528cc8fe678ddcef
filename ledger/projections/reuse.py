"""Values computed from lists of records, kept while the lists hold the very same records.

Records kept current across tree sizes (``ledger.projections.maintained``) are
new objects exactly when they were recomputed, so a table or a group's row
computed from a list of records is still right when a later list holds the
same objects in the same order. Checking that is a pass of identity tests,
far cheaper than the sums, sorts and statistics it saves; and no pass at all
when the input is the very tuple kept (the triggers' buckets by group and by
warning are kept as tuples, the same object while their triggers are).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from operator import is_
from typing import Any, NoReturn, TypeVar, cast

T = TypeVar("T")


class Reused:
    """Each value by name, with the lists and the other inputs (``also``) it was computed from."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[tuple[tuple[Any, ...], ...], Hashable, Any]] = {}
        self.computed = 0
        """How many values were computed rather than reused (the tests read it)."""

    def get(
        self,
        name: Hashable,
        inputs: tuple[Sequence[Any], ...],
        also: Hashable,
        compute: Callable[[], T],
        copy: Callable[[T], T] | None = None,
    ) -> T:
        """The value kept under ``name`` when ``inputs`` hold the same objects and ``also``
        is equal, else ``compute()``; a copy either way (the caller may change it), made by
        ``copy`` when given (one that knows the value's shape), else by ``fresh``. Rows kept
        read-only (``SharedRow``) are handed out as they are, in a list of the caller's."""
        copied = copy or fresh
        found = self._kept.get(name)
        if found is not None and found[1] == also and _same(found[0], inputs):
            return copied(cast(T, found[2]))
        self.computed += 1
        value = compute()
        self._kept[name] = (tuple(tuple(i) for i in inputs), also, value)
        return copied(value)

    def kept(self, name: Hashable) -> Any:
        """The value kept under ``name`` (not a copy: to read, never to change), or None."""
        found = self._kept.get(name)
        return None if found is None else found[2]

    def evolve(
        self,
        name: Hashable,
        inputs: tuple[Sequence[Any], ...],
        start: Callable[[tuple[Sequence[Any], ...]], T],
        step: Callable[[T, int, list[Any], list[Any]], None],
    ) -> T:
        """The value kept under ``name`` brought up to ``inputs``: for each input that changed,
        ``step(value, n, gone, new)`` changes it in place for the records kept that input
        ``n`` no longer holds and the ones it holds anew (by identity, as everything here);
        ``start(inputs)`` makes it when none is kept or an input changed too much to follow
        (``changed``). The value stays the caller's to read, not change.

        The entry is taken out while ``step`` runs, so a step that fails leaves nothing
        half-changed behind: the next call starts again."""
        found = self._kept.pop(name, None)
        kept = tuple(tuple(i) for i in inputs)
        diffs = None
        if found is not None and len(found[0]) == len(kept):
            diffs = [
                ([], []) if before is now else changed(before, now)
                for before, now in zip(found[0], kept, strict=True)
            ]
        if found is None or diffs is None or None in diffs:
            self.computed += 1
            value = start(kept)
        else:
            value = found[2]
            for n, diff in enumerate(diffs):
                if diff is not None and (diff[0] or diff[1]):
                    step(value, n, *diff)
        self._kept[name] = (kept, None, value)
        return value


def changed(before: Sequence[Any], now: Sequence[Any]) -> tuple[list[Any], list[Any]] | None:
    """The records of ``before`` that ``now`` no longer holds and the ones it holds anew, by
    identity, counted as many times as each is held; None when more than half of ``now``
    is new (then counting again is as cheap), or when the records that differ hold one
    record twice (a set of them could not tell how many times).

    The records the two hold at the same places at the start and at the end are left
    out first, each end in one pass in C (``map``): a record added, or one changed in
    place, is then found without a pass in Python over the whole list."""
    head, tail = same_ends(before, now)
    was, came = before[head : len(before) - tail], now[head : len(now) - tail]
    was_ids, came_ids = set(map(id, was)), set(map(id, came))
    if len(was_ids) != len(was) or len(came_ids) != len(came):
        return None
    new = [r for r in came if id(r) not in was_ids]
    if 2 * len(new) > len(now):
        return None
    return [r for r in was if id(r) not in came_ids], new


def same_ends(a: Sequence[Any], b: Sequence[Any]) -> tuple[int, int]:
    """How many records ``a`` and ``b`` hold as the same objects at the start, in order, and
    then at the end (never counting a place twice): what two versions of a list share
    around what changed."""
    head = same_run(a, b)
    return head, min(same_run(reversed(a), reversed(b)), min(len(a), len(b)) - head)


def same_run(a: Iterable[Any], b: Iterable[Any]) -> int:
    """How many of the first records of ``a`` and ``b`` are the same objects, in order."""
    same = list(map(is_, a, b))
    try:
        return same.index(False)
    except ValueError:
        return len(same)


def per_records(
    reused: Reused | None,
    name: Hashable,
    records: Sequence[Any],
    compute: Callable[[], T],
    copy: Callable[[T], T] | None = None,
    also: Hashable = None,
) -> T:
    """``compute()``, or with ``reused`` the value kept under ``name`` while ``records`` are
    the same and ``also`` is equal (copied by ``copy``, see ``Reused.get``)."""
    return compute() if reused is None else reused.get(name, (records,), also, compute, copy)


def with_times(
    reused: Reused | None,
    names: tuple[Hashable, Hashable],
    inputs: tuple[Sequence[Any], ...],
    also: Hashable,
    counts: Callable[[], dict[str, Any]],
    times: Callable[[], dict[str, Any]],
    judged: float,
) -> dict[str, Any]:
    """A table's row of counts, which do not depend on the time judged at, and times, which
    do, put in the places the counts leave for them. With ``reused``, the counts are kept
    under the first of ``names`` while ``inputs`` hold the same records and ``also`` is
    equal, the times under the second while the records and ``judged`` are the same."""
    if reused is None:
        row, timed = counts(), times()
    else:
        row = reused.get(names[0], inputs, also, counts, row_copy)
        timed = reused.get(names[1], inputs, judged, times, row_copy)
    row.update(timed)
    return row


def _same(kept: tuple[Sequence[Any], ...], inputs: tuple[Sequence[Any], ...]) -> bool:
    """Whether the inputs hold the very objects kept, in order: at once when an input is
    the tuple kept itself (a tuple is never changed), else object by object."""
    return len(kept) == len(inputs) and all(
        a is b or (len(a) == len(b) and all(map(is_, a, b)))
        for a, b in zip(kept, inputs, strict=True)
    )


def fresh(value: T) -> T:
    """A copy of nested dicts and lists, sharing only what cannot change (strings, numbers)."""
    return cast(T, _copy(value))


def unchanged(value: T) -> T:
    """A value that is never changed (a frozen one), handed out as it is."""
    return value


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(
        f"this {type(self).__name__} is kept and handed to every reader as it is, so it"
        " cannot be changed: change a copy (dict(row), list(values))"
    )


class SharedRow(dict[str, Any]):
    """A row kept across tree sizes and handed to every reader without a copy: read-only,
    so a reader that tried to change it would be refused at once, instead of changing what
    every later reader gets. It is a ``dict`` for everything that reads one (JSON, the
    templates, ``==``); ``dict(row)`` is a copy to change."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[Callable[..., SharedRow], tuple[Any, ...]]:
        return SharedRow, (dict(self),)


class VariedRow(SharedRow):
    """A kept row made from another kept row, ``base``, with a few plain values set anew
    (``varied``, their names): every other entry is the base's very object. A reader
    that wrote a row varied from the same base can write this one from it, with only
    those values set (``ledger.projections.tidy``): the people held, whose hours in
    custody move with the time judged at, are such rows."""

    __slots__ = ("base", "varied")

    def __init__(self, base: dict[str, Any], **values: Any) -> None:
        dict.__init__(self, base, **values)
        self.base = base
        self.varied = tuple(values)

    def __reduce__(self) -> tuple[Callable[..., SharedRow], tuple[Any, ...]]:
        return _varied, (self.base, {name: self[name] for name in self.varied})


def _varied(base: dict[str, Any], values: dict[str, Any]) -> VariedRow:
    """A ``VariedRow`` again, as pickled (its base shared with whatever else holds it)."""
    return VariedRow(base, **values)


class SharedList(list[Any]):
    """A list within a ``SharedRow``: read-only too (``list(values)`` is a copy to change)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __reduce__(self) -> tuple[type[SharedList], tuple[list[Any]]]:
        return SharedList, (list(self),)


def shared(row: dict[str, Any]) -> dict[str, Any]:
    """The row read-only, with the dicts and lists it holds (at any depth) read-only too."""
    return SharedRow({k: _shared(v) for k, v in row.items()})


def _shared(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return shared(value)
    if kind is list:
        return SharedList(_shared(v) for v in value)
    return value


def shared_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reader's list of kept read-only rows: a list of its own, the rows themselves."""
    return list(rows)


def row_copy(row: dict[str, Any]) -> dict[str, Any]:
    """A copy of a table's row whose values are plain values, flat dicts and flat lists (a
    tuple, such as a group's ``derived_from``, cannot change and is shared)."""
    return {
        k: dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v
        for k, v in row.items()
    }


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) if type(v) in _NESTED else v for k, v in value.items()}
    if kind is list:
        return [_copy(v) if type(v) in _NESTED else v for v in value]
    return value


_NESTED = (dict, list)
