"""The peers: each builder returns (forward, forward_backward, to_device) for one batch size.

Each builder takes the float data dict (arrays with a leading batch axis) and returns two callables
of that dict: forward -> x (B, n) and forward_backward -> (x, dL/dP, dL/dq, dL/dh), all numpy.
Every builder imports its peer itself: a worker process imports only the one it measures.
"""

from __future__ import annotations

import argparse

import numpy as np

QP_SOURCE = """
dim n, m, p
param P[n, n] psd
param q[n]
param G[m, n]
param h[m]
param A[p, n]
param b[p]
var x[n]
minimize 0.5 * quad_form(x, P) + q @ x
subject to
    ineq: G @ x <= h
    eq: A @ x == b
"""


def jax_batched(solve_one, batch: int, jit=None):
    """jit(vmap(...)) of a JAX solve_one(P, q, G, h, A, b) -> x; unbatched under jit when B = 1.

    ``jit`` is ``jax.jit`` unless the peer ships its own (kktc.jit: jax.jit with its XLA options).
    """
    import jax

    jit = jit or jax.jit

    def one_with_grads(P, q, G, h, A, b, w):
        x, pullback = jax.vjp(lambda P, q, h: solve_one(P, q, G, h, A, b), P, q, h)
        return (x, *pullback(w))

    if batch == 1:  # one problem: no vmap, and the arrays are stored without the batch axis
        fwd, fb = jit(solve_one), jit(one_with_grads)
        add_axis = lambda r: np.asarray(r)[None]  # noqa: E731
    else:
        fwd, fb = jit(jax.vmap(solve_one)), jit(jax.vmap(one_with_grads))
        add_axis = np.asarray

    def forward(d):
        return add_axis(jax.block_until_ready(fwd(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])))

    def forward_backward(d):
        out = jax.block_until_ready(fb(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"], d["w"]))
        return tuple(add_axis(r) for r in out)

    def to_device(d):  # waits for the copies: the first call's time is then the compile's and the solve's
        return jax.block_until_ready({k: jax.device_put(v[0] if batch == 1 else v) for k, v in d.items()})

    return forward, forward_backward, to_device


def build_kktc(batch: int, options: argparse.Namespace):
    import jax

    import kktc

    layer = kktc.parse(QP_SOURCE)
    forward, forward_backward, to_device = jax_batched(
        lambda P, q, G, h, A, b: layer(P=P, q=q, G=G, h=h, A=A, b=b).x, batch, kktc.jit)

    def report_one(P, q, G, h, A, b):
        solution = layer(P=P, q=q, G=G, h=h, A=A, b=b)
        return solution.status, solution.iterations

    report = jax.jit(jax.vmap(report_one))

    def status_and_iterations(d):  # untimed; d as to_device made it
        args = [d[k] if batch > 1 else d[k][None] for k in ("P", "q", "G", "h", "A", "b")]
        return tuple(np.asarray(v) for v in report(*args))

    forward.status_and_iterations = status_and_iterations
    return forward, forward_backward, to_device


def build_qpax(batch: int, options: argparse.Namespace):
    import qpax

    tol = 1e-4 if options.float32_run else 1e-8

    def solve_one(P, q, G, h, A, b):
        return qpax.solve_qp_primal(P, q, A, b, G, h, solver_tol=tol)  # default target_kappa=1e-3

    return jax_batched(solve_one, batch)


def build_jaxopt(batch: int, options: argparse.Namespace):
    from jaxopt import OSQP

    solver = OSQP(tol=1e-6, maxiter=4000)  # implicit differentiation is jaxopt's default

    def solve_one(P, q, G, h, A, b):
        return solver.run(params_obj=(P, q), params_eq=(A, b), params_ineq=(G, h)).params.primal

    return jax_batched(solve_one, batch)


def torch_device(options: argparse.Namespace) -> str:
    return "cuda" if options.device == "gpu" else "cpu"


def torch_sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def build_qpth(batch: int, options: argparse.Namespace):
    import torch
    from qpth.qp import QPFunction

    device = torch_device(options)
    solve = QPFunction(verbose=-1)  # defaults: eps=1e-12, maxIter=10

    def forward(d):
        x = solve(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])
        torch_sync(device)
        return x.detach().cpu().numpy()

    def forward_backward(d):
        P, q, h = (d[k].clone().requires_grad_(True) for k in ("P", "q", "h"))
        x = solve(P, q, d["G"], h, d["A"], d["b"])
        (x * d["w"]).sum().backward()
        torch_sync(device)
        return tuple(t.detach().cpu().numpy() for t in (x, P.grad, q.grad, h.grad))

    def to_device(d):
        return {k: torch.as_tensor(v, device=device) for k, v in d.items()}

    return forward, forward_backward, to_device


def build_cvxpylayers(batch: int, options: argparse.Namespace):
    """The cvxpylayers peer, through its JAX interface.

    quad_form(x, P) with P a parameter is not DPP, so the layer takes the Cholesky factor F (P = F Fᵀ)
    and dL/dP is recovered from dL/dF = 2·sym(dL/dP)·F.
    """
    import cvxpy as cp
    import jax
    import jax.numpy as jnp
    from cvxpylayers.jax import CvxpyLayer

    def layer_for(n: int, m: int, p: int):
        F, q, G, h, A, b = (cp.Parameter(s) for s in ((n, n), n, (m, n), m, (p, n), p))
        x = cp.Variable(n)
        problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(F.T @ x) + q @ x), [G @ x <= h, A @ x == b])
        return CvxpyLayer(problem, parameters=[F, q, G, h, A, b], variables=[x])

    cache = {}

    def layer(d):
        key = (d["G"].shape[-1], d["G"].shape[-2], d["A"].shape[-2])
        if key not in cache:
            cache[key] = layer_for(*key)
        return cache[key]

    def forward(d):
        (x,) = layer(d)(d["F"], d["q"], d["G"], d["h"], d["A"], d["b"])
        return np.asarray(jax.block_until_ready(x))

    def forward_backward(d):
        solve = layer(d)

        def loss(F, q, h):
            (x,) = solve(F, q, d["G"], h, d["A"], d["b"])
            return jnp.sum(x * d["w"]), x

        (gF, gq, gh), x = jax.grad(loss, argnums=(0, 1, 2), has_aux=True)(d["F"], d["q"], d["h"])
        gF, F = np.asarray(jax.block_until_ready(gF)), np.asarray(d["F"])
        gP = 0.5 * np.linalg.solve(F.transpose(0, 2, 1), gF.transpose(0, 2, 1)).transpose(0, 2, 1)
        return np.asarray(x), gP, np.asarray(gq), np.asarray(gh)

    def to_device(d):
        d = dict(d, F=np.linalg.cholesky(d["P"]))
        return {k: jnp.asarray(v) for k, v in d.items()}

    return forward, forward_backward, to_device


BUILDERS = {"kktc": build_kktc, "qpax": build_qpax, "jaxopt": build_jaxopt, "qpth": build_qpth,
            "cvxpylayers": build_cvxpylayers}
