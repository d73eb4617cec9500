"""The parser: .kkt text to a :class:`Problem`, via lark (LALR, strict, positions).

Parse first, then transform: the transformer builds the very same dsl objects
the Python API builds, and attaches source spans so that later errors (shape,
DCP) point at the line and column.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from .._errors import KktcError, ParseError, Source
from ..grammars._syntax_errors import EXAMPLES

#: Human names for the grammar's terminals, for "expected …" messages.
TERMINAL_NAMES = {
    "NAME": "a name",
    "NUMBER": "a number",
    "_NL": "end of line",
    "$END": "end of file",
    "COMPARE": "==, <= or >=",
    "MINIMIZE": "minimize",
    "MAXIMIZE": "maximize",
    "SUBJECT_TO": "subject to",
    "ATTRIBUTE": "an attribute (nonneg, nonpos, psd, symmetric)",
    "POW": "**",
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "COMMA": ",",
    "COLON": ":",
    "EQUAL": "=",
    "PLUS": "+",
    "MINUS": "-",
    "STAR": "*",
    "SLASH": "/",
    "DOT": ".",
    "AT": "@",
    "DIM": "dim",
    "PARAM": "param",
    "VAR": "var",
    "LET": "let",
    "T": "T",
}


class _BracketNewlines:
    """Post-lexer: inside ( ) and [ ], a newline does not end the statement."""

    always_accept = ("_NL",)

    def process(self, stream):
        depth = 0
        for token in stream:
            if token.type in ("LPAR", "LSQB"):
                depth += 1
            elif token.type in ("RPAR", "RSQB"):
                depth = max(0, depth - 1)
            if token.type == "_NL" and depth > 0:
                continue
            yield token


@lru_cache(maxsize=1)
def grammar() -> Lark:
    """The LALR parser, built once per process."""
    return Lark.open_from_package(
        "kktc",
        "problem.lark",
        ("grammars",),
        parser="lalr",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_BracketNewlines(),
    )


def parse_problem(text: str, filename: str = "<string>"):
    """Parse ``.kkt`` text into a :class:`Problem` (shapes checked; DCP not enforced).

    Raises:
        ParseError, UnknownNameError, ShapeError, AtomError, DuplicateNameError:
            with the file, line and column of the offending text.
    """
    from ._transformer import ProblemBuilder

    source = Source(text, filename)
    try:
        tree = _parse_line_ended(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source) from None
    try:
        return ProblemBuilder(source).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, KktcError):
            raise exc.orig_exc from None
        raise


def read_problem(path: str | Path):
    """Read and parse a ``.kkt`` file, turning file-system trouble into a :class:`ParseError`."""
    path = Path(path)
    if not path.exists():
        raise ParseError(f"{path}: no such file")
    if path.is_dir():
        raise ParseError(f"{path}: is a directory, not a .kkt file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot be read ({exc.strerror})") from None
    if b"\x00" in data:
        raise ParseError(f"{path}: is a binary file, not a .kkt text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{path}: is not UTF-8 text (byte {exc.start})") from None
    return parse_problem(text, str(path))


def _parse_line_ended(text: str):
    return grammar().parse(text + "\n")


def _syntax_error(exc: UnexpectedInput, source: Source) -> ParseError:
    from .._errors import Span

    line = getattr(exc, "line", -1)
    column = getattr(exc, "column", -1)
    if isinstance(exc, UnexpectedEOF) or line is None or line < 1:
        lines = source.text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    span = Span(source, line, column, line, column + 1)
    if isinstance(exc, UnexpectedCharacters):
        char = source.text[exc.pos_in_stream] if exc.pos_in_stream < len(source.text) else ""
        if char in "<>":
            return ParseError("a strict inequality (< or >) is not allowed; use <= or >=", span)
        return ParseError(f"unexpected character {char!r}", span)
    label = exc.match_examples(_parse_line_ended, EXAMPLES, use_accepts=True)
    found = _token_text(exc)
    expected = sorted({TERMINAL_NAMES.get(t, t.lower()) for t in getattr(exc, "expected", ()) or ()})
    detail = f"unexpected {found}" + (f"; expected {', '.join(expected)}" if expected else "")
    if label:
        return ParseError(f"{label} ({detail})", span)
    return ParseError(detail, span)


def _token_text(exc: UnexpectedInput) -> str:
    token = getattr(exc, "token", None)
    if token is None or token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "end of line"
    return repr(str(token))


class Keyword(NamedTuple):
    """A ``name=value`` call argument."""

    name: str
    value: Any


def did_you_mean(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def is_token(value: Any, kind: str) -> bool:
    return isinstance(value, Token) and value.type == kind
