"""Public error classes and the source positions they point at.

Every kktc error names the rule that was broken. Errors raised while reading a
``.kkt`` file also carry a :class:`Span`, and then render as
``file:line:col: error: …`` followed by the source line and a caret.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """The text a problem was read from, and the name to show for it."""

    text: str
    filename: str = "<string>"

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


@dataclass(frozen=True)
class Span:
    """A region of a source text (1-based lines and columns, end exclusive)."""

    source: Source
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def text(self) -> str:
        """The source text the span covers (first line only)."""
        line = self.source.line(self.line)
        end = self.end_column if self.end_line == self.line else len(line) + 1
        return line[self.column - 1 : end - 1]

    def excerpt(self) -> str:
        """The source line with carets under the span."""
        line = self.source.line(self.line).rstrip("\n")
        end = self.end_column if self.end_line == self.line else len(line) + 1
        width = max(1, end - self.column)
        gutter = f"{self.line:>4} | "
        # Keep the source's tabs in the padding so the caret lines up however tabs render.
        pad = " " * len(gutter) + "".join(c if c == "\t" else " " for c in line[: self.column - 1])
        return f"{gutter}{line}\n{pad}{'^' * width}"


class KktcError(Exception):
    """Base class of every error kktc raises on bad input.

    Attributes:
        message: what is wrong, naming the offending expression.
        span: where in a source file, when the problem came from text.
        hint: how to fix it, when there is an obvious fix.
    """

    kind = "error"

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def located(self, span: Span | None) -> KktcError:
        """Attach ``span`` unless the error already points somewhere."""
        if self.span is None and span is not None:
            self.span = span
        return self

    def __str__(self) -> str:
        head = self.message
        if self.span is not None:
            s = self.span
            head = f"{s.source.filename}:{s.line}:{s.column}: error: {self.message}\n{s.excerpt()}"
        if self.hint:
            head += f"\nhint: {self.hint}"
        return head


class ParseError(KktcError, SyntaxError):
    """The text is not a well-formed ``.kkt`` problem."""

    kind = "syntax error"

    def __str__(self) -> str:  # SyntaxError's own __str__ would hide ours
        return KktcError.__str__(self)


class UnknownNameError(KktcError, NameError):
    """A name is used that was never declared."""

    kind = "unknown name"


class DuplicateNameError(KktcError, ValueError):
    """Two declarations or constraints share one name."""

    kind = "duplicate name"


class ShapeError(KktcError, ValueError):
    """Operand shapes do not fit the operation (or the objective is not scalar)."""

    kind = "shape error"


class AtomError(KktcError, TypeError):
    """An unknown atom, a wrong number of arguments, or a bad static argument."""

    kind = "atom error"


class DimError(KktcError, ValueError):
    """A dim that nothing fixes, or dims bound inconsistently."""

    kind = "dim error"


class DCPError(KktcError, ValueError):
    """The problem does not follow the disciplined convex programming rules."""

    kind = "not DCP"
