"""Drafting a report from bullet notes and tables: offline by default, with an LLM when one is set.

The flow: notes → categories (notes.py) → text per unit (offline.py, or chain.py with its guard,
falling back to offline per unit) → a Report in the national format → the gate (checks + D-COPY).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..labels import PARTS, SECTIONS
from ..report import Finding, Report
from ..settings import Settings, load_settings
from ..tables import Tables
from ..textnums import numbers_in
from . import offline
from .gate import gate
from .notes import IMPROVEMENTS, OTHER, PROBLEMS, Notes, NotesError, parse_notes

__all__ = ["DraftResult", "NotesError", "Revision", "Unit", "draft", "revise_section"]

Progress = Callable[[str], None]
TokenSink = Callable[[str], None]


@dataclass
class Unit:
    """One piece of narrative an LLM may write: a part of 总体情况, section 五 or section 六."""

    name: str  # shown in notices, e.g. "（一）主动公开"
    prompt: str  # prompts/<prompt>.md
    bullets: list[str]
    text: str  # the offline engine's version, kept when the LLM fails


@dataclass
class DraftResult:
    report: Report
    findings: list[Finding]
    notices: list[str] = field(default_factory=list)
    engine: Literal["offline", "llm"] = "offline"

    @property
    def ok(self) -> bool:
        """No error-level finding: the draft may be exported as a final report."""
        return not any(f.severity == "error" for f in self.findings)


@dataclass
class Revision:
    text: str
    notices: list[str] = field(default_factory=list)


_PART_PROMPTS = ("part_active", "part_request", "part_management", "part_platform", "part_oversight")


def _units(notes: Notes, facts: list[str]) -> list[Unit]:
    """The offline draft of every LLM-writable unit; units with no bullets are never sent to an LLM.

    依申请公开 drops what the table sentences (`facts`, appended later) already state.
    """
    bullets = {part.text: notes.bullets[part.text] for part in PARTS}
    bullets[PARTS[1].text] = offline.without_restated(bullets[PARTS[1].text], facts)
    units = [
        Unit(part.text, prompt, bullets[part.text], offline.part_text(part.text, bullets[part.text]))
        for part, prompt in zip(PARTS, _PART_PROMPTS, strict=True)
    ]
    problems = offline.problems(notes)
    units.append(Unit(SECTIONS[4].text, "problems", notes.bullets[PROBLEMS] + notes.bullets[IMPROVEMENTS], problems))
    units.append(Unit(SECTIONS[5].text, "other", notes.bullets[OTHER], offline.join_points(notes.bullets[OTHER])))
    return units


def allowed_numbers(notes_text: str, tables: Tables | None, year: int) -> set[str]:
    """The numbers a draft may contain: those of the notes, of the tables (and their sums), the year."""
    return numbers_in(notes_text) | numbers_in(offline.table_numbers(tables)) | {str(year)}


def _assemble(notes: Notes, tables: Tables | None, facts: list[str], texts: dict[str, str]) -> tuple[Report, list[str]]:
    """The Report in section order, with the table sentences (`facts`) closing 依申请公开; plus notices.

    Placeholders for what the notes left out of 五 and 六 are paragraphs of their own.
    """
    bodies = {part.text: texts[part.text] for part in PARTS}
    request = bodies[PARTS[1].text]
    if facts:
        empty = offline.part_text(PARTS[1].text, [])
        bodies[PARTS[1].text] = ("" if request == empty else request) + "".join(facts)
    overview = offline.overview(notes, bodies)
    gaps, notices = offline.problem_gaps(notes)
    fee, more = offline.fee_statement(notes)
    notices += more
    blank = Tables(template="2021" if notes.year >= 2021 else "2019")
    sections = {
        SECTIONS[0].text: overview,
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
        notices.append(
            "未提供统计表：表二、表三、表四为空，申请和复议诉讼的表格语句未生成，正文只含要点中的数字"
            "（命令行用 --tables 指定统计表；网页版在“上传要点”中上传，或在“表格填报”中填写）。"
        )
    return report, notices


def _paragraphs(*texts: str) -> str:
    """The non-empty texts, one paragraph each."""
    return "\n".join(t for t in texts if t)


def draft(
    notes: str,
    *,
    org: str | None = None,
    year: int | None = None,
    tables: Tables | None = None,
    prior: Report | None = None,
    corpus: Any = None,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
    on_token: TokenSink | None = None,
) -> DraftResult:
    """A complete, checked report from notes. Raises NotesError when the notes cannot be used."""
    progress = on_progress or (lambda _msg: None)
    settings = settings or load_settings()
    parsed = parse_notes(notes, org=org, year=year)
    progress(f"已读取要点：{parsed.org}，{parsed.year}年度，共{len(parsed.all_bullets)}条。")
    if prior is None and corpus is not None:
        prior = corpus.get_report(parsed.org, parsed.year - 1)
        progress("已从语料库找到上一年度报告。" if prior else "语料库中没有上一年度报告，跳过跨年度核对。")
    facts = offline.table_sentences(tables)
    units = _units(parsed, facts)
    notices: list[str] = []
    engine: Literal["offline", "llm"] = "offline"
    if settings.llm_enabled:
        from .chain import write_units

        allowed = allowed_numbers(parsed.text, tables, parsed.year)
        notices += write_units(units, parsed, "".join(facts), allowed, settings, corpus, progress, on_token)
        engine = "llm"
    else:
        progress("未配置大模型，使用离线引擎起草。")
    report, more = _assemble(parsed, tables, facts, {u.name: u.text for u in units})
    progress("正在校验草稿……")
    findings = gate(report, prior, skip=facts)
    return DraftResult(report, findings, notices + more, engine)


def revise_section(
    report: Report,
    heading: str,
    instruction: str,
    *,
    notes: str = "",
    settings: Settings | None = None,
    on_token: TokenSink | None = None,
) -> Revision:
    """One section rewritten by the LLM after an instruction (chat), under the same number guard.

    Without an LLM, or when the rewrite fails the guard, the section comes back unchanged with a notice.
    """
    settings = settings or load_settings()
    current = report.sections.get(heading)
    if current is None:
        raise NotesError(f"报告中没有“{heading}”这一部分。")
    if not settings.llm_enabled:
        return Revision(current, ["未配置大模型，无法按指令改写；请直接编辑该部分文字。"])
    from .chain import revise

    allowed = allowed_numbers(f"{notes}\n{report.text}", report, report.year or 0)
    return revise(heading, current, instruction, allowed, settings, on_token)
