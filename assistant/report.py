"""The report model: one 政府信息公开工作年度报告, whichever file or notes it came from.

A report is its three statistics tables (`tables.Tables`: a cell is `None` when the report left it blank or
wrote "/" or "—", which is not 0) plus the narrative, and what parsing noticed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .cells import Number
from .tables import Location, Tables

__all__ = ["SEVERITY_ZH", "Finding", "Location", "Number", "Report", "Severity"]

Severity = Literal["error", "warning", "info"]
SEVERITY_ZH: dict[Severity, str] = {"error": "错误", "warning": "警告", "info": "提示"}


class Finding(BaseModel):
    """One result of a check or of parsing: a stable rule code and a Chinese message naming the place."""

    rule: str
    severity: Severity
    message: str
    where: Location = Field(default_factory=Location)


class Report(Tables):
    title: str = ""
    org: str = ""
    year: int | None = None
    # official section heading -> text as printed (headings are the official ones, see labels.SECTIONS)
    sections: dict[str, str] = Field(default_factory=dict)
    # headings as printed in the source, official heading -> printed heading
    printed_headings: dict[str, str] = Field(default_factory=dict)
    # 总体情况's parts found in the text: official part label -> text
    parts: dict[str, str] = Field(default_factory=dict)
    # the statistics period's year as stated ("统计期限自2022年1月1日起…"), if stated
    period_year: int | None = None
    source: str = ""
    # what parsing noticed (ambiguous digit runs, missing tables): shown with the checker's findings
    parse_findings: list[Finding] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """The narrative in section order, for checks that read sentences."""
        return "\n".join(self.sections.values())

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
