"""The rule registry and the small helpers every rule module shares.

A rule is a function `(report, prior) -> Iterable[Issue]` registered with `@rule(CODE, severity)`;
its docstring is its catalogue entry (what it checks / why it matters / example).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from ..cells import Number, format_number
from ..labels import SECTIONS, T3_COLUMNS, T4_COLUMNS
from ..report import Report, Severity
from ..tables import Location, t3_cell, t4_cell

__all__ = ["Issue", "Location", "all_known", "num", "rule", "shorten", "t3_cell", "t3_row", "t4_cell", "t4_values"]

OVERVIEW = SECTIONS[0].text


class Issue(NamedTuple):
    """What a rule found; `severity` overrides the rule's default when one rule has two grades."""

    message: str
    where: Location
    severity: Severity | None = None


RuleFunc = Callable[[Report, Report | None], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    func: RuleFunc
    needs_prior: bool = False

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


RULES: dict[str, Rule] = {}


def rule(code: str, severity: Severity, *, needs_prior: bool = False) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule under a stable code; catalogue order is registration order."""

    def register(func: RuleFunc) -> RuleFunc:
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = Rule(code, severity, func, needs_prior)
        return func

    return register


def num(value: Number | None) -> str:
    """A cell as printed in a message: 3, 12.5, or 空白."""
    return format_number(value, blank="空白")


def shorten(sentence: str, limit: int = 60) -> str:
    """Quote a sentence in a message, cut to about `limit` characters."""
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= limit else sentence[:limit] + "…"


def t3_row(report: Report, label: str) -> list[Number | None] | None:
    """A 表三 row if present with 7 cells, else None (TABLE-MISSING reports that)."""
    row = report.table3.get(label)
    return row if row is not None and len(row) == len(T3_COLUMNS) else None


def t4_values(report: Report) -> list[Number | None] | None:
    """表四's 15 cells, or None when it is missing or has the wrong count."""
    return report.table4 if len(report.table4) == len(T4_COLUMNS) else None


def all_known(values: Iterable[Number | None]) -> bool:
    """An equation is evaluated only when none of its cells is blank (BLANK-CELL reports blanks)."""
    return all(v is not None for v in values)
