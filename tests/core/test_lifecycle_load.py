"""A lifecycle loaded from its stored events is the one the event-sourcing library loads.

The ledger reads a lifecycle's rows as plain rows and applies its events without the
library's per-event protocol check (``ledger.storage.recorder``, ``sql_store._project``);
what comes out must be what the library's own query and projector give, on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder

from ledger.aggregates.group import Group
from tests.vocabulary.conftest import Scene


@pytest.fixture
def busy_group(tmp_path: Path, db_url: str) -> Iterator[tuple[Scene, UUID]]:
    """The city's Lyari group with six events: registered, four memberships, a withdrawal."""
    scene = Scene.create(tmp_path, db_url).city()
    for person in ("P-20", "P-21", "P-22"):
        scene.record("person.registered", person=person)
        scene.record("membership.asserted", person=person, group="lyari-gang")
    scene.record("membership.withdrawn", person="P-21", group="lyari-gang")
    yield scene, Group.id_for("lyari-gang")
    scene.close()


def _library_select(recorder: Any, originator: UUID, **query: Any) -> list[Any]:
    return list(SQLAlchemyApplicationRecorder.select_events(recorder, originator, **query))


def test_a_lifecycle_s_rows_are_selected_as_the_library_selects_them(
    busy_group: tuple[Scene, UUID],
) -> None:
    scene, group = busy_group
    recorder = scene.ledger.store.app.recorder
    everything = recorder.select_events(group)
    assert [e.originator_version for e in everything] == [1, 2, 3, 4, 5, 6]
    assert everything == _library_select(recorder, group)
    for gt, lte, desc, limit in itertools.product(
        (None, 0, 2, 6), (None, 1, 4, 99), (False, True), (None, 1, 2)
    ):
        query = {"gt": gt, "lte": lte, "desc": desc, "limit": limit}
        assert recorder.select_events(group, **query) == _library_select(
            recorder, group, **query
        ), query
    assert recorder.select_events(str(group)) == everything
    assert recorder.select_events(Group.id_for("no-such-gang")) == []


def test_a_lifecycle_loads_as_the_library_s_projector_loads_it(
    busy_group: tuple[Scene, UUID],
) -> None:
    scene, group = busy_group
    store = scene.ledger.store
    for version in (None, 1, 3, 6):
        store.evict_all()
        ours = store.load(Group, group) if version is None else store.load_version(group, version)
        store.evict_all()  # the library's own load, not the one just cached
        theirs = store.app.repository.get(group, version=version, projector_func=project_aggregate)
        assert ours is not None and ours is not theirs
        assert vars(ours) == vars(theirs), version
    loaded = store.load(Group, group)
    assert loaded is not None and loaded.version == 6
    assert sorted(loaded.memberships) == ["P-17", "P-20", "P-21", "P-22"]
    assert not loaded.is_member("P-21") and loaded.is_member("P-22")


def test_every_cached_lifecycle_is_forgotten_when_all_are_evicted(
    busy_group: tuple[Scene, UUID],
) -> None:
    """After the check before acting the process forgets every lifecycle it cached, so the
    next decision reads each from the rows just verified."""
    scene, group = busy_group
    store = scene.ledger.store
    cached = store.load(Group, group)
    assert store.load(Group, group) is cached  # held, not read again
    store.evict_all()
    again = store.load(Group, group)
    assert again is not None and again is not cached
    assert vars(again) == vars(cached)
    assert store.load(Group, group) is again
    scene.record("person.registered", person="P-23")
    scene.record("membership.asserted", person="P-23", group="lyari-gang")
    after = store.load(Group, group)
    assert after is not None and after.version == 7 and after.is_member("P-23")
