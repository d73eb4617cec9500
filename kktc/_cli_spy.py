"""``kktc kkt --spy``: a picture of which entries of ∂F/∂w are nonzero at a solution.

Rows are the blocks of F (stationarity ∂L/∂ per variable, then one block per equality and per
inequality row group); columns are the blocks of w = (z, λ, ν). matplotlib is an optional
dependency (``pip install 'kktc[plot]'``), imported only here.
"""

from __future__ import annotations

from pathlib import Path

from ._errors import KktcError

NO_MATPLOTLIB = (
    "--spy draws with matplotlib, which is not installed; install it with: pip install 'kktc[plot]'"
)
CANNOT_WRITE = "cannot write the picture to '{path}': {reason}"


def check_target(path: str) -> None:
    """Fail before any solving when the picture could not be drawn or written anyway."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise KktcError(NO_MATPLOTLIB) from None
    target = Path(path)
    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in formats:
        reason = f"matplotlib writes {', '.join(sorted(formats))}, chosen by the file's suffix"
        raise KktcError(CANNOT_WRITE.format(path=path, reason=reason))
    if not target.parent.is_dir():
        raise KktcError(CANNOT_WRITE.format(path=path, reason=f"there is no folder '{target.parent}'"))


def _ticks(blocks: list[tuple[str, int, int]]) -> tuple[list[float], list[str]]:
    return [(start + stop - 1) / 2 for _, start, stop in blocks], [label for label, _, _ in blocks]


def save_spy(jacobian, path: str, title: str) -> int:
    """Draw the sparsity pattern of ``jacobian`` (a KKTJacobian) into ``path``; return the nonzero count."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    matrix = jacobian.matrix
    pattern = matrix != 0
    blocks = max(len(jacobian.rows), len(jacobian.cols))
    side = min(14.0, 5.0 + 0.35 * blocks)
    fig = Figure(figsize=(side + 1.5, side), layout="constrained")
    ax = fig.add_subplot()
    ax.spy(pattern, aspect="equal", origin="upper")
    for _, _, stop in jacobian.rows[:-1]:
        ax.axhline(stop - 0.5, color="tab:blue", linewidth=0.8)
    for _, _, stop in jacobian.cols[:-1]:
        ax.axvline(stop - 0.5, color="tab:blue", linewidth=0.8)
    fontsize = 9 if blocks <= 20 else 7
    ax.set_yticks(*_ticks(jacobian.rows), fontsize=fontsize)
    ax.set_xticks(*_ticks(jacobian.cols), fontsize=fontsize, rotation=90)
    ax.tick_params(length=0)
    ax.set_ylabel("rows of F: ∂L/∂(variable), equalities, complementarity per inequality")
    ax.set_xlabel("columns: w = (variables, λ per inequality, ν per equality)")
    nonzeros = int(pattern.sum())
    rows, cols = matrix.shape
    ax.set_title(f"{title}\n∂F/∂w at the solution: {rows}×{cols}, {nonzeros} nonzeros", fontsize=10)
    try:
        fig.savefig(path, dpi=150)
    except (OSError, ValueError) as exc:  # a missing folder, or a format matplotlib does not write
        raise KktcError(CANNOT_WRITE.format(path=path, reason=exc)) from None
    return nonzeros
