"""Jacobians without products with the identity matrix.

``jax.jacfwd`` pushes the n basis vectors through the linearized function, so a product M·z
becomes M·I: 2n³ flops to copy M, which XLA does not simplify. Here the linearized function's
jaxpr is evaluated on Jacobians instead of tangents. Where a value is a slice of the input itself
(a variable block of z), its Jacobian is kept symbolic (``_Slice``, times a scalar or a vector,
which also covers such a slice masked by ``jnp.where``), and a matrix product with it is the
matrix itself, scaled and placed in those columns. Every other operation acts on dense Jacobians
as jacfwd would, by ``vmap`` over their last axis, so the result is jacfwd's, bit for bit.

``at_zero`` evaluates a function at z = 0 the same way: a value that is a product with z is
zero and left uncomputed (XLA does not fold x·0 itself, since NaN·0 is NaN). A QP's data
P, q, G, h, A, b is read off its functions at 0: the products P·0, 0ᵀP, G·0 and A·0 were four
matrix–vector kernels in every compiled layer (~50 ms of compile time each).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax.extend import core as jex_core


class _Slice(NamedTuple):
    """The Jacobian of scale·z[offset : offset + size] (a 1-D slice of the input z of length n).

    ``scale`` is None (1), a scalar, or one factor per entry of the slice (shape (size,)): a slice
    masked by ``jnp.where`` or multiplied by a vector entry by entry stays a slice.
    """

    offset: int
    size: int
    n: int
    scale: Any = None

    def dense(self, dtype) -> jax.Array:
        eye = jnp.eye(self.n, dtype=dtype)[self.offset : self.offset + self.size]
        return eye if self.scale is None else _along(self.scale, 0, 2) * eye

    def times(self, factor) -> _Slice:
        """The slice times a scalar or, entry by entry, a vector of its length."""
        return self._replace(scale=factor if self.scale is None else self.scale * factor)

    def sliced(self, start: int, stop: int) -> _Slice:
        vector = self.scale is not None and jnp.ndim(self.scale) == 1
        scale = self.scale[start:stop] if vector else self.scale
        return _Slice(self.offset + start, stop - start, self.n, scale)


def _along(scale, axis: int, ndim: int):
    """A scalar as it is; a vector shaped to multiply an ndim-array along ``axis``."""
    if jnp.ndim(scale) == 0:
        return scale
    return jnp.reshape(scale, [-1 if i == axis else 1 for i in range(ndim)])


class _Linear(NamedTuple):
    """A value that depends on z, by its Jacobian: an array (value shape + (n,)) or a ``_Slice``."""

    J: Any


def jacobian(fun: Callable[[jax.Array], Any], x: jax.Array) -> Any:
    """∂fun/∂x at x, as ``jax.jacfwd(fun)(x)``: for every output array, its shape + x.shape (x 1-D)."""
    y, linear = jax.linearize(fun, x)
    closed = jax.make_jaxpr(linear)(x)
    (n,) = x.shape
    outs = _evaluate(closed.jaxpr, closed.consts, [_Linear(_Slice(0, n, n))],
                     functools.partial(_apply, dtype=x.dtype))

    def dense(out, like):
        if not isinstance(out, _Linear):  # this output does not depend on x
            return jnp.zeros(jnp.shape(like) + (n,), jnp.result_type(like))
        return _dense(out.J, x.dtype)

    leaves, tree = jax.tree_util.tree_flatten(y)
    return jax.tree_util.tree_unflatten(tree, [dense(o, like) for o, like in zip(outs, leaves)])


def _dense(J: Any, dtype) -> jax.Array:
    return J.dense(dtype) if isinstance(J, _Slice) else J


def _evaluate(jaxpr, consts, args, apply: Callable) -> list:
    """The jaxpr's outputs, each equation evaluated by ``apply(eqn, inputs)``."""
    env: dict = {}

    def read(v):
        return v.val if isinstance(v, jex_core.Literal) else env[v]

    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        env.update(zip(eqn.outvars, apply(eqn, [read(v) for v in eqn.invars])))
    return [read(v) for v in jaxpr.outvars]


def _bind(eqn, inputs) -> list:
    out = eqn.primitive.bind(*inputs, **eqn.params)
    return list(out) if eqn.primitive.multiple_results else [out]


def _inner(eqn):
    """The closed jaxpr a call equation (jit, closed_call) calls; None for other equations."""
    if eqn.primitive.name in ("jit", "pjit", "closed_call") and "jaxpr" in eqn.params:
        return eqn.params["jaxpr"]
    return None


def _apply(eqn, inputs, dtype) -> list:
    """One equation, with ``_Linear`` values (Jacobians) for those that depend on z."""
    prim, params = eqn.primitive, eqn.params
    linear = [isinstance(v, _Linear) for v in inputs]
    if not any(linear):
        return _bind(eqn, inputs)
    if (closed := _inner(eqn)) is not None:
        return _evaluate(closed.jaxpr, closed.consts, inputs, functools.partial(_apply, dtype=dtype))
    if prim.name in ("dot_general", "mul") and sum(linear) == 1:
        J = _product_with_slice(prim.name, inputs, linear, params, dtype)
        if J is not None:
            return [_Linear(J)]
    if prim.name == "slice" and isinstance(inputs[0].J, _Slice) and params.get("strides") in (None, (1,)):
        (start,), (stop,) = params["start_indices"], params["limit_indices"]
        return [_Linear(inputs[0].J.sliced(start, stop))]
    if prim.name == "select_n" and sum(linear) == 1 and not linear[0]:
        J = _selected_slice(inputs, linear, dtype)
        if J is not None:
            return [_Linear(J)]
    return _vmapped(prim, params, inputs, dtype)


def _selected_slice(inputs, linear, dtype):
    """``select_n(which, *cases)`` with one case a slice of z and the others constant: the slice, its
    entries zeroed where another case is chosen (a constant has no derivative). None otherwise."""
    which, cases = inputs[0], inputs[1:]
    k = linear.index(True) - 1
    s = cases[k].J
    if not isinstance(s, _Slice) or jnp.ndim(which) > 1:
        return None
    return s.times(jnp.asarray(which == k, dtype))  # which: a scalar or one per entry


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
    if name == "mul" and jnp.shape(M) == (s.size,):
        return s.times(M)
    if name != "dot_general":
        return None
    (contract_l, contract_r), (batch_l, batch_r) = params["dimension_numbers"]
    mine, other = (contract_l, contract_r) if k == 0 else (contract_r, contract_l)
    if batch_l or batch_r or tuple(mine) != (0,) or len(other) != 1:
        return None
    out_dtype = params.get("preferred_element_type") or jnp.result_type(M, dtype)
    J = jnp.moveaxis(M if s.scale is None else _along(s.scale, other[0], jnp.ndim(M)) * M, other[0], -1)
    J = J.astype(out_dtype)
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


class _Zero(NamedTuple):
    """A value that is 0 at z = 0 because it is linear in z, by its abstract value."""

    aval: Any

    def dense(self) -> jax.Array:
        return jnp.zeros(self.aval.shape, self.aval.dtype)


#: Zero where any operand is.
_PRODUCTS = ("mul", "dot_general")
#: Linear in their one array operand: zero where it is.
_LINEAR = ("neg", "reshape", "squeeze", "broadcast_in_dim", "transpose", "slice", "reduce_sum",
           "convert_element_type", "copy", "real", "rev")
#: x + 0 = x, x − 0 = x, 0 − x = −x.
_SUMS = ("add", "add_any", "sub")


def at_zero(fun: Callable[[jax.Array], Any], x: jax.Array) -> Any:
    """``fun(0)`` (0 shaped as x), with the products of 0 left out rather than computed."""
    closed, shapes = jax.make_jaxpr(fun, return_shape=True)(x)
    outs = _evaluate(closed.jaxpr, closed.consts, [_Zero(closed.in_avals[0])], _apply_at_zero)
    dense = [o.dense() if isinstance(o, _Zero) else o for o in outs]
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(shapes), dense)


def _apply_at_zero(eqn, inputs) -> list:
    """One equation, with ``_Zero`` for values that are products of 0 (x·0 is taken as 0, even
    where x is NaN or infinite)."""
    zero = [isinstance(v, _Zero) for v in inputs]
    if not any(zero):
        return _bind(eqn, inputs)
    if (closed := _inner(eqn)) is not None:
        return _evaluate(closed.jaxpr, closed.consts, inputs, _apply_at_zero)
    name = eqn.primitive.name
    if len(eqn.outvars) == 1:
        out = eqn.outvars[0].aval
        if name in _PRODUCTS or (name in _LINEAR and zero[0]) or (name in _SUMS and all(zero)):
            return [_Zero(out)]
        if name in _SUMS:
            kept = inputs[zero.index(False)]
            if jnp.shape(kept) == out.shape and jnp.result_type(kept) == out.dtype:
                return [-kept if name == "sub" and zero[0] else kept]
    return _bind(eqn, [v.dense() if isinstance(v, _Zero) else v for v in inputs])
