"""History is folded once: one typed evolve function per event type, one registry of types.

The aggregates and the projections' facts both fold through the vocabulary's
declarations (the facts hold the same lifecycle states, ``ledger.aggregates.states``),
so these tests hold the declarations and every place that names event types by
string against each other: a declared type without an evolve function or
without a subject, a function for a type nobody declared, a fold of the
projections' own, or a table naming a type the vocabulary does not know, fails
here rather than as a silently wrong report. That the facts' states equal the
aggregates' on a whole city is checked in
``tests/projections/test_facts_fold_as_the_aggregates.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.lifecycle import Lifecycle
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.aggregates.states import subject_of
from ledger.projections import facts as facts_module
from ledger.projections import law
from ledger.vocabulary import load_all
from ledger.vocabulary.base import (
    VOCABULARY,
    Amendment,
    EventData,
    evolve,
    lifecycle_of,
    types_of,
)
from public_site import labels

ROOT = Path(__file__).resolve().parents[2]
load_all()
DECLARED_DATA = {spec.data for spec in VOCABULARY.values()}


@pytest.mark.parametrize("name", sorted(VOCABULARY))
def test_every_declared_type_has_one_typed_evolve_function(name: str) -> None:
    spec = VOCABULARY[name]
    function = evolve.dispatch(spec.data)
    assert function is not evolve.dispatch(EventData), f"{name} has no evolve function"
    state = lifecycle_of(spec.data)
    assert issubclass(state, LedgerAggregate), f"{name} evolves {state}, not a lifecycle"
    if issubclass(spec.data, Amendment):
        assert state is Lifecycle, f"{name} amends any lifecycle, not only {state.__name__}"


def test_a_declared_type_cannot_get_a_second_evolve_function() -> None:
    from ledger.vocabulary.base import _register_evolve

    spec = VOCABULARY["arrest.made"]
    before = evolve.dispatch(spec.data)
    with pytest.raises(ValueError, match="already has an evolve function"):
        _register_evolve(spec.data, lambda data, state, event: None)
    assert evolve.dispatch(spec.data) is before


def test_the_registry_names_only_declared_types() -> None:
    unknown = {
        cls.__name__
        for cls in evolve.registry
        if cls not in (object, EventData) and cls not in DECLARED_DATA
    }
    assert not unknown, f"evolve functions for undeclared types: {sorted(unknown)}"


@pytest.mark.parametrize("name", sorted(VOCABULARY))
def test_every_declared_type_names_its_subject_by_a_required_field(name: str) -> None:
    """The facts find a statement's lifecycle as its handler does: by the lifecycle's first
    identity field, which every statement of the type must carry (the registry is one)."""
    spec = VOCABULARY[name]
    if issubclass(spec.data, Amendment):
        with pytest.raises(TypeError, match="names no subject"):
            subject_of(name, spec.example)
        return
    cls, key = subject_of(name, spec.example or {"name": "genesis"})
    if cls is Registry:
        assert key == REGISTRY_KEY
        return
    assert issubclass(cls, Lifecycle)
    field = spec.data.model_fields.get(cls.identity_fields[0])
    assert field is not None and field.is_required(), f"{name} has no {cls.identity_fields[0]}"
    assert key == spec.example[cls.identity_fields[0]]


def _dispatching_lines(tree: ast.AST) -> list[int]:
    """Lines that make or extend a ``singledispatch`` function: a fold of its own."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr in ("register", "singledispatch"))
        or (isinstance(node, ast.Name) and node.id == "singledispatch")
    ]


def test_the_projections_keep_no_fold_of_their_own() -> None:
    """Nothing in the projections dispatches on an event's data class: they read the
    lifecycle states the evolve functions set."""
    found = [
        f"{path.name}:{line}"
        for path in sorted((ROOT / "ledger/projections").glob("*.py"))
        for line in _dispatching_lines(ast.parse(path.read_text()))
    ]
    assert found == []


def test_the_scan_for_a_fold_of_its_own_sees_one() -> None:
    tree = ast.parse("@index.register(ArrestMade)\ndef f(facts, event):\n    pass\n")
    assert _dispatching_lines(tree) == [1]


def test_types_of_refuses_a_class_that_is_not_declared() -> None:
    class Undeclared(EventData):
        pass

    with pytest.raises(ValueError, match="declared type"):
        types_of(Undeclared)


def test_every_table_of_type_names_names_declared_types() -> None:
    tables = {
        "facts.ORDER_TYPES": set(facts_module.ORDER_TYPES),
        "law.ORDER_FOR_BASIS": {kind for kind, _, _ in law.ORDER_FOR_BASIS.values()},
        "labels.EVENT_TYPES": set(labels.EVENT_TYPES),
    }
    for table, names in tables.items():
        assert names <= set(VOCABULARY), f"{table} names {sorted(names - set(VOCABULARY))}"


def _is_type_expression(node: ast.expr) -> bool:
    """``x["type"]``, ``x.type`` or a variable called ``kind``: an event type in the code.

    ``token.type``, ``child.type`` and ``tokens[i].type`` are Markdown tokens' kinds (the
    methodology page), not events'.
    """
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "type"
    if isinstance(node, ast.Attribute):
        base = node.value.value if isinstance(node.value, ast.Subscript) else node.value
        markdown = isinstance(base, ast.Name) and base.id in ("token", "tokens", "child")
        return node.attr == "type" and not markdown
    return isinstance(node, ast.Name) and node.id == "kind"


def _strings(node: ast.expr) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _compared_type_names(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants compared with an event type, or read from a ``by_type`` grouping."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_type_expression(o) for o in operands):
                for operand in operands:
                    if not _is_type_expression(operand):
                        found += [(node.lineno, s) for s in _strings(operand)]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "by_type"
            and node.args
        ):
            found += [(node.lineno, s) for s in _strings(node.args[0])]
    return found


@pytest.mark.parametrize("package", ["ledger/projections", "public_site"])
def test_code_compares_event_types_only_with_declared_names(package: str) -> None:
    unknown, checked = [], 0
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in _compared_type_names(ast.parse(path.read_text(), str(path))):
            checked += 1
            if name not in VOCABULARY:
                unknown.append(f"{path.relative_to(ROOT)}:{line}: {name!r}")
    assert checked, f"no comparison with an event type found in {package}: the scan is blind"
    assert not unknown, "event types the vocabulary does not declare:\n" + "\n".join(unknown)


def test_the_code_check_sees_a_misspelt_type() -> None:
    """The scan above finds something: a comparison with an undeclared name is caught."""
    tree = ast.parse('if event["type"] == "arrest.mad":\n    pass\n')
    assert _compared_type_names(tree) == [(1, "arrest.mad")]


def test_aggregates_keep_no_type_strings() -> None:
    """The lifecycles fold only through the registry: no event type is spelt in them."""
    spelt = []
    for path in sorted((ROOT / "ledger/aggregates").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in VOCABULARY:
                spelt.append(f"{path.name}:{node.lineno}: {node.value}")
    assert not spelt, spelt
