"""The parser: .kkt text to a :class:`Problem`, via lark (LALR, strict, positions).

Parse first, then transform: the transformer builds the very same dsl objects
the Python API builds, and attaches source spans so that later errors (shape,
DCP) point at the line and column.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from .._errors import KktcError, ParseError, Source, Span
from ..grammars._syntax_errors import (
    EXAMPLES,
    STATEMENT_AFTER_CONSTRAINTS,
    STATEMENT_WORDS,
    STRICT_INEQUALITY,
)

#: Human names for the grammar's terminals, for "expected …" messages.
TERMINAL_NAMES = {
    "NAME": "a name",
    "NUMBER": "a number",
    "_NL": "end of line",
    "$END": "end of file",
    "COMPARE": "a comparison (`==`, `<=` or `>=`)",
    "SUBJECT_TO": "`subject to`",
    "ATTRIBUTE": "an attribute (nonneg, nonpos, psd, symmetric)",
    "POW": "`**`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "EQUAL": "`=`",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "DOT": "`.`",
    "AT": "`@`",
    "T": "`T`",
}


class _BracketNewlines:
    """Post-lexer: inside ( ) and [ ], a newline does not end the statement.

    It also makes the contextual lexer try NAME in every state, so that ``varx``
    is one (misspelled) name rather than the keyword ``var`` and the name ``x``.
    """

    always_accept = ("_NL", "NAME")

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
        text = data.decode("utf-8-sig")  # editors on Windows may start the file with a BOM
    except UnicodeDecodeError as exc:
        raise ParseError(f"{path}: is not UTF-8 text (byte {exc.start})") from None
    return parse_problem(text, str(path))


def _parse_line_ended(text: str):
    return grammar().parse(text + "\n")


def _syntax_error(exc: UnexpectedInput, source: Source) -> ParseError:
    token = getattr(exc, "token", None)
    at_end = isinstance(exc, UnexpectedEOF) or is_token(token, "$END") or exc.pos_in_stream is None
    offset = len(source.text.rstrip()) if at_end else exc.pos_in_stream
    line, column = _position(source.text, offset)
    if isinstance(exc, UnexpectedCharacters):
        char = source.text[offset] if offset < len(source.text) else ""
        message = STRICT_INEQUALITY if char and char in "<>" else f"unexpected character {char!r}"
        return ParseError(message, Span(source, line, column, line, column + 1))
    expected = sorted({TERMINAL_NAMES.get(t, f"`{t.lower()}`") for t in getattr(exc, "expected", ()) or ()})
    detail = f"unexpected {_token_text(exc)}"
    if expected:
        detail += "; expected " + (", ".join(expected[:-1]) + " or " if expected[:-1] else "") + expected[-1]
    hint = _unclosed_bracket(source.text, offset, at_end, token)
    hint = hint or _statement_word(source, line, column, token)
    if hint:
        label, (line, column), keep_detail = hint
        detail = detail if keep_detail else ""
    else:
        label = _classify(exc)
    message = f"{label} ({detail})" if label and detail else label or detail
    return ParseError(message, Span(source, line, column, line, column + 1))


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


Hint = tuple[str, tuple[int, int], bool]  # message, (line, column) to point at, keep the parser's detail


def _unclosed_bracket(text: str, offset: int, at_end: bool, token) -> Hint | None:
    """A ( or [ left open, found where the next statement (or the file's end) begins.

    Inside brackets line ends do not end a statement, so the parser only
    fails later; point at the bracket instead.
    """
    line_start = text.rfind("\n", 0, offset) + 1
    first_on_line = not text[line_start:offset].strip()
    if not (at_end or first_on_line) or is_token(token, "RPAR") or is_token(token, "RSQB"):
        return None
    opened: list[int] = []
    comment = False
    for i, char in enumerate(text[:offset]):
        comment = (comment or char == "#") and char != "\n"
        if comment:
            continue
        if char in "([":
            opened.append(i)
        elif char in ")]" and opened:
            opened.pop()
    if not opened:
        return None
    message = f"unbalanced parentheses or brackets: this `{text[opened[-1]]}` is never closed"
    return message, _position(text, opened[-1]), False


def _statement_word(source: Source, line: int, column: int, token) -> Hint | None:
    """A misspelled statement word, or a statement written after ``subject to``.

    After ``subject to`` the lexer reads ``var``, ``minimize``… as names, so
    the parser only fails at the next token, in a state shared with many
    other mistakes; its detail would mislead.
    """
    text = source.line(line)
    words = text.split(maxsplit=1)
    if not words:
        return None
    word, start = words[0], text.index(words[0]) + 1
    if column == start and is_token(token, "NAME") and token not in STATEMENT_WORDS:
        close = did_you_mean(str(token), list(STATEMENT_WORDS))
        return (f"'{token}' does not start a statement; {close}", (line, start), True) if close else None
    earlier = source.text.splitlines()[: line - 1]
    after_constraints = any(re.match(r"\s*(subject\s+to|s\.t\.)", text) for text in earlier)
    if column > start and word in STATEMENT_WORDS and after_constraints:
        return STATEMENT_AFTER_CONSTRAINTS.format(word=word), (line, start), False
    return None


@lru_cache(maxsize=1)
def _example_errors() -> tuple[tuple[str, UnexpectedInput], ...]:
    """Each labelled example of grammars/_syntax_errors.py with the error it raises."""
    found = []
    for label, examples in EXAMPLES.items():
        for example in examples:
            try:
                _parse_line_ended(example)
            except UnexpectedInput as exc:
                found.append((label, exc))
    return tuple(found)


def _classify(exc: UnexpectedInput) -> str | None:
    """The label of the example that best matches ``exc``, or None.

    Like lark's ``UnexpectedInput.match_examples``, an example matches when it
    fails in the same parser state, preferring one that fails on the same token,
    then on a token of the same type. Unlike it, only the state on top of the
    stack counts, so an example also matches inside ( ) or [ ]; and it does
    not crash on the debug message lark 1.3 formats with a ``%d`` of a
    ParserState. The examples are parsed once per process.
    """
    token, state = getattr(exc, "token", None), getattr(exc, "state", None)
    best, rank = None, 0
    for label, example in _example_errors():
        if state is None or example.state is None or example.state.position != state.position:
            continue
        other = getattr(example, "token", None)
        if token is not None and other is not None and other.type == token.type:
            new_rank = 3 if other == token else 2
        else:
            new_rank = 1
        if new_rank > rank:
            best, rank = label, new_rank
    return best


def _token_text(exc: UnexpectedInput) -> str:
    token = getattr(exc, "token", None)
    if token is None or token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "end of line"
    return f"`{token}`"


class Keyword(NamedTuple):
    """A ``name=value`` call argument."""

    name: str
    value: Any


def did_you_mean(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def is_token(value: Any, kind: str) -> bool:
    return isinstance(value, Token) and value.type == kind
