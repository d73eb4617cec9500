"""How each non-smooth atom lowers to an epigraph (or hypograph) form.

A rule receives the atom (its arguments already lowered) and a
:class:`Builder` that makes auxiliary variables and records the constraints
they need; it returns the smooth expression that replaces the atom. DCP
guarantees that every such atom sits where its epigraph form is exact.
"""

from __future__ import annotations

from typing import Callable, Protocol

from ..dsl import Expression, Variable, atoms as a
from ..dsl._size import Shape


class Builder(Protocol):
    def new(self, shape: Shape, replaces: Expression) -> Variable:
        """A fresh auxiliary variable standing in for (part of) ``replaces``."""

    def at_most(self, lhs: Expression, rhs: Expression) -> None:
        """Record the constraint ``lhs <= rhs``."""

    def keep_positive(self, v: Variable) -> None:
        """Record ``v >= 0`` as a domain the solver keeps strictly interior."""


def _keep(t: Expression, x: Expression, axis: int | None) -> Expression:
    """``t`` reduced along ``axis`` of ``x``, reshaped to broadcast against ``x``."""
    if axis is None:
        return t
    shape = x.shape[:axis] + (1,) + x.shape[axis + 1 :]
    return a.Reshape(t, shape)


def abs_(node: a.Abs, b: Builder) -> Expression:
    (x,) = node.args
    t = b.new(x.shape, node)
    b.at_most(x, t)
    b.at_most(-x, t)
    return t


def pos(node: a.Pos, b: Builder) -> Expression:
    (x,) = node.args
    t = b.new(x.shape, node)
    b.at_most(x, t)
    b.at_most(0, t)
    return t


def max_(node: a.Max, b: Builder) -> Expression:
    (x,) = node.args
    t = b.new(node.shape, node)
    b.at_most(x, _keep(t, x, node.axis))
    return t


def min_(node: a.Min, b: Builder) -> Expression:
    (x,) = node.args
    t = b.new(node.shape, node)
    b.at_most(_keep(t, x, node.axis), x)
    return t


def maximum(node: a.Maximum, b: Builder) -> Expression:
    t = b.new(node.shape, node)
    for x in node.args:
        b.at_most(x, t)
    return t


def minimum(node: a.Minimum, b: Builder) -> Expression:
    t = b.new(node.shape, node)
    for x in node.args:
        b.at_most(t, x)
    return t


def norm1(node: a.Norm1, b: Builder) -> Expression:
    (x,) = node.args
    return a.Sum(abs_(a.Abs(x), b), axis=node.axis)


def norm_inf(node: a.NormInf, b: Builder) -> Expression:
    (x,) = node.args
    t = b.new(node.shape, node)
    kept = _keep(t, x, node.axis)
    b.at_most(x, kept)
    b.at_most(-x, kept)
    return t


def norm2(node: a.Norm2, b: Builder) -> Expression:
    """The epigraph ``norm2(x) <= t``, in the objective only (see OBJECTIVE_ONLY).

    t is kept positive: the smooth form cannot see the cone's apex, and iterates
    with t < 0 never get back.
    """
    t = b.new(node.shape, node)
    b.at_most(node, t)
    b.keep_positive(t)
    return t


def huber(node: a.Huber, b: Builder) -> Expression:
    """huber(x, M) = min over v of (x - v)² + 2M|v|: a QP term."""
    (x,) = node.args
    v = b.new(x.shape, node)
    w = b.new(x.shape, node)
    b.at_most(v, w)
    b.at_most(-v, w)
    return a.Square(x - v) + 2 * node.M * w


Rule = Callable[[Expression, Builder], Expression]

#: Atoms replaced by an epigraph/hypograph form; every other atom stays smooth.
RULES: dict[type, Rule] = {
    a.Abs: abs_,
    a.Pos: pos,
    a.Max: max_,
    a.Min: min_,
    a.Maximum: maximum,
    a.Minimum: minimum,
    a.Norm1: norm1,
    a.NormInf: norm_inf,
    a.Norm2: norm2,
    a.Huber: huber,
}

#: Smooth atoms lowered in the objective only. A norm is 1-homogeneous: it has no
#: curvature along its ray, so a Newton step on it in the objective is unbounded,
#: while as a constraint the barrier curves it. In a constraint it stays as is, so
#: that no auxiliary variable is left undetermined when the constraint is inactive.
OBJECTIVE_ONLY: frozenset[type] = frozenset({a.Norm2})


def domain_arguments(node: Expression) -> tuple[int, ...]:
    """Which arguments of an atom must stay positive for it to be defined and smooth."""
    if isinstance(node, (a.Log, a.InvPos, a.Sqrt, a.Entropy)):
        return (0,)
    if isinstance(node, a.QuadOverLin):
        return (1,)
    if isinstance(node, a.Power) and not (node.is_even or node.p in (0, 1)):
        return (0,)  # fractional, negative and odd powers live on x >= 0 (as in CVXPY)
    return ()
