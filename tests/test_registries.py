"""Registries keyed by atom are total and keyed by classes; layers import one way."""

import subprocess
import sys

import pytest

from kktc.compiler._evaluate import RULES as EVALUATE
from kktc.compiler._lowering_rules import RULES as LOWER
from kktc.compiler._symbolic_rules import ADJOINT, FORWARD, LOWERED_AWAY
from kktc.dsl.atoms import ALL, CALLABLE


def test_every_atom_evaluates():
    assert set(ALL) <= set(EVALUATE)
    assert all(isinstance(k, type) for k in EVALUATE)


def test_lowering_rules_are_atom_classes():
    assert all(isinstance(k, type) and k in ALL for k in LOWER)


def test_every_smooth_atom_has_a_symbolic_form_and_adjoint():
    smooth = set(ALL) - set(LOWERED_AWAY)
    assert smooth <= set(FORWARD) and smooth <= set(ADJOINT)
    assert all(isinstance(k, type) for k in list(FORWARD) + list(ADJOINT))


def test_every_callable_atom_is_exported():
    import kktc

    for name, atom in CALLABLE.items():
        assert getattr(kktc, name) is atom


def test_no_atom_class_subclasses_another():
    # Python tries a subclass's reflected == first, which would swap the operands of a constraint.
    for a in ALL:
        for b in ALL:
            assert a is b or not issubclass(a, b), (a, b)


@pytest.mark.parametrize(
    "module, forbidden",
    [
        ("kktc.dsl", ("kktc.compiler", "kktc.runtime", "jax")),
        ("kktc.compiler", ("kktc.runtime",)),
    ],
)
def test_layers_import_one_way(module, forbidden):
    code = f"import sys, {module}; print([m for m in {forbidden!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
