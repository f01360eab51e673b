"""Assembly: the units' texts and the table sentences as a Report in the national format, with the
placeholders for what the notes left out and the notices about them."""

from __future__ import annotations

import re

from ..labels import PARTS, SECTIONS
from ..report import Report
from ..tables import Tables
from . import offline
from .notes import IMPROVEMENTS, OTHER, PROBLEMS, Notes
from .plan import Plan

MISSING_FEE_NOTICE = "要点未提及信息处理费，第六部分留有占位语句，请补充本年度收取信息处理费的情况。"
NO_TABLES = (
    "未提供统计表：表二、表三、表四为空，申请和复议诉讼的表格语句未生成，正文只含要点中的数字"
    "（命令行用 --tables 指定统计表；网页版在“上传要点”中上传，或在“表格填报”中填写）。"
)


def overview(notes: Notes, bodies: dict[str, str]) -> str:
    """Section 一's text from the part bodies; the intro goes first only if it keeps within the limit.

    Notes too long for the limit are still drafted in full; the checker warns about the length.
    """
    parts = "\n".join(f"{label}\n{bodies[label]}" for label in bodies)
    text = f"{offline.intro(notes)}\n{parts}"
    return text if _length(text) <= offline.OVERVIEW_LIMIT else parts


def _length(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def problem_gaps(notes: Notes) -> tuple[list[str], list[str]]:
    """The placeholders section 五 needs (problems and improvements are both required), and a notice."""
    gaps = [
        (placeholder, name)
        for placeholder, name, cat in (
            (offline.MISSING_PROBLEMS, "存在的主要问题", PROBLEMS),
            (offline.MISSING_IMPROVEMENTS, "改进措施", IMPROVEMENTS),
        )
        if not notes.bullets[cat]
    ]
    if not gaps:
        return [], []
    missing = "及".join(name for _, name in gaps)
    return [p for p, _ in gaps], [f"要点未提供{missing}，第五部分留有占位语句，请补充。"]


def fee_statement(notes: Notes) -> tuple[str, list[str]]:
    """The placeholder section 六 needs when the notes say nothing of 信息处理费 (never "未收取" when they
    did not say it), and the notices about section 六."""
    notices = []
    if notes.unplaced:
        notices.append(f"有{len(notes.unplaced)}条要点未能归类，已写入“六、其他需要报告的事项”，请核对。")
    if any("信息处理费" in b or "收费" in b for b in notes.bullets[OTHER]):
        return "", notices
    return offline.MISSING_FEE, [*notices, MISSING_FEE_NOTICE]


def _paragraphs(*texts: str) -> str:
    """The non-empty texts, one paragraph each."""
    return "\n".join(t for t in texts if t)


def assemble(notes: Notes, tables: Tables | None, plan: Plan) -> tuple[Report, list[str]]:
    """The Report in section order, with the table sentences closing 依申请公开; plus notices.

    Placeholders for what the notes left out of 五 and 六 are paragraphs of their own.
    """
    texts = {u.name: u.text for u in plan.units}
    bodies = {part.text: texts[part.text] for part in PARTS}
    request = bodies[PARTS[1].text]
    if plan.facts:
        empty = offline.part_text(PARTS[1].text, [])
        bodies[PARTS[1].text] = ("" if request == empty else request) + "".join(plan.facts)
    gaps, notices = problem_gaps(notes)
    fee, more = fee_statement(notes)
    notices += more
    blank = Tables(template="2021" if notes.year >= 2021 else "2019")
    sections = {
        SECTIONS[0].text: overview(notes, bodies),
        **{s.text: offline.TABLE_LEADS[s.text] for s in SECTIONS[1:4]},
        SECTIONS[4].text: _paragraphs(texts[SECTIONS[4].text], *gaps),
        SECTIONS[5].text: _paragraphs(fee, texts[SECTIONS[5].text]),
    }
    report = Report(
        title=f"{notes.org}{notes.year}年政府信息公开工作年度报告",
        org=notes.org,
        year=notes.year,
        **(tables or blank).tables().model_dump(),
        sections=sections,
        printed_headings={s.text: s.text for s in SECTIONS},
        parts=bodies,
        period_year=notes.year,
        source="要点起草",
    )
    if tables is None:
        notices.append(NO_TABLES)
    return report, notices
