"""The offline drafting engine: the report's narrative from notes and tables, with no LLM.

Each bullet is kept word for word (so every fact keeps its exact figure; only a leading "问题：" label,
and in 依申请公开 a clause restating the table sentences' figures, are dropped) and joined in the
register of published reports ("2024年，…", "一是……；二是……"). The sentences about applications, 行政复议 and
行政诉讼 are written from the tables themselves, so the narrative and the tables agree by construction.
The engine adds no number of its own: every figure comes from the notes, the tables, or the year,
and it asserts no fact the notes do not give.

Where the notes are silent the draft holds a visible placeholder naming what is missing (a part of
总体情况, the problems or the improvements of 五, 信息处理费 in 六), so each of the checker's S-PLACEHOLDER
errors says which one is meant. Section 六 states 信息处理费 only as the notes do (never "未收取" when
they did not say it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..cells import format_number
from ..labels import SECTIONS, T3_CARRIED, T3_CARRY_NEXT, T3_NEW, T3_ROWS, T3_TOTAL, T4_OUTCOMES, TABLE2
from ..tables import Tables
from ..textnums import quantities
from .notes import END_PUNCT, IMPROVEMENTS, OTHER, PROBLEMS, Notes

OVERVIEW_LIMIT = 1000  # 总体情况 "篇幅原则上不超过一千字" (国办公开办函〔2021〕30号)
MISSING_FEE = "（要点未涉及信息处理费收取情况，请补充。）"
MISSING_PART = "（要点未涉及“{}”方面的工作，请补充。）"  # formatted with the part's name
MISSING_PROBLEMS = "（要点未涉及存在的主要问题，请补充。）"
MISSING_IMPROVEMENTS = "（要点未涉及改进措施，请补充。）"
_NUMERALS = "一二三四五六七八九十"
_SENTENCE_END = re.compile(r"[。！？]")
_CLAUSE = re.compile(r"[^，,；;。]+[，,；;。]?")
# what the table sentences are about: applications (and how they were handled), 复议, 诉讼
_TABLE_TOPICS = ("申请", "新收", "受理", "办结", "结转", "复议", "诉讼")
GROUP_NAMES = ("予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理")
# a clause left without its subject once the figure before it moved to a table sentence ("均按期答复")
_SUBJECTLESS = re.compile(r"^(?:均|都|全部|均已|已全部|并|且|同时)")
# not "上述申请": the table sentences that state the applications come after the notes' sentences
_REMNANT_SUBJECT = "本年度的政府信息公开申请"
_MAX_REMNANT = 6  # a remnant this short that names a table topic ("复议维持") says nothing the tables do not
# a label before the content ("招生入学：公开招生政策"): short, no punctuation, turned into "在招生入学方面，"
_LABEL = re.compile(r"^(?P<label>[^，。；：:,;、\d]{2,10})[：:](?P<rest>.+)$")
_CONNECTIVE = re.compile(r"^(?:与此同时|同时|此外|另外|另一方面)[，,]?")  # meaningless once the bullet is an item
_TIME_LEAD = re.compile(r"^(?:本年度|本年|全年|今年|年内|(?:19|20)\d\d年度?)[，,]?")
_NONE_FEE = re.compile(r"^(?:无|没有|未有)收取(?P<what>.*?)(?:的?情况)?$")
TABLE_LEADS: dict[str, str] = {
    SECTIONS[1].text: "本年度主动公开政府信息情况见下表。",
    SECTIONS[2].text: "本年度收到和处理政府信息公开申请情况见下表。",
    SECTIONS[3].text: "本年度政府信息公开行政复议、行政诉讼情况见下表。",
}


def ordinal(i: int) -> str:
    """Chinese ordinal words for 一是/二是…: 1 → 一, 12 → 十二."""
    if i <= 10:
        return _NUMERALS[i - 1]
    return "十" + (_NUMERALS[i - 11] if i % 10 else "") if i < 20 else str(i)


def prose(bullet: str) -> str:
    """A bullet as report prose: a leading connective ("同时，") goes, a leading label becomes "在……方面，"
    ("招生入学：公开…")."""
    bullet = _CONNECTIVE.sub("", bullet)
    if m := _LABEL.match(bullet):
        label = m.group("label").removesuffix("方面").removesuffix("工作")
        return f"在{label}方面，{m.group('rest').strip()}"
    return bullet


def join_points(bullets: Sequence[str]) -> str:
    """One bullet as a sentence; several as "一是……；二是……。" (full stops when a bullet has sentences)."""
    bullets = [prose(b) for b in dict.fromkeys(bullets)]
    if not bullets:
        return ""
    if len(bullets) == 1:
        return bullets[0] + "。"
    sep = "。" if any(_SENTENCE_END.search(b) for b in bullets) else "；"
    return sep.join(f"{ordinal(i)}是{b}" for i, b in enumerate(bullets, 1)) + "。"


def short_name(label: str) -> str:
    """A label without its ordinal and gloss: "（二）部分公开（区分处理的…）" → "部分公开",
    "（三）政府信息管理" → "政府信息管理"."""
    return re.sub(r"^（.）|（.*$", "", label)


def group_totals(tables: Tables) -> list[tuple[str, int]]:
    """Each result group of 表三 (予以公开, 部分公开, 不予公开…) with its 总计 summed over its rows."""
    totals: dict[str, int] = {}
    for row in T3_ROWS[tables.template]:
        group = row.group or (row.text if row.text.startswith("（") and row.text != T3_TOTAL else "")
        value = tables.t3_total(row.text)
        if group and value is not None:
            totals[group] = totals.get(group, 0) + value
    return [(short_name(g), n) for g, n in totals.items()]


def applications_sentence(tables: Tables) -> str:
    """新收/上年结转/办结 with the breakdown and 结转下年度, from 表三's 总计 column."""
    new, carried, done, carry_next = (tables.t3_total(row) for row in (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT))
    if new is None or done is None:
        return ""
    if new == 0 and not carried:
        return "本年度未收到政府信息公开申请，无上年结转申请。"
    text = f"本年度新收政府信息公开申请{new}件，"
    text += f"上年结转{carried}件，" if carried else "无上年结转申请，"
    breakdown = "、".join(f"{name}{n}件" for name, n in group_totals(tables) if n)
    text += f"办结{done}件" + (f"，其中{breakdown}" if breakdown else "")
    if carry_next is not None:
        text += f"；结转下年度继续办理{carry_next}件" if carry_next else "；无结转下年度继续办理的申请"
    return text + "。"


def _outcomes(values: Sequence[int | None]) -> str:
    """The non-zero outcomes of one 表四 group (its first four cells): "结果维持2件、结果纠正1件"."""
    return "、".join(f"{name}{v}件" for name, v in zip(T4_OUTCOMES[:4], values[:4], strict=True) if v)


def reviews_sentence(tables: Tables) -> str:
    """行政复议 and 行政诉讼 with their outcomes, from 表四; "未发生…" when there were none."""
    totals = tables.t4_totals()
    if totals is None or None in totals:
        return ""
    review, direct, after = tables.t4_groups()
    if review[-1]:
        parts = [f"因政府信息公开被申请行政复议{review[-1]}件（{_outcomes(review)}）"]
    else:
        parts = ["未发生因政府信息公开被申请行政复议的情况"]
    suits = direct[-1] + after[-1]
    if suits:
        groups = [(name, g) for name, g in (("未经复议直接起诉", direct), ("复议后起诉", after)) if g[-1]]
        detail = "；".join(f"{name}{g[-1]}件，其中{_outcomes(g)}" for name, g in groups)
        parts.append(f"被提起行政诉讼{suits}件（{detail}）")
    else:
        parts.append("未发生因政府信息公开被提起行政诉讼的情况")
    return "本年度" + "；".join(parts) + "。"


def table_sentences(tables: Tables | None) -> list[str]:
    """The sentences written from the tables (for 依申请公开), empty when a table is missing."""
    if tables is None:
        return []
    found = [applications_sentence(tables), reviews_sentence(tables)]
    return [s for s in found if s]


def table2_sentence(tables: Tables | None) -> str:
    """表二's non-zero figures as one sentence for 主动公开: "行政规范性文件本年制发62件……"."""
    if tables is None:
        return ""
    found = []
    for item in TABLE2[tables.template]:
        for row in item.rows:
            values = tables.table2.get(row.text) or []
            cells = [f"{col}{format_number(v)}" for col, v in zip(item.columns, values, strict=False) if v]
            if cells:
                found.append(f"{row.text}：" + "，".join(cells))
    return "；".join(found) + "。" if found else ""


def table_numbers(tables: Tables | None) -> str:
    """Every figure the tables allow in the narrative (cells and the sums drafted from them), as text."""
    if tables is None:
        return ""
    cells = [v for row in tables.table2.values() for v in row] + list(tables.table4)
    cells += [v for row in tables.table3.values() for v in row]
    sums = [n for _, n in group_totals(tables)]
    _, direct, after = tables.t4_totals() or (None, None, None)
    if direct is not None and after is not None:
        sums.append(direct + after)  # 被提起行政诉讼 N 件
    return " ".join(format_number(v) for v in cells + sums if v is not None)


def _restates(clause: str, stated: set[str]) -> bool:
    """A clause about applications or reviews whose every figure is a 件 count the table sentences give."""
    found = quantities(clause)
    return (
        bool(found)
        and any(t in clause for t in _TABLE_TOPICS)
        and all(q.unit == "件" and format_number(q.value) in stated for q in found)
    )


def without_restated(bullets: Sequence[str], facts: Sequence[str]) -> list[str]:
    """依申请公开's bullets less the clauses that only restate the table sentences' figures.

    "畅通查找渠道，全年办理申请218件" keeps "畅通查找渠道" when the tables give 新收218件, so each figure
    is stated once; a "其中…" clause stays with the clause before it; a bullet left empty is dropped.
    """
    stated = {format_number(q.value) for q in quantities("".join(facts)) if q.unit == "件"}
    kept = []
    for bullet in bullets:
        clauses: list[str] = []
        for clause in _CLAUSE.findall(bullet):
            if clauses and clause.startswith("其中"):
                clauses[-1] += clause
            else:
                clauses.append(clause)
        kept_clauses = [c for c in clauses if not _restates(c, stated)]
        if rest := _remnant("".join(kept_clauses).rstrip(END_PUNCT), len(kept_clauses) < len(clauses)):
            kept.append(rest)
    return kept


def _remnant(rest: str, cut: bool) -> str:
    """What is left of a bullet once restated clauses are cut: given back its subject ("均按期答复" →
    "本年度的政府信息公开申请均按期答复") or dropped when it is a scrap about the tables' topic ("复议维持")."""
    if not cut or not rest:
        return rest
    if len(rest) <= _MAX_REMNANT and any(t in rest for t in _TABLE_TOPICS):
        return ""
    return _REMNANT_SUBJECT + rest if _SUBJECTLESS.match(rest) else rest


def part_text(label: str, bullets: Sequence[str]) -> str:
    """One part of 总体情况 from its bullets, or a placeholder naming the part when the notes say nothing."""
    return join_points(bullets) or MISSING_PART.format(short_name(label))


def intro(notes: Notes) -> str:
    """The opening of 总体情况: the engine's own sentence (never D-COPY, see plan.Plan.skip)."""
    return (
        f"{notes.year}年，{notes.org}认真贯彻落实《中华人民共和国政府信息公开条例》，"
        "坚持以公开为常态、不公开为例外，扎实推进政府信息公开各项工作。"
    )


def _with_subject(bullet: str, notes: Notes) -> str:
    """A section-六 bullet with its subject and year: "本年度未收取信息处理费" → "2024年，某局未收取信息处理费"."""
    if notes.org in bullet:
        return bullet
    rest = _TIME_LEAD.sub("", bullet)
    if m := _NONE_FEE.match(rest):
        rest = f"未收取{m.group('what')}"
    return f"{notes.year}年，{notes.org}{rest}"


def other(notes: Notes) -> str:
    """Section 六 from its bullets, the fee statement with its subject and year."""
    bullets = notes.bullets[OTHER]
    return join_points([_with_subject(b, notes) if "收取" in b or "收费" in b else b for b in bullets])


def problems(notes: Notes) -> str:
    """Section 五 as the notes give it: the problems, then the improvements, each as "一是……；二是……"."""
    found, plans = notes.bullets[PROBLEMS], notes.bullets[IMPROVEMENTS]
    paragraphs = []
    if found:
        paragraphs.append(f"{notes.year}年，{notes.org}政府信息公开工作仍存在一些不足：{join_points(found)}")
    if plans:
        paragraphs.append(f"下一步，将重点从以下方面加以改进：{join_points(plans)}")
    return "\n".join(paragraphs)
