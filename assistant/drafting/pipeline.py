"""Drafting as a pipeline: notes → plan of units → writer (offline, or LLM under the guard) → assemble → gate.

`draft` and `revise_section` are the public entry points (re-exported by the package). The result says
which engine wrote each unit, truthfully: a unit the LLM wrote that the guard rejected twice, or that
the service failed on, is labelled offline, and a notice names it with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..compare import compare, update_hints
from ..report import Finding, Report
from ..settings import Settings, load_settings
from ..tables import Tables
from ..textnums import numbers_in, quantities
from . import offline
from .assemble import assemble
from .gate import gate
from .guard import Reference, stated_numbers
from .notes import NotesError, parse_notes
from .plan import Engine, NotesConflict, conflicts, plan

Progress = Callable[[str], None]
TokenSink = Callable[[str], None]
ENGINE_NAMES: dict[str, str] = {"llm": "大模型", "offline": "离线引擎"}


@dataclass
class DraftResult:
    """A checked draft. `engines` maps each unit of narrative ("（一）主动公开"…, "五、…", "六、…") to the
    engine that wrote it; `notices` are Chinese sentences for the user (fallbacks name unit and reason)."""

    report: Report
    findings: list[Finding]
    notices: list[str] = field(default_factory=list)
    engines: dict[str, Engine] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No error-level finding: the draft may be exported as a final report (最终稿)."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def engine(self) -> Literal["offline", "llm", "mixed"]:
        """ "llm" when the LLM wrote every unit it was given, "offline" when it wrote none, else "mixed"."""
        used = set(self.engines.values())
        return "mixed" if len(used) > 1 else "llm" if used == {"llm"} else "offline"

    @property
    def engine_label(self) -> str:
        """The engine in Chinese, naming the units the offline engine wrote when the LLM wrote the rest."""
        if self.engine != "mixed":
            return ENGINE_NAMES[self.engine]
        fallen = "、".join(f"“{name}”" for name, e in self.engines.items() if e == "offline")
        return f"大模型（其中{fallen}由离线引擎起草）"

    def summary(self) -> dict[str, Any]:
        """What a JSON answer reports besides the report itself."""
        return {
            "ok": self.ok,
            "engine": self.engine,
            "engine_label": self.engine_label,
            "engines": dict(self.engines),
            "notices": list(self.notices),
        }


@dataclass
class Revision:
    """A chat rewrite of one section: `before` and `text` (after) for a diff; `accepted` False when the
    section stays as it was, `reasons` then saying why (the guard's faults, or the service's failure)."""

    before: str
    text: str
    reasons: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.reasons and self.text != self.before

    @property
    def notices(self) -> list[str]:
        return list(self.reasons)


def allowed_numbers(notes_text: str, tables: Tables | None, year: int) -> set[str]:
    """The numbers a draft may contain, in digits or words: the notes', the tables' (and sums), the year."""
    return stated_numbers(notes_text) | numbers_in(offline.table_numbers(tables)) | {str(year)}


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
    """A complete, checked report from notes.

    Raises NotesIncomplete (body or year not found: `missing` says which), NotesConflict (a figure of
    the notes contradicts the tables: `conflicts` lists them) or NotesError (nothing usable)."""
    progress = on_progress or (lambda _msg: None)
    settings = settings or load_settings()
    parsed = parse_notes(notes, org=org, year=year)
    if found := conflicts(parsed, tables):
        raise NotesConflict(found)
    progress(f"已读取要点：{parsed.org}，{parsed.year}年度，共{len(parsed.all_bullets)}条。")
    if prior is None and corpus is not None:
        prior = corpus.get_report(parsed.org, parsed.year - 1)
        progress("已从语料库找到上一年度报告。" if prior else "语料库中没有上一年度报告，跳过跨年度核对。")
    steps = plan(parsed, tables)
    notices: list[str] = []
    if settings.llm_enabled:
        from .writer_llm import write_units

        allowed = allowed_numbers(parsed.text, tables, parsed.year)
        notices += write_units(steps.units, parsed, allowed, settings, corpus, progress, on_token)
    else:
        progress("未配置大模型，使用离线引擎起草。")
    report, more = assemble(parsed, tables, steps)
    progress("正在校验草稿……")
    findings = gate(report, prior, skip=steps.skip)
    if prior is not None and (hints := update_hints(compare(prior, report))):
        more.append("对照上年报告，请核对：" + "".join(hints))
    engines = {u.name: u.engine for u in steps.units if u.bullets}
    return DraftResult(report, findings, notices + more, engines)


def revise_section(
    report: Report,
    heading: str,
    instruction: str,
    *,
    notes: str = "",
    settings: Settings | None = None,
    on_token: TokenSink | None = None,
) -> Revision:
    """One section rewritten by the LLM after an instruction (chat), under the drafting guard: no number
    or script the notes and report do not have, no meta text, every figure of the section kept.

    Without an LLM, or when the rewrite fails the guard, the section comes back unchanged with the reasons.
    """
    settings = settings or load_settings()
    current = report.sections.get(heading)
    if current is None:
        raise NotesError(f"报告中没有“{heading}”这一部分。")
    if not settings.llm_enabled:
        return Revision(current, current, ["未配置大模型，无法按指令改写；请直接编辑该部分文字。"])
    from .writer_llm import revise

    source = f"{notes}\n{report.text}"
    kept = [q.text for q in quantities(current)]
    ref = Reference(allowed_numbers(source, report, report.year or 0), kept, [current, notes], source, report.org or "")
    text, reasons = revise(heading, current, instruction, ref, settings, on_token, report.org or "")
    return Revision(current, text, reasons)
