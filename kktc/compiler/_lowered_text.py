"""The canonical problem as text: original and auxiliary variables, the objective, the rows."""

from __future__ import annotations

from ..dsl._printer import format_expression
from ._labels import row_labels
from ._lower import Lowered


def _shape(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]" if shape else ""


def describe_lowered(lowered: Lowered) -> str:
    """A readable listing of the lowered problem (what the solver sees, with symbolic dims)."""
    name = lowered.name_of
    show = lambda e: format_expression(e, name)  # noqa: E731
    replaced = {id(a.variable): a.replaces for a in lowered.auxiliaries}
    lines = ["variables:"]
    entries = [(f"{name(v)}{_shape(v.shape)}", v) for v in lowered.variables]
    width = max(len(t) for t, _ in entries)
    for text, v in entries:
        note = f"auxiliary, replaces {show(replaced[id(v)])}" if id(v) in replaced else "user variable"
        if any(v is u for u in lowered.positive):
            note += "; kept positive (domain of an atom)"
        lines.append(f"  {text:<{width}}  {note}")
    lines.append("objective (minimized):")
    lines.append(f"  {show(lowered.objective)}")
    for title, rows, op in (("inequalities:", lowered.inequalities, "<="), ("equalities:", lowered.equalities, "==")):
        if not rows:
            continue
        lines.append(title)
        labels = row_labels(rows)
        width = max(len(label) for label in labels)
        for label, row in zip(labels, rows):
            source = "" if row.group is not None else "   (added by lowering)"
            lines.append(f"  {label:<{width}}  {show(row.expr)} {op} 0{source}")
    return "\n".join(lines)
