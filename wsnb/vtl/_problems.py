"""What can be wrong with a mapping template or a selection setting, as data and as an error."""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import WsnbError


@dataclass(frozen=True)
class Problem:
    """One finding: what is wrong, what is allowed, how to fix it; ``line``/``column`` (1-based)
    and ``excerpt`` (the template line) are set for a template's syntax error."""

    message: str
    allowed: str
    fix: str
    line: int | None = None
    column: int | None = None
    excerpt: str | None = None

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        return self.message + where


class MappingTemplateError(WsnbError):
    """A mapping template that cannot be parsed, or that failed while it was rendered.

    ``line`` and ``column`` (1-based, ``None`` when unknown) point into the template. The local
    emulator answers the client with API Gateway's ``Internal server error`` frame and logs this.
    """

    def __init__(
        self,
        message: str,
        *,
        given: object = None,
        allowed: str | None = None,
        fix: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message, given=given, allowed=allowed, fix=fix)
        self.line = line
        self.column = column

    @classmethod
    def from_problem(cls, problem: Problem, *, given: object) -> MappingTemplateError:
        where = (
            f" at line {problem.line}, column {problem.column}" if problem.line is not None else ""
        )
        return cls(
            problem.message + where,
            given=problem.excerpt if problem.excerpt is not None else given,
            allowed=problem.allowed,
            fix=problem.fix,
            line=problem.line,
            column=problem.column,
        )


VTL_ALLOWED = (
    "Velocity (VTL) as API Gateway runs it: $references, #set, #if/#elseif/#else/#end, "
    "#foreach/#end, ## comments, with $input, $context, $stageVariables and $util"
)
