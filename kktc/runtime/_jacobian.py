"""Jacobians without products with the identity matrix.

``jax.jacfwd`` pushes the n basis vectors through the linearized function, so a product M·z
becomes M·I: 2n³ flops to copy M, which XLA does not simplify. Here the linearized function's
jaxpr is evaluated on Jacobians instead of tangents. Where a value is a slice of the input itself
(a variable block of z), its Jacobian is kept symbolic (``_Slice``, times a scalar), and a matrix
product with it is the matrix itself, scaled and placed in those columns. Every other operation
acts on dense Jacobians as jacfwd would, by ``vmap`` over their last axis, so the result is
jacfwd's, bit for bit.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax.extend import core as jex_core


class _Slice(NamedTuple):
    """The Jacobian of scale·z[offset : offset + size] (a 1-D slice of the input z of length n)."""

    offset: int
    size: int
    n: int
    scale: Any = None  # a scalar; None for 1

    def dense(self, dtype) -> jax.Array:
        eye = jnp.eye(self.n, dtype=dtype)[self.offset : self.offset + self.size]
        return eye if self.scale is None else self.scale * eye

    def times(self, scalar) -> _Slice:
        return self._replace(scale=scalar if self.scale is None else self.scale * scalar)


class _Linear(NamedTuple):
    """A value that depends on z, by its Jacobian: an array (value shape + (n,)) or a ``_Slice``."""

    J: Any


def jacobian(fun: Callable[[jax.Array], Any], x: jax.Array) -> Any:
    """∂fun/∂x at x, as ``jax.jacfwd(fun)(x)``: for every output array, its shape + x.shape (x 1-D)."""
    y, linear = jax.linearize(fun, x)
    closed = jax.make_jaxpr(linear)(x)
    (n,) = x.shape
    outs = _evaluate(closed.jaxpr, closed.consts, [_Linear(_Slice(0, n, n))], x.dtype)

    def dense(out, like):
        if not isinstance(out, _Linear):  # this output does not depend on x
            return jnp.zeros(jnp.shape(like) + (n,), jnp.result_type(like))
        return _dense(out.J, x.dtype)

    leaves, tree = jax.tree_util.tree_flatten(y)
    return jax.tree_util.tree_unflatten(tree, [dense(o, like) for o, like in zip(outs, leaves)])


def _dense(J: Any, dtype) -> jax.Array:
    return J.dense(dtype) if isinstance(J, _Slice) else J


def _evaluate(jaxpr, consts, args, dtype) -> list:
    """The jaxpr's outputs, with ``_Linear`` values (Jacobians) for those that depend on z."""
    env: dict = {}

    def read(v):
        return v.val if isinstance(v, jex_core.Literal) else env[v]

    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        env.update(zip(eqn.outvars, _apply(eqn, [read(v) for v in eqn.invars], dtype)))
    return [read(v) for v in jaxpr.outvars]


def _apply(eqn, inputs, dtype) -> list:
    prim, params = eqn.primitive, eqn.params
    linear = [isinstance(v, _Linear) for v in inputs]
    if not any(linear):
        out = prim.bind(*inputs, **params)
        return list(out) if prim.multiple_results else [out]
    if prim.name in ("jit", "pjit", "closed_call") and "jaxpr" in params:
        closed = params["jaxpr"]
        return _evaluate(closed.jaxpr, closed.consts, inputs, dtype)
    if prim.name in ("dot_general", "mul") and sum(linear) == 1:
        J = _product_with_slice(prim.name, inputs, linear, params, dtype)
        if J is not None:
            return [_Linear(J)]
    if prim.name == "slice" and isinstance(inputs[0].J, _Slice) and params.get("strides") in (None, (1,)):
        (start,), (stop,) = params["start_indices"], params["limit_indices"]
        s = inputs[0].J
        return [_Linear(s._replace(offset=s.offset + start, size=stop - start))]
    return _vmapped(prim, params, inputs, dtype)


def _product_with_slice(name, inputs, linear, params, dtype):
    """The Jacobian of a product of a constant M and a (scaled) slice s of z, where it has a closed form.

    A scalar M scales the slice. M·s or s·M contracting the slice's one axis: M (times the scale)
    with its contracted axis moved last and padded to the slice's columns. None otherwise.
    """
    k = linear.index(True)
    s, M = inputs[k].J, inputs[1 - k]
    if not isinstance(s, _Slice):
        return None
    if jnp.ndim(M) == 0:
        return s.times(M) if name == "mul" or params["dimension_numbers"] == (((), ()), ((), ())) else None
    if name != "dot_general":
        return None
    (contract_l, contract_r), (batch_l, batch_r) = params["dimension_numbers"]
    mine, other = (contract_l, contract_r) if k == 0 else (contract_r, contract_l)
    if batch_l or batch_r or tuple(mine) != (0,) or len(other) != 1:
        return None
    out_dtype = params.get("preferred_element_type") or jnp.result_type(M, dtype)
    J = jnp.moveaxis(M if s.scale is None else s.scale * M, other[0], -1).astype(out_dtype)
    pad = [(0, 0)] * (J.ndim - 1) + [(s.offset, s.n - s.offset - s.size)]
    return jnp.pad(J, pad) if pad[-1] != (0, 0) else J


def _vmapped(prim, params, inputs, dtype) -> list:
    """jacfwd's rule: the operation mapped over the Jacobians' last axis (the input's)."""
    dense = [_dense(v.J, dtype) if isinstance(v, _Linear) else v for v in inputs]
    axes = [-1 if isinstance(v, _Linear) else None for v in inputs]

    def one_column(*columns):
        out = prim.bind(*columns, **params)
        return list(out) if prim.multiple_results else [out]

    return [_Linear(J) for J in jax.vmap(one_column, in_axes=axes, out_axes=-1)(*dense)]
