"""The report model: one 政府信息公开工作年度报告, whichever file or notes it came from.

A cell is `None` when the report left it blank or wrote "/" or "—": that is not 0, and the checker
warns about it instead of summing it. Table rows are keyed by their official labels (see labels.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .labels import T3_COLUMNS, T3_ROWS, T4_COLUMNS, TABLE2, Template

Number = int | float
Severity = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """One result of a check or of parsing: a stable rule code and a Chinese message naming the place."""

    rule: str
    severity: Severity
    message: str
    where: str = ""


class Report(BaseModel):
    title: str = ""
    org: str = ""
    year: int | None = None
    template: Template = "2021"
    # official section heading -> text as printed (headings are the official ones, see labels.SECTIONS)
    sections: dict[str, str] = Field(default_factory=dict)
    # headings as printed in the source, official heading -> printed heading
    printed_headings: dict[str, str] = Field(default_factory=dict)
    # 总体情况's parts found in the text: official part label -> text
    parts: dict[str, str] = Field(default_factory=dict)
    table2: dict[str, list[Number | None]] = Field(default_factory=dict)
    table3: dict[str, list[int | None]] = Field(default_factory=dict)
    table4: list[int | None] = Field(default_factory=list)
    # the statistics period's year as stated ("统计期限自2022年1月1日起…"), if stated
    period_year: int | None = None
    source: str = ""
    # what parsing noticed (ambiguous digit runs, missing tables): shown with the checker's findings
    parse_findings: list[Finding] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """The narrative in section order, for checks that read sentences."""
        return "\n".join(self.sections.values())

    def tables_json(self) -> dict:
        return {"table2": self.table2, "table3": self.table3, "table4": self.table4}

    def to_json(self) -> dict:
        """The `parse --json` form of design.md."""
        return {
            "title": self.title,
            "org": self.org,
            "year": self.year,
            "template": self.template,
            "sections": self.sections,
            "tables": self.tables_json(),
            "findings": [f.model_dump() for f in self.parse_findings],
        }


def empty_tables(template: Template) -> tuple[dict, dict, list]:
    """Blank 表二/表三/表四 of a template (every cell None), e.g. for a form to fill in."""
    t2 = {row.text: [None] * len(item.columns) for item in TABLE2[template] for row in item.rows}
    t3 = {row.text: [None] * len(T3_COLUMNS) for row in T3_ROWS[template]}
    return t2, t3, [None] * len(T4_COLUMNS)
