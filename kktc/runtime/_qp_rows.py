"""Which rows of a QP's ``Gx <= h`` are inequalities, equalities in disguise, or vacuous.

A chain ``a <= e <= b`` lowers to the two rows ``a - e <= 0`` and ``e - b <= 0``.
When a == b at run time (Maros–Meszaros writes every equality so, and every
fixed variable as lb == ub) the pair has no interior, which an interior-point
method cannot live with. The compiler names the candidate pairs (consecutive
rows of one constraint group); the data decides which of them are equalities:
the first row of such a pair is then held as an equality with a sign-free
multiplier and the second is switched off. A row ``0 <= h`` with h >= 0 (an
infinite bound, masked by the compiler) is switched off too.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..compiler import Canonical
from ._mehrotra import Rows
from ._reductions import inf_norm


class Pairs(NamedTuple):
    """Row indices of the two sides of every chain that might be an equality (static)."""

    first: np.ndarray
    second: np.ndarray


def chain_pairs(c: Canonical) -> Pairs:
    """Consecutive inequality blocks of one named group with equal sizes: the sides of a chain."""
    first: list[int] = []
    second: list[int] = []
    blocks, groups = c.inequalities.blocks, c.row_groups
    k = 0
    while k + 1 < len(blocks):
        (g0, i0), (g1, i1) = groups[k], groups[k + 1]
        if g0 is not None and g0 == g1 and i1 == i0 + 1 and blocks[k].size == blocks[k + 1].size:
            first.extend(range(blocks[k].offset, blocks[k].offset + blocks[k].size))
            second.extend(range(blocks[k + 1].offset, blocks[k + 1].offset + blocks[k + 1].size))
            k += 2
        else:
            k += 1
    return Pairs(np.asarray(first, np.int32), np.asarray(second, np.int32))


def classify(G: jax.Array, h: jax.Array, pairs: Pairs) -> tuple[Rows, jax.Array]:
    """The kind of every row, and per pair whether it is an equality."""
    m = G.shape[0]
    eps = jnp.finfo(G.dtype).eps
    hf, hs = h[pairs.first], h[pairs.second]
    # float maxima for "all" and "any" (see ``_reductions``): x + y == 0 exactly where y == −x
    opposite = inf_norm(G[pairs.second] + G[pairs.first], axis=1) == 0
    nonzero = inf_norm(G[pairs.first], axis=1) > 0
    equal = opposite & nonzero & (jnp.abs(hf + hs) <= 8 * eps * (1 + jnp.abs(hf)))
    vacuous = (inf_norm(G, axis=1) == 0) & (h >= 0)
    held = jnp.zeros((m,), bool).at[pairs.first].set(equal)
    dropped = jnp.zeros((m,), bool).at[pairs.second].set(equal)
    return Rows(live=~held & ~dropped & ~vacuous, equal=held), equal


def to_rows(z: jax.Array, rows: Rows, pairs: Pairs, equal: jax.Array) -> jax.Array:
    """The multipliers of the original rows from the solver's (an equality's splits by sign)."""
    lam = jnp.where(rows.live, z, 0.0)
    zf = z[pairs.first]
    lam = lam.at[pairs.first].add(jnp.where(equal, jnp.maximum(zf, 0.0), 0.0))
    return lam.at[pairs.second].add(jnp.where(equal, jnp.maximum(-zf, 0.0), 0.0))


def from_rows(lam: jax.Array, rows: Rows, pairs: Pairs, equal: jax.Array) -> jax.Array:
    """The solver's multipliers from those of the original rows (the inverse of ``to_rows``)."""
    z = jnp.where(rows.live, lam, 0.0)
    return z.at[pairs.first].add(jnp.where(equal, lam[pairs.first] - lam[pairs.second], 0.0))
