"""Labelled examples of malformed .kkt text, for ``UnexpectedInput.match_examples``.

Each label is the message a user sees; each example is a small file that
fails at the same parser state as the mistake the label describes.
"""

EXAMPLES: dict[str, list[str]] = {
    "the problem has no objective: add a line `minimize EXPR` or `maximize EXPR`": [
        "",
        "var x",
        "dim n\nvar x[n]",
        "var x\nlet y = x",
    ],
    "declarations and `let` must come before the objective": [
        "var x\nminimize x\nvar y",
        "var x\nminimize x\nparam p",
        "var x\nminimize x\nlet y = x",
        "var x\nminimize x\ndim n",
    ],
    "only one objective is allowed": [
        "var x\nminimize x\nminimize x",
        "var x\nminimize x\nmaximize x",
    ],
    "a constraint needs a comparison (==, <= or >=)": [
        "var x\nminimize x\nsubject to\nx",
        "var x\nminimize x\nsubject to\nc: x",
        "var x\nminimize x\nsubject to\nx + 1",
    ],
    "constraints go after `subject to` (or `s.t.`)": [
        "var x\nminimize x\nx <= 1",
        "var x\nminimize x\nc: x <= 1",
    ],
    "an expression is missing here": [
        "var x\nminimize",
        "var x\nminimize x +",
        "var x\nminimize x *",
        "var x\nminimize (",
        "var x\nminimize x\nsubject to\nx <=",
        "var x\nlet y =",
    ],
    "unbalanced parentheses or brackets": [
        "var x\nminimize (x",
        "var x\nminimize x)",
        "var x\nminimize sum(x",
        "var x[2]\nminimize x[0",
        "var x\nminimize x]",
    ],
    "a declaration needs a name, e.g. `var x[n]`": [
        "var\nminimize x",
        "param\nminimize x",
        "param [n]\nminimize x",
        "var 3\nminimize x",
    ],
    "a shape is a bracketed list of dims or integers, e.g. [m, n]": [
        "var x[]\nminimize x",
        "var x[n,]\nminimize x",
        "var x[1.5 +]\nminimize x",
    ],
    "unknown attribute: params take nonneg, nonpos, psd, symmetric; vars take nonneg, nonpos": [
        "var x positive\nminimize x",
        "param p pos\nminimize p",
        "var x[n] integer\nminimize x",
    ],
    "a strict inequality (< or >) is not allowed; use <= or >=": [
        "var x\nminimize x\nsubject to\nx < 1",
        "var x\nminimize x\nsubject to\nx > 1",
    ],
}
