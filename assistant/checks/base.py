"""The rule registry and the small helpers every rule module shares.

A rule is a function `(report, prior) -> Iterable[Issue]` registered with `@rule(CODE, severity)`;
its docstring is its catalogue entry (what it checks / why it matters / example).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ..cells import Number, format_number
from ..labels import SECTIONS, T3_COLUMNS, T3_ROWS, T4_COLUMNS, Template, t3_result_rows
from ..report import Report, Severity
from ..tables import Location, t3_cell, t4_cell

__all__ = [
    "COLLAPSED_SIX",
    "Issue",
    "Location",
    "all_known",
    "num",
    "result_rows",
    "rule",
    "shorten",
    "t3_cell",
    "t3_row",
    "t4_cell",
    "t4_values",
    "unprinted_rows",
]

OVERVIEW = SECTIONS[0].text
# 2021's （六）其他处理 has three sub-rows; a report may print it as one row, as the 2019 format did
COLLAPSED_SIX = next(row.text for row in T3_ROWS["2019"] if row.key == "其他处理")
_SIX_PARTS = tuple(row.text for row in T3_ROWS["2021"] if row.group == COLLAPSED_SIX)


def unprinted_rows(table3: Mapping[str, object], template: Template) -> tuple[str, ...]:
    """Official rows a report never printed: 2021's （六） sub-rows when it printed （六） as one row."""
    return _SIX_PARTS if template == "2021" and COLLAPSED_SIX in table3 else ()


def result_rows(table3: Mapping[str, object], template: Template) -> tuple[str, ...]:
    """The 表三 rows whose sum is （七）总计: the official result rows, or with a collapsed （六） that row
    in place of its sub-rows."""
    rows = t3_result_rows(template)
    unprinted = unprinted_rows(table3, template)
    if not unprinted:
        return rows
    at = rows.index(unprinted[0])
    return (*rows[:at], COLLAPSED_SIX, *(r for r in rows[at:] if r not in unprinted))


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
