"""The plan of a draft: the units of narrative (five parts of 总体情况, section 五, section 六), each with
its bullets, the table facts its prompt may see, and its offline text; and the notes checked against
the tables before anything is written.

Table facts go only where they are printed or belong: the application and review sentences close
依申请公开 (the LLM is told not to restate them), the 表二 figures go to 主动公开.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..checks.narrative import _table_quantities, stated_figures
from ..errors import NotesError
from ..labels import PARTS, SECTIONS
from ..tables import Tables
from ..textnums import quantities, sentences
from . import offline
from .notes import IMPROVEMENTS, OTHER, PROBLEMS, Notes

Engine = Literal["offline", "llm"]
_PART_PROMPTS = ("part_active", "part_request", "part_management", "part_platform", "part_oversight")
_CLAUSE = re.compile(r"[，,；;]")


@dataclass
class Unit:
    """One piece of narrative a writer produces: a part of 总体情况, section 五 or section 六."""

    name: str  # shown in notices, e.g. "（一）主动公开"
    prompt: str  # prompts/<prompt>.md
    lists: dict[str, list[str]]  # the prompt's tagged lists: {"notes": …} or {"problems": …, "plans": …}
    text: str  # the offline engine's version, replaced by the LLM's when it passes the guard
    facts: str = ""  # table sentences the prompt shows
    engine: Engine = "offline"

    @property
    def bullets(self) -> list[str]:
        return [b for items in self.lists.values() for b in items]


@dataclass(frozen=True)
class Conflict:
    """A figure of the notes that the tables contradict."""

    sentence: str
    concept: str
    stated: float
    table: str  # what the tables give, e.g. "3（本年新收）"


class NotesConflict(NotesError):
    """Notes whose figures contradict the tables: the user decides which is right before drafting."""

    kind = "要点与统计表不符"

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        lines = [f"- 要点称“{c.sentence}”（{c.concept}），统计表为{c.table}" for c in conflicts]
        super().__init__("要点中的数字与统计表不符，请核对后改正要点或统计表中的一方再起草：\n" + "\n".join(lines))


@dataclass
class Plan:
    units: list[Unit]
    facts: list[str]  # the sentences written from 表三/表四, closing 依申请公开
    active_facts: str = ""  # 表二 as a sentence, for 主动公开's prompt
    skip: list[str] = field(default_factory=list)  # the engine's own sentences, never D-COPY


def plan(notes: Notes, tables: Tables | None) -> Plan:
    """The units with their offline text; 依申请公开 drops what the table sentences already state."""
    facts = offline.table_sentences(tables)
    active = offline.table2_sentence(tables)
    lists = {part.text: notes.bullets[part.text] for part in PARTS}
    lists[PARTS[1].text] = offline.without_restated(lists[PARTS[1].text], facts)
    units = [
        Unit(part.text, prompt, {"notes": lists[part.text]}, offline.part_text(part.text, lists[part.text]))
        for part, prompt in zip(PARTS, _PART_PROMPTS, strict=True)
    ]
    units[0].facts, units[1].facts = active, "".join(facts)
    five = {"problems": notes.bullets[PROBLEMS], "plans": notes.bullets[IMPROVEMENTS]}
    units.append(Unit(SECTIONS[4].text, "problems", five, offline.problems(notes)))
    units.append(Unit(SECTIONS[5].text, "other", {"notes": notes.bullets[OTHER]}, offline.other(notes)))
    return Plan(units, facts, active, [*facts, offline.intro(notes), *offline.TABLE_LEADS.values()])


def _group_figures(sentence: str) -> list[tuple[str, float]]:
    """(result group, figure) a sentence about applications states: "予以公开25件" → ("予以公开", 25)."""
    found = []
    for clause in _CLAUSE.split(sentence):
        names = [name for name in offline.GROUP_NAMES if name in clause]
        counts = [q for q in quantities(clause) if q.unit == "件" and not q.approx]
        if len(names) == 1 and counts:  # "予以公开及部分公开42件" counts two groups at once: not compared
            found.append((names[0], counts[0].value))
    return found


def conflicts(notes: Notes, tables: Tables | None) -> list[Conflict]:
    """Figures the notes state about applications, their results, 复议 and 诉讼 that no table figure of that
    concept matches (every plausible 口径 is accepted, approximate figures are not compared)."""
    expected = _table_quantities(tables) if tables is not None else None  # type: ignore[arg-type]
    if expected is None or tables is None:
        return []
    groups = dict(offline.group_totals(tables))
    request = set(notes.bullets[PARTS[1].text])
    found = []
    for bullet in notes.all_bullets:
        for sentence in sentences(bullet):
            about = bullet in request or "申请" in sentence
            for concept, q in stated_figures(sentence, bullet in request):
                accepted = expected[concept]
                if accepted and q.value not in accepted and not q.approx:
                    table = "或".join(f"{v:g}件（{k}）" for v, k in sorted(accepted.items()))
                    found.append(Conflict(sentence, concept, q.value, table))
            for name, value in _group_figures(sentence) if about else []:
                if value != groups.get(name, 0):
                    found.append(Conflict(sentence, name, value, f"{groups.get(name, 0)}件（{name}）"))
    return found
