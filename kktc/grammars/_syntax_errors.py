"""Labelled examples of malformed .kkt text, for classifying syntax errors.

Each label is the message a user sees; each example is a small file that
fails in the same parser state (and, best, on the same kind of token) as the
mistake the label describes. ``kktc.dsl._parser._classify`` does the matching;
on a tie the first label wins, so a general label goes before a specific one
whose examples match by their exact token (``var``, ``minimize``).
"""

STRICT_INEQUALITY = "a strict inequality (< or >) is not allowed; use <= or >="

#: Words that start a statement; after ``subject to`` the lexer reads them as names.
STATEMENT_WORDS = ("dim", "param", "var", "let", "minimize", "maximize")
STATEMENT_AFTER_CONSTRAINTS = (
    "`{word}` cannot come after the constraints: declarations and `let` go before the objective, "
    "and a problem has one objective"
)

EXAMPLES: dict[str, list[str]] = {
    "the problem has no objective: add a line `minimize EXPR` or `maximize EXPR`": [
        "",
        "var x",
        "dim n\nvar x[n]",
        "var x\nlet y = x",
        "var x\nsubject to\nx <= 1",
    ],
    "constraints go after `subject to` (or `s.t.`)": [
        "var x\nminimize x\nx <= 1",
        "var x\nminimize x\nc: x <= 1",
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
    "`=` is not a comparison: write an equality constraint with ==": [
        "var x\nminimize x\nsubject to\nx = 1",
        "var x\nminimize x\nsubject to\nc: x = 1",
        "var x\nminimize x\nsubject to\n2 = x",
        "var x\nminimize x\nsubject to\n(x) = 1",
    ],
    "a constraint needs a comparison (==, <= or >=)": [
        "var x\nminimize x\nsubject to\nx",
        "var x\nminimize x\nsubject to\nc: x",
        "var x\nminimize x\nsubject to\nx + 1",
    ],
    "an expression is missing here": [
        "var x\nminimize",
        "var x\nminimize x +",
        "var x\nminimize x *",
        "var x\nminimize x\nsubject to\nx <=",
        "var x\nlet y =",
    ],
    "unbalanced parentheses or brackets": [
        "var x\nminimize (x",
        "var x\nminimize x)",
        "var x\nminimize sum(x",
        "var x[2]\nminimize x[0",
        "var x[2]\nminimize sum(x[0)",
        "var x[2]\nminimize sum(x[0:1)",
        "var x\nminimize x]",
        "var x\nminimize sum(x]",
        "var x\nminimize (x]",
    ],
    "two expressions in a row: an operator (+, -, *, /, @) is missing between them": [
        "var x\nvar y\nminimize x y",
        "var x\nminimize x 2",
        "var x\nminimize 2 x",
        "var x\nminimize 2 3",
        "var x\nminimize 2 (x)",
        "var x\nminimize (x) x",
        "var x\nminimize (x) 2",
        "var x\nminimize (x) (x)",
        "var x[2]\nminimize x[0] x",
        "var x[2]\nminimize x[0] 2",
        "var x[2]\nminimize x[0] (x)",
        "var x\nminimize sum(x) x",
        "var x\nminimize sum(x) 2",
        "var x\nminimize sum(x) (x)",
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
}
