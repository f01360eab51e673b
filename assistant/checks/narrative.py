"""Rules on the narrative against the tables, and on "其中" parts against their whole."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..labels import PARTS, T3_CARRIED, T3_CARRY_NEXT, T3_NEW, T3_ROWS, T3_TOTAL
from ..report import Number, Report
from ..textnums import Quantity, quantities, sentences, unwrap
from .base import OVERVIEW, Issue, Location, num, result_rows, rule, shorten

COUNT_UNITS = {"件", "起", "宗", "个"}
_CLAUSE = re.compile(r"[，,、：:（）()]")


@dataclass(frozen=True)
class Concept:
    """A figure the narrative states about applications or cases, and how to recognise its clause."""

    name: str
    pattern: re.Pattern[str]
    needs_application: bool  # the sentence must speak of 申请 (办结 also applies to 热线 etc.)


# Order matters: a clause is given to the first concept whose pattern it matches
# ("另有 103 件顺延到下年度答复" is a carry-over, not an answer count).
CONCEPTS: tuple[Concept, ...] = (
    Concept("结转下年度", re.compile(r"结转[至到]?下一?年|转入下一?年|顺延|下一?年度继续办理"), True),
    Concept("上年结转", re.compile(r"上一?年度?结转|上年度?遗留|往年结转"), True),
    Concept("结转", re.compile(r"结转"), True),
    Concept("行政复议", re.compile(r"行政复议"), False),
    Concept("行政诉讼", re.compile(r"行政诉讼"), False),
    Concept("办结", re.compile(r"办结|答复|办理完毕|处理完毕|已办理"), True),
    Concept("新收", re.compile(r"收到|受理|新收|接收|接到|收悉"), True),
)


def table_figures(report: Report) -> dict[str, list[tuple[str, Number]]] | None:
    """Every plausible table figure per concept (any 口径 is accepted), each named by what it counts, or
    None if cells are missing."""
    new, carried, done, carry_next = (report.t3_total(row) for row in (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT))
    t4 = report.t4_totals()
    if new is None or carried is None or done is None or carry_next is None or t4 is None:
        return None
    review, direct, after = t4
    lawsuits = [("未经复议直接起诉", direct), ("复议后起诉", after)]
    if direct is not None and after is not None:
        lawsuits.append(("行政诉讼合计", direct + after))
    new_total = ("本年新收＋上年结转", new + carried)
    figures: dict[str, list[tuple[str, Number | None]]] = {
        "新收": [new_total, ("本年新收", new)],
        "办结": [new_total, ("办结数减上年结转", done - carried), ("（七）总计", done)],
        "上年结转": [("上年结转", carried)],
        "结转下年度": [("结转下年度", carry_next)],
        "结转": [("上年结转", carried), ("结转下年度", carry_next)],
        "行政复议": [("行政复议总计", review)],
        "行政诉讼": lawsuits,
    }
    return {concept: [(name, v) for name, v in pairs if v is not None] for concept, pairs in figures.items()}


def _table_quantities(report: Report) -> dict[str, dict[Number, str]] | None:
    """`table_figures` by value: the names of the table figures a stated figure may be."""
    figures = table_figures(report)
    return None if figures is None else {c: {v: name for name, v in pairs} for c, pairs in figures.items()}


def _overview_sentences(report: Report) -> list[str]:
    return sentences(unwrap(report.sections.get(OVERVIEW, "")))


def stated_figures(sentence: str, about_applications: bool = False) -> Iterator[tuple[str, Quantity]]:
    """(concept, figure) pairs a sentence states, one figure per clause: "受理…申请 3119 件" → 新收 3119.
    Concepts such as 办结 count only in a sentence about applications: one naming 申请, or one of the
    依申请公开 part (`about_applications`)."""
    applications = about_applications or "申请" in sentence
    for clause in _CLAUSE.split(sentence):
        counts = [q for q in quantities(clause) if q.unit in COUNT_UNITS]
        if not counts:
            continue
        for concept in CONCEPTS:
            if concept.pattern.search(clause) and (applications or not concept.needs_application):
                yield concept.name, counts[0]
                break


@rule("N-TABLE-MISMATCH", "warning")
def table_mismatch(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: figures 总体情况 states about applications (收到/受理 N 件, 办结/答复 N 件, 结转 N 件) and
    cases (行政复议/行政诉讼 N 件) match some table quantity of that concept.
    Why: text and tables must tell the same story; a warning only, because a sentence may count with
    another 口径 (e.g. 收到 including 上年结转), and every plausible 口径 is accepted first.
    Approximate figures ("300 余件") are not compared.
    Example: "共收到申请 25 件" while 表三 新收 is 21 and 新收+上年结转 is 21.
    """
    expected = _table_quantities(report)
    if expected is None:
        return
    request_part = set(sentences(unwrap(report.parts.get(PARTS[1].text, ""))))
    for sentence in _overview_sentences(report):
        for concept, figure in stated_figures(sentence, sentence in request_part):
            accepted = expected[concept]
            if accepted and figure.value not in accepted and not figure.approx:
                table = "、".join(f"{name} {num(v)}" for v, name in sorted(accepted.items()))
                stated = f"正文称{concept} {num(figure.value)} 件"
                yield Issue(
                    f"{stated}，与统计表不符（表中对应：{table}）：「{shorten(sentence)}」",
                    Location(section=OVERVIEW),
                )


# a denial of receiving 政府信息公开申请 itself, not of an applicant's 补正 or a complaint ("未收到申请人补正材料")
_NONE_APPLICATIONS = re.compile(
    r"(?:未|没有|暂未|尚未|均未|无)(?:收到|接到|受理|接收)(?:过|任何)?[^。；;，,\d]{0,15}?"
    r"(?:信息公开申请|依申请公开|公开申请)(?![人书材表])"
)
_OTHER_APPLICATIONS = re.compile(r"复议|诉讼|举报|投诉|信访")  # "未收到行政复议申请" is not about 表三
_NONE_CASES = re.compile(r"(?<!尚)(?:未|没有|未有|无|暂无|均未)[^。；;，,\d]{0,20}?(行政复议|行政诉讼)")
_NOT_ABOUT_COUNT = re.compile(r"纠正|纠错|败诉|撤销|确认违法")


@rule("N-NONE-CONTRADICTS", "error")
def none_contradicts(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: "未收到政府信息公开申请" while 表三 新收 > 0, or "未发生…行政复议/行政诉讼" while 表四 has cases.
    Only a sentence denying 政府信息公开申请 themselves counts: "未收到申请人的补正材料" or "未收到投诉"
    speaks of something else.
    Why: unlike a figure in another 口径, "none" against a non-zero table is an unambiguous
    contradiction (error).
    Example: "本年度未收到政府信息公开申请" with 一、本年新收 总计 = 3.
    """
    new = report.t3_total(T3_NEW)
    review, direct, after = report.t4_totals() or (None, None, None)
    lawsuits = direct + after if direct is not None and after is not None else None
    cases = {"行政复议": review, "行政诉讼": lawsuits}
    where = Location(section=OVERVIEW)
    for sentence in _overview_sentences(report):
        none = _NONE_APPLICATIONS.search(sentence)
        # "未收到…申请行政复议" / "未收到行政复议申请" speak of 表四, not of 表三
        about_cases = none and _OTHER_APPLICATIONS.search(sentence[none.start() : none.end() + 6])
        if new and none and not about_cases:
            yield Issue(f"正文称未收到申请，但表三本年新收为 {num(new)} 件：「{shorten(sentence)}」", where)
        for match in _NONE_CASES.finditer(sentence):
            rest = sentence[match.start() : match.end() + 12]
            named = {kind for kind in cases if kind in rest} if "和" in rest or "、" in rest else {match[1]}
            if _NOT_ABOUT_COUNT.search(rest):
                continue
            for kind in sorted(named):
                if cases[kind]:
                    yield Issue(
                        f"正文称未发生{kind}，但表四{kind}总计为 {num(cases[kind])} 件：「{shorten(sentence)}」",
                        where,
                    )


_STOP_PARTS = re.compile(r"同比|比上年|较上年|增长|下降|减少|增加|占")
_UNIT_FAMILY = {"人次": "次", "条（次）": "条", "条次": "条", "个次": "次", "件次": "件", "家次": "家"}


def _family(unit: str) -> str:
    return _UNIT_FAMILY.get(unit, unit)


def _outside_brackets(text: str, qs: list[Quantity]) -> list[Quantity]:
    """Quantities not inside （…）: "共 20 件（含上年结转 2 件），其中…" has the whole 20, not 2."""
    depth_at = []
    depth = 0
    for ch in text:
        depth += ch in "（("
        depth -= ch in "）)" and depth > 0
        depth_at.append(depth)
    return [q for q in qs if depth_at[q.start] == 0]


def _upper(whole: Quantity) -> float:
    """The largest value a whole may mean: "500 余" is below 600, "30 余" below 40; exact is itself."""
    if not whole.approx:
        return whole.value
    digits = str(int(whole.value))
    zeros = len(digits) - len(digits.rstrip("0"))
    return whole.value + 10**zeros


def parts_exceeding(text: str) -> Iterator[tuple[str, Quantity, list[Quantity]]]:
    """(sentence, whole, parts) where "其中" parts of one unit family add up to more than their whole.

    The whole is the last quantity before "其中" in the sentence, or in the previous sentence when
    "其中" opens a sentence. Parts are read up to the next "其中" or a comparison clause (同比/增长).
    """
    previous: list[Quantity] = []
    for sentence in sentences(unwrap(text)):
        qs = _outside_brackets(sentence, quantities(sentence))
        starts = [m.start() for m in re.finditer("其中", sentence)]
        for i, at in enumerate(starts):
            before = [q for q in qs if q.end <= at]
            whole = (before or previous or [None])[-1]
            if whole is None or not whole.unit or whole.unit == "%":
                continue
            stop = starts[i + 1] if i + 1 < len(starts) else len(sentence)
            if comparison := _STOP_PARTS.search(sentence, at, stop):
                stop = comparison.start()
            family = _family(whole.unit)
            parts = [q for q in qs if at < q.start < stop and _family(q.unit) == family]
            total = sum(q.value for q in parts)
            # "新收 41 件，上年结转 3 件；其中自然人 35 件…": the nearest figure need not be the whole, so the
            # parts exceed their whole only if they exceed every candidate whole of their unit
            candidates = [q for q in (before or previous) if _family(q.unit) == family]
            if parts and all(total > _upper(q) for q in candidates):
                yield sentence, whole, parts
        previous = qs


@rule("N-PART-EXCEEDS-WHOLE", "error")
def part_exceeds_whole(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: "其中" parts of the same unit family add up to more than the whole they belong to.
    Why: a single part larger than its whole is impossible, a sure sign of a wrong figure (error).
    Parts that only add up to more may be overlapping categories (政策文件 and 民生信息 can both count
    one item), so that is a warning. 余/多/约 are read as lower bounds: "500 余条" may mean up to 599.
    Example: "累计发布 500 余条，其中……1600 余条" (error); "咨询 65 人次，其中现场 30 余次，电话 52 次"
    (30+52=82 > 65, warning).
    """
    for heading, text in report.sections.items():
        for sentence, whole, parts in parts_exceeding(text):
            terms = "+".join(q.text.replace(" ", "") for q in parts)
            total = num(sum(q.value for q in parts))
            single = any(q.value > _upper(whole) for q in parts)
            yield Issue(
                f"「其中」各项之和 {terms}={total}，超过总数 {whole.text.replace(' ', '')}"
                f"{'（单项已超过总数）' if single else '（如各项有交叉请忽略）'}：「{shorten(sentence)}」",
                Location(section=heading),
                None if single else "warning",
            )


# ── what the narrative states beyond totals ─────────────────────────────────────────────────


def _sentences(report: Report) -> Iterator[tuple[str, str]]:
    """(section heading, sentence) over the whole narrative."""
    for heading, text in report.sections.items():
        for sentence in sentences(unwrap(text)):
            yield heading, sentence


_PUBLIC, _PARTIAL = T3_ROWS["2021"][2].text, T3_ROWS["2021"][3].text
_GROUPS = tuple(dict.fromkeys(row.group for row in T3_ROWS["2021"] if row.group))  # （三）…（六）


@dataclass(frozen=True)
class Category:
    """A 办理结果 category as the narrative names it, the 表三 rows (or row groups) it counts, and whether
    its 口径 is unambiguous (a mismatch is then an error)."""

    pattern: re.Pattern[str]
    rows: tuple[str, ...]
    exact: bool = True


_COUNT_AFTER = r"[^，,。；;：:\d]{0,8}?(\d+)\s*件"
CATEGORIES: tuple[Category, ...] = (
    Category(re.compile(r"(?<!不)予以公开\s*(?:和|及|与|、)\s*部分公开" + _COUNT_AFTER), (_PUBLIC, _PARTIAL)),
    # "予以公开 N 件" alone may count 部分公开 in: either 口径 is accepted, and a mismatch is a warning
    Category(re.compile(r"(?<!不)予以公开(?!\s*(?:和|及|与|、)\s*部分)" + _COUNT_AFTER), (_PUBLIC,), exact=False),
    Category(re.compile(r"(?<![予以及和与、])部分公开" + _COUNT_AFTER), (_PARTIAL,)),
    *(Category(re.compile(group[3:] + _COUNT_AFTER), (group,)) for group in _GROUPS),
)


def _category_total(report: Report, names: tuple[str, ...]) -> int | None:
    """The 总计 of the 表三 rows a category counts (a group's sub-rows, or a collapsed （六）), None if blank."""
    labels = result_rows(report.table3, report.template)
    rows = [label for label in labels for name in names if label == name or _group_of(report, label) == name]
    totals = [report.t3_total(label) for label in rows]
    return sum(totals) if rows and None not in totals else None  # type: ignore[arg-type]


def _group_of(report: Report, label: str) -> str:
    return next((row.group for row in T3_ROWS[report.template] if row.text == label), "")


@rule("N-RESULT-MISMATCH", "error")
def result_mismatch(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: 办理结果 figures the narrative states ("予以公开及部分公开 N 件", "不予公开 N 件", "无法提供 N 件",
    "不予处理 N 件", "其他处理 N 件") equal their 表三 rows' 总计 (the sum of the sub-rows where the
    category has them).
    Why: these categories are the table's own rows, so a different figure is a wrong figure (error);
    only "予以公开 N 件" alone is a warning, since reports count 部分公开 in it or not (either is accepted).
    Example: "不予公开 5 件" while 表三（三）不予公开's eight sub-rows add up to 3.
    """
    for heading, sentence in _sentences(report):
        for category in CATEGORIES:
            for m in category.pattern.finditer(sentence):
                table = _category_total(report, category.rows)
                stated = int(m.group(1))
                accepted = {table} if category.exact else {table, _category_total(report, (_PUBLIC, _PARTIAL))}
                if table is None or stated in accepted:
                    continue
                rows = "＋".join(f"「{row}」" for row in category.rows)
                yield Issue(
                    f"正文称{m.group(0)}，而表三{rows}的总计为 {num(table)}：「{shorten(sentence)}」",
                    Location(section=heading),
                    None if category.exact else "warning",
                )


_SHARE = re.compile(r"占[^，,。；;\d%％]{0,12}?(\d+(?:\.\d+)?)\s*[%％]")


def _share_wholes(report: Report, sentence: str, before: list[Quantity], count: Quantity) -> set[float]:
    """The wholes a share may be of: larger figures of the count's unit stated before it, and for
    applications the table's totals (新收, 新收＋上年结转, （七）总计)."""
    wholes = {q.value for q in before if _family(q.unit) == _family(count.unit) and q.value > count.value}
    about_applications = "申请" in sentence or any(c.pattern.search(sentence) for c in CATEGORIES)
    if count.unit in COUNT_UNITS and about_applications:
        new, carried, done = (report.t3_total(r) for r in (T3_NEW, T3_CARRIED, T3_TOTAL))
        wholes |= {v for v in (new, done, new + carried if new is not None and carried is not None else None) if v}
    return wholes


@rule("N-SHARE", "warning")
def share_mismatch(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: a share stated next to a count ("予以公开 12 件，占 35.3%") equals the count over its whole,
    to the printed precision (rounded or cut: 33.9% accepts 33.85…33.99). The whole is a larger figure of
    the same unit stated before it, or for applications a 表三 total (新收, 新收＋上年结转, （七）总计).
    Why: a share that fits no whole is a miscalculation or a stale figure; a warning, because the whole
    a share refers to is not always stated (another 口径 may be meant).
    Example: "共受理申请 34 件……予以公开 12 件，占 40%" (12/34 = 35.3%).
    """
    previous: list[Quantity] = []
    for heading, sentence in _sentences(report):
        qs = quantities(sentence)
        for m in _SHARE.finditer(sentence):
            before = [q for q in qs if q.end <= m.start() and q.unit != "%"]
            counts = [q for q in before if q.unit]
            if not counts:
                continue
            count, share = counts[-1], float(m.group(1))
            wholes = _share_wholes(report, sentence, previous + before[:-1], count)
            step = 10.0 ** -len(m.group(1).partition(".")[2])
            if wholes and not any(abs(100 * count.value / w - share) < step for w in wholes):
                shown = "、".join(f"{num(count.value)}/{num(w)}={100 * count.value / w:.1f}%" for w in sorted(wholes))
                stated = f"正文称{count.text.replace(' ', '')}占 {m.group(1)}%"
                yield Issue(
                    f"{stated}，与任一总数都不符（{shown}）：「{shorten(sentence)}」", Location(section=heading)
                )
        previous = qs


_ALL_UPHELD = re.compile(r"(?:均|全部|都)(?:获|被|予以)?维持")
_ALL_CLOSED = re.compile(r"(?:均|全部|都)(?:已)?(?:审结|结案|办结)")
_CASE_KINDS = (("行政复议", re.compile(r"复议(?!后起诉)"), (0,)), ("行政诉讼", re.compile(r"诉讼|起诉"), (1, 2)))


@rule("N-OUTCOME", "error")
def outcome_contradicts(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: "均获维持" / "均已审结" said of 行政复议 or 行政诉讼 against 表四: upheld cannot be said of a
    group with 结果纠正 cases, closed cannot be said of one with 尚未审结 cases.
    Why: those are plain contradictions of the table (error); "均获维持" with cases still pending or with
    其他结果 is a warning, since the sentence may speak only of the cases decided.
    Example: "行政复议 3 件，均获维持" while 表四 行政复议·结果纠正 = 1.
    """
    groups = report.t4_groups()
    if not groups:
        return
    for heading, sentence in _sentences(report):
        upheld, closed = _ALL_UPHELD.search(sentence), _ALL_CLOSED.search(sentence)
        if not (upheld or closed):
            continue
        for kind, pattern, indexes in _CASE_KINDS:
            if not pattern.search(sentence):
                continue
            corrected, other, pending = (sum(groups[g][k] or 0 for g in indexes) for k in (1, 2, 3))
            where, quoted = Location(section=heading), f"：「{shorten(sentence)}」"
            if upheld and corrected:
                yield Issue(f"正文称{kind}均获维持，但表四{kind}结果纠正为 {corrected} 件{quoted}", where)
            elif upheld and (other or pending):
                yield Issue(
                    f"正文称{kind}均获维持，但表四{kind}其他结果 {other} 件、尚未审结 {pending} 件，请确认口径{quoted}",
                    where,
                    "warning",
                )
            if closed and pending:
                yield Issue(f"正文称{kind}均已审结，但表四{kind}尚未审结为 {pending} 件{quoted}", where)
