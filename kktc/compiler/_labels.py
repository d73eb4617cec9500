"""Names for the rows of the canonical form and their multipliers (λ_box,1, ν_budget, …)."""

from __future__ import annotations

from ._lower import Row


def row_labels(rows: tuple[Row, ...]) -> list[str]:
    """One label per row: the user's constraint name (``box,1`` and ``box,2`` for a chain),
    or, for rows that lowering added, the auxiliary variable they belong to."""
    bases = [r.group if r.group is not None else (r.origin or "aux") for r in rows]
    counts = {b: bases.count(b) for b in set(bases)}
    seen: dict[str, int] = {}
    labels = []
    for base in bases:
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if counts[base] == 1 else f"{base},{seen[base]}")
    return labels
