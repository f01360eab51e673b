"""The deterministic checker: a catalogue of rules (see `RULES`), run by `check`.

Importing the rule modules registers their rules; the catalogue then lists them in the order a reviewer
reads a report: the tables, the narrative against them, the structure, last year's report.
"""

from __future__ import annotations

from ..report import Finding, Report
from ..tables import Location
from . import crossyear, narrative, structure, tables  # registers the rules
from .base import RULES, Rule

__all__ = ["RULES", "Rule", "check"]

_ORDER = {"error": 0, "warning": 1, "info": 2}
# the catalogue in reading order; sorted() is stable, so each module keeps its own order
_READING_ORDER = [m.__name__ for m in (tables, narrative, structure, crossyear)]
for _rule in sorted(RULES.values(), key=lambda r: _READING_ORDER.index(r.func.__module__)):
    RULES[_rule.code] = RULES.pop(_rule.code)


def check(report: Report, prior: Report | None = None, *, every_cell: bool = False) -> list[Finding]:
    """All findings (parse findings first), errors before warnings, otherwise in catalogue order.

    Blank cells come as one finding per table, or with `every_cell` (the JSON output) one per cell."""
    findings = list(report.parse_findings)
    explained = [f.where for f in findings]  # a row the parser could not read is named once, by the parser
    for code, rule in RULES.items():
        if rule.needs_prior and prior is None:
            continue
        for issue in rule.func(report, prior):
            if code == "BLANK-CELL" and any(_within(issue.where, place) for place in explained):
                continue
            findings.append(
                Finding(
                    rule=code,
                    severity=issue.severity or rule.severity,
                    message=issue.message,
                    where=issue.where,
                )
            )
    if not every_cell:
        findings = tables.group_blank_cells(findings, report)
    return sorted(findings, key=lambda f: _ORDER[f.severity])


def _within(cell: Location, place: Location) -> bool:
    """Whether a table cell lies in a place a parse finding names (a cell, its row or its whole table)."""
    return (
        place.table is not None
        and place.table == cell.table
        and place.row in (None, cell.row)
        and place.column in (None, cell.column)
    )
