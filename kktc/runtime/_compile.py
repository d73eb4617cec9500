"""``jit``: ``jax.jit`` with the XLA options kktc's solvers compile best with.

On the CPU (jaxlib 0.10, a QP layer at B = 128, n = 50; one process, same data):

- XLA's older loop emitters instead of its MLIR fusion emitters: the same kernels, bit for
  bit the same results, compiled in 10.5 s instead of 13 s and running 3–6 % faster;
- LLVM at optimization level 1 instead of 2: 10.5 s → 7.3 s, and no slower to run (0.98×):
  the solver's kernels are small loops over vectors and matrices that level 2 gains nothing on;
- no tree reduction rewriting: XLA splits every reduction longer than 32 into windowed partial
  reductions, each its own large kernel (54 of them at n = 50, a third of the machine code), for
  an accuracy that max-norms do not need and sums of a few hundred terms barely gain.

Together 13 s → 5.5–5.9 s to compile, 0.94× the time to run, results within 1e-14. JAX takes
XLA options only on a jit that no other transformation stages: a layer called on arrays
compiles with them; code that wraps layers in its own ``jax.jit`` gets them from
``kktc.jit`` in its place.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import jax
import jax.numpy as jnp

CPU_OPTIONS = {
    "xla_cpu_use_fusion_emitters": False,
    "xla_backend_optimization_level": 1,
    "xla_disable_hlo_passes": "tree_reduction_rewriter",
}


@functools.cache
def compiler_options() -> dict[str, Any]:
    """Those of CPU_OPTIONS this XLA knows, where the default backend is the CPU; else none.

    One test compile asks for all of them (~50 ms, paid once per process); only where it fails
    is each tried alone.
    """
    if jax.default_backend() != "cpu":
        return {}
    if _known(CPU_OPTIONS):
        return dict(CPU_OPTIONS)
    return {name: value for name, value in CPU_OPTIONS.items() if _known({name: value})}


def _known(options: dict[str, Any]) -> bool:
    try:  # an XLA without an option refuses to compile: then go without it
        jax.jit(lambda x: x + 1, compiler_options=options).lower(jnp.zeros(())).compile()
    except Exception:
        return False
    return True


def jit(fun: Callable, **kwargs: Any) -> Callable:
    """``jax.jit(fun, **kwargs)`` with ``compiler_options()`` (those given in kwargs take precedence)."""
    options = {**compiler_options(), **kwargs.pop("compiler_options", {})}
    return jax.jit(fun, compiler_options=options or None, **kwargs)
