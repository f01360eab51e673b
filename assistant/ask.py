"""Questions about past reports: figures from the parsed tables, trends, rankings and shares computed from
them, and passages for the rest; every answer leads with the answer, then its evidence.

The question is understood first (questions.py: bodies, years, figures, what is asked). A table figure is
read exactly from the structured store — several figures or bodies in one question each get theirs; a trend or
a difference between years comes as a small table led by the change; a ranking names the body; a share shows
its formula; a cell the parser could not read is quoted with the parser's reason, one the checker flags says
so. Any other question is answered from retrieved passages by the sentence that holds the answer (the figure
first when it asks for one, per year when it asks across years), extractively offline or by an LLM chain whose
numbers are checked against its sources; when no passage covers the question's words well enough it says
没有找到 and shows the nearest passages as 可能相关. Every answer cites body, year and section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from .cells import format_number
from .embeddings import tokens
from .labels import SECTIONS, T3_ROWS, TABLE2
from .questions import (
    APPLICANTS,
    DOCUMENT_COLUMNS,
    HANDLED,
    NEW_REQUESTS,
    OUTCOMES,
    Context,
    Item,
    Metric,
    Scope,
    scope,
)
from .report import Report
from .resources import read_prompt
from .settings import Settings
from .tables import Location, t2_cell
from .textnums import numbers_in, sentences

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .corpus import Chunk, Corpus

__all__ = ["Answer", "Citation", "Context", "ask", "read_figure", "scope"]

TABLE_SECTION = {"table2": SECTIONS[1].text, "table3": SECTIONS[2].text, "table4": SECTIONS[3].text}
TABLE_NAME = {"table2": "表二", "table3": "表三", "table4": "表四"}
# a passage answers when its best sentence holds this share of the question's words, weighted by rarity;
# set on the benchmark's passage and no-answer questions (bench_retrieval.py prints both rates)
COVERAGE = 0.5
# words of a question that say what kind of answer it wants, not what it is about
_ASKING = frozenset(
    [
        "年",
        "年度",
        "报告",
        "工作",
        "情况",
        "政府",
        "信息",
        "公开",
        "政府信息公开",
        "多少",
        "几",
        "哪些",
        "哪个",
        "怎么",
        "怎样",
        "如何",
        "什么",
        "有",
        "了",
        "是",
        "写",
        "的",
        "主要",
        "方面",
        "开展",
        "进行",
        "多少次",
        "几次",
        "数量",
        "历年",
        "各年",
        "每年",
        "近",
        "一共",
        "共",
        "总共",
        "呢",
        "吗",
    ]
)
_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(万?(?:人次|个|项|条|篇|件|次|期|场|家|人|余|万元|元|%|份|批|场次|类|期次))")
_LIST_CUES = re.compile(r"哪些|怎么写|如何|措施|做法|举措|内容|介绍|情况")


# ── answers ──────────────────────────────────────────────────────────────────────────────────


@dataclass
class Citation:
    org: str
    year: int | None
    section: str
    source: str
    quote: str
    page: int | None = None  # for a passage of a PDF source: the page the cited chunk starts on

    def where(self) -> str:
        """ "平潭综合实验区2022年报告「五、…」第3页", as the CLI prints a source."""
        return f"{self.org}{self.year}年报告「{self.section}」" + (f"第{self.page}页" if self.page else "")


@dataclass
class Answer:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    # a computed comparison: header row, then one row per year (and org)
    table: list[list] | None = None
    # what the user should know about how the answer was made (e.g. the LLM's answer was replaced)
    notices: list[str] = field(default_factory=list)
    # how the question was understood: pass it back as Context(previous=…) for a follow-up question
    scope: Scope | None = None

    def to_json(self) -> dict:
        data: dict = {
            "answer": self.answer,
            "citations": [vars(c) for c in self.citations],
        }
        if self.table is not None:
            data["table"] = self.table
        if self.notices:
            data["notices"] = self.notices
        return data


# ── figures ──────────────────────────────────────────────────────────────────────────────────


@dataclass
class Figure:
    """A figure read from one report: its value (None when blank or absent) and the cells it came from."""

    name: str
    value: float | None
    cells: list[tuple[str, str, float | None]]
    missing: str = ""
    # the parser's doubts about these cells (digits run together, unreadable), quoted to the user
    doubts: list[str] = field(default_factory=list)


def _pick(question: str, choices: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, tuple[str, ...]]:
    """The first choice whose words the question uses: (its first word, its columns), or ("", ())."""
    return next(((words.split("|")[0], cols) for words, cols in choices if re.search(words, question)), ("", ()))


def _cells(metric: Metric, report: Report, question: str) -> tuple[str, list[tuple[str, str, float | None]]]:
    """The column detail the question picked ("自然人", "结果纠正", a 表二 column) and the metric's cells."""
    if metric.table == "table3":
        detail, columns = _pick(question, APPLICANTS)
        return detail, [
            (row.text, col, report.cell(Location(table="table3", row=row.text, column=col)))
            for row in T3_ROWS[report.template]
            if {row.key, row.text, row.group} & set(metric.rows)
            for col in columns or ("总计",)
        ]
    if metric.table == "table4":
        outcome = _pick(question, tuple((w, (o,)) for w, o in OUTCOMES))[1]
        columns = [c.replace("总计", outcome[0]) if outcome else c for c in metric.columns]
        return (outcome[0] if outcome else ""), [
            (*c.split("·"), report.cell(Location(table="table4", column=c))) for c in columns
        ]
    wanted = metric.columns or _pick(question, DOCUMENT_COLUMNS)[1] or DOCUMENT_COLUMNS[-1][1]
    cells = [
        (row.text, column, report.cell(t2_cell(row.text, column)))
        for item in TABLE2[report.template]
        for row in item.rows
        if metric.rows[0] in (row.key, row.text) and (column := next((c for c in wanted if c in item.columns), None))
    ]
    return ("" if metric.columns or not cells else cells[-1][1]), cells


def read_figure(metric: Metric, report: Report, question: str) -> Figure:
    """The metric's cells in this report's template, summed; the question's words pick the column."""
    detail, cells = _cells(metric, report, question)
    name = f"{metric.name}（{detail}）" if detail else metric.name
    if not cells:
        return Figure(name, None, [], f"{report.template} 年版格式的报告没有“{metric.name}”这一项")
    values = [v for _, _, v in cells]
    doubts = _doubts(report, metric.table, {row for row, _, _ in cells})
    if any(v is None for v in values):
        why = f"原表该项数字未能读出：{'；'.join(doubts)}" if doubts else "报告中该项为空（未填写）"
        return Figure(name, None, cells, why, doubts)
    return Figure(name, sum(values), cells, doubts=doubts)


def _doubts(report: Report, table: str, rows: set[str]) -> list[str]:
    """The parser's findings on these rows of the table (on any of 表四, whose cells it reads as one run)."""
    return [
        f.message
        for f in report.parse_findings
        if f.where.table == table and (f.where.row in rows or table == "table4")
    ]


def _quote(metric: Metric, figure: Figure) -> str:
    cells = "；".join(f"「{row}」{col}：{format_number(v, blank='空')}" for row, col, v in figure.cells)
    return f"{TABLE_NAME[metric.table]}{cells}" + "".join(f"（解析提示：{d}）" for d in figure.doubts)


def _cite(report: Report, section: str, quote: str) -> Citation:
    return Citation(report.org, report.year, section, report.source, quote)


def _flags(report: Report, metric: Metric, figure: Figure) -> list[str]:
    """What the checker says about the cells a figure was read from (a total that does not add up, …)."""
    from .checks import check

    places = [
        Location(table="table4", column=f"{row}·{col}")
        if metric.table == "table4"
        else t2_cell(row, col)
        if metric.table == "table2"
        else Location(table="table3", row=row, column=col)
        for row, col, _ in figure.cells
    ]
    return list(
        dict.fromkeys(
            f.message
            for f in check(report)
            if f.rule != "P-AMBIGUOUS" and f.where.table == metric.table and any(f.where.covers(p) for p in places)
        )
    )


@dataclass
class _Row:
    org: str
    year: int
    figure: Figure
    report: Report


def _read_rows(item: Item, orgs: list[str], years_of: dict[str, list[int]], corpus: Corpus) -> tuple[list, list]:
    """The item's figure in each asked report, and the reports the corpus lacks."""
    rows: list[_Row] = []
    missing: list[str] = []
    for org in orgs:
        for year in years_of[org]:
            report = corpus.get_report(org, year)
            if report is None:
                missing.append(f"{org}{year}年")
            else:
                rows.append(_Row(org, year, read_figure(item.metric, report, item.words), report))
    return rows, missing


def _years_of(sc: Scope, orgs: list[str], corpus: Corpus) -> dict[str, list[int]]:
    out = {}
    for org in orgs:
        indexed = corpus.years(org)
        years = sc.years or (indexed if sc.trend else indexed[-1:])
        if sc.trend and len(years) == 1 and years[0] - 1 in indexed:
            years = [years[0] - 1, years[0]]  # "比去年" / "同比": this year against the one before
        out[org] = years
    return out


def _sentence(row: _Row, unit: str) -> str:
    """ "平潭综合实验区2024年行政复议案件为 5 件。" with its breakdown, doubts and the checker's flags."""
    fig = row.figure
    if fig.value is None:
        return f"{row.org}{row.year}年：{fig.missing}。"
    text = f"{row.org}{row.year}年{fig.name}为 {format_number(fig.value)} {unit}。" + _breakdown(fig, unit)
    return text + "".join(f"（注意：{d}）" for d in fig.doubts)


def _answer_item(item: Item, sc: Scope, corpus: Corpus) -> Answer:
    orgs = sc.orgs or corpus.orgs()
    rows, missing = _read_rows(item, orgs, _years_of(sc, orgs, corpus), corpus)
    if not rows:
        return _nothing(missing)
    metric = item.metric
    citations = [_cite(r.report, TABLE_SECTION[metric.table], _quote(metric, r.figure)) for r in rows if r.figure.cells]
    notes = [f"语料库中没有{m}的报告。" for m in missing]
    flags = [f"（校验提示：{flag}）" for r in rows if r.figure.cells for flag in _flags(r.report, metric, r.figure)]
    if len(rows) == 1:
        row = rows[0]
        if sc.trend:
            notes.append(_no_change(row.org, row.year, corpus.years(row.org)))
        return Answer(_sentence(row, metric.unit) + "".join(flags + notes), citations)
    answer = _trend(metric, rows, citations, notes, multi_org=len({r.org for r in rows}) > 1)
    answer.answer += "".join(flags)
    return answer


def _ranking(sc: Scope, corpus: Corpus) -> Answer:
    """Bodies ordered by one figure in one year: the first named, then the list."""
    item = sc.items[0]
    orgs = sc.orgs if len(sc.orgs) > 1 else corpus.orgs()
    year = sc.years[-1] if sc.years else corpus.years()[-1]
    rows, missing = _read_rows(item, orgs, dict.fromkeys(orgs, [year]), corpus)
    known = sorted((r for r in rows if r.figure.value is not None), key=lambda r: r.figure.value, reverse=not sc.least)
    if not known:
        return _nothing(missing or [f"{year}年"])
    unit, name = item.metric.unit, known[0].figure.name
    shown = known[: sc.top] if sc.top else known
    first = [r for r in known if r.figure.value == known[0].figure.value]
    who = "、".join(r.org for r in first) + ("（并列）" if len(first) > 1 else "")
    text = [f"{year}年{name}{'最少' if sc.least else '最多'}的是{who}：{format_number(known[0].figure.value)} {unit}。"]
    text.append(
        "排名："
        + "；".join(f"{i}. {r.org} {format_number(r.figure.value)} {unit}" for i, r in enumerate(shown, 1))
        + "。"
    )
    unread = [r.org for r in rows if r.figure.value is None]
    if unread:
        text.append(f"{'、'.join(unread)}的该项数字未能读出，未参加排名。")
    text += [f"语料库中没有{m}的报告，未参加排名。" for m in missing]
    table = [["名次", "机关", "年度", f"{name}（{unit}）"]] + [
        [i, r.org, year, r.figure.value] for i, r in enumerate(shown, 1)
    ]
    cites = [_cite(r.report, TABLE_SECTION[item.metric.table], _quote(item.metric, r.figure)) for r in shown]
    return Answer("\n".join(text), cites, table)


def _share(sc: Scope, corpus: Corpus) -> Answer:
    """The share of the named figures in their base, per report asked, with the formula."""
    if sc.base is None or not sc.items:
        return Answer("问题中的数字没有可作分母的总数（比例只对表三、表四的数字计算），无法计算比例。")
    orgs = sc.orgs or corpus.orgs()
    texts: list[str] = []
    citations: list[Citation] = []
    missing: list[str] = []
    for org, years in _years_of(Scope(sc.orgs, sc.years), orgs, corpus).items():
        for year in years:
            report = corpus.get_report(org, year)
            if report is None:
                missing.append(f"{org}{year}年")
                continue
            parts = [(i.metric, read_figure(i.metric, report, i.words)) for i in sc.items]
            base = read_figure(sc.base.metric, report, sc.base.words)
            citations += [
                _cite(report, TABLE_SECTION[m.table], _quote(m, f)) for m, f in [*parts, (sc.base.metric, base)]
            ]
            texts.append(_share_sentence(org, year, parts, base))
    if not texts:
        return _nothing(missing)
    return Answer("\n".join(texts + [f"语料库中没有{m}的报告。" for m in missing]), citations)


def _share_sentence(org: str, year: int, parts: list[tuple[Metric, Figure]], base: Figure) -> str:
    unread = [f.name for _, f in [*parts, (None, base)] if f.value is None]
    if unread:
        return f"{org}{year}年：{'、'.join(unread)}未能读出或为空，无法计算比例。"
    names = "与".join(f.name for _, f in parts)
    total = sum(f.value for _, f in parts)
    if not base.value:
        return f"{org}{year}年{base.name}为 0，无法计算比例。"
    ratio = total / base.value
    terms = " ＋ ".join(f"{f.name} {format_number(f.value)}" for _, f in parts)
    terms = f"（{terms}）" if len(parts) > 1 else terms
    return (
        f"{org}{year}年{names}占{base.name}的比例为 {ratio:.1%}。"
        f"计算：{terms} ÷ {base.name} {format_number(base.value)} ＝ {ratio:.1%}。"
    )


def _answer_figures(sc: Scope, corpus: Corpus) -> Answer:
    if sc.kind == "ranking":
        answer = _ranking(sc, corpus)
    elif sc.kind == "share":
        answer = _share(sc, corpus)
    else:
        parts = [_answer_item(item, sc, corpus) for item in sc.items]
        tables = [p.table for p in parts if p.table]
        answer = Answer(
            "\n".join(p.answer for p in parts),
            [c for p in parts for c in p.citations],
            tables[0] if len(tables) == 1 else None,
        )
    if sc.relative:
        answer.answer += sc.relative
    return answer


def _no_change(org: str, year: int, indexed: list[int]) -> str:
    """Why a trend question got one year's figure: a change needs a second year, which the corpus lacks."""
    if indexed == [year]:
        return (
            f"注意：语料库中只有{org}{year}年一年的报告，没有其他年度可比，无法计算变化趋势；以上仅为{year}年的数字。"
        )
    return f"注意：语料库中没有{org}{year - 1}年的报告，无法计算与上年相比的变化；以上仅为{year}年的数字。"


def _breakdown(figure: Figure, unit: str) -> str:
    """For a sum (不予公开's reasons, both kinds of 行政诉讼, 法人's columns): which cells carry the total."""
    by_row = len({row for row, _, _ in figure.cells}) > 1
    parts = [f"{row if by_row else col} {format_number(v)} {unit}" for row, col, v in figure.cells if v]
    return f"其中：{'；'.join(parts)}。" if len(figure.cells) > 1 and parts else ""


def _change(before: float, after: float, unit: str) -> str:
    """ "增加 137 件" / "减少 64 件" / "持平"."""
    if after == before:
        return "持平"
    return f"{'增加' if after > before else '减少'} {format_number(abs(after - before))} {unit}"


def _ratio(before: float, after: float) -> str:
    return f"（{(after - before) / before:+.1%}）" if before and after != before else ""


def _trend(metric: Metric, rows: list[_Row], citations: list[Citation], notes: list[str], multi_org: bool) -> Answer:
    """A year (and org) → value table, led by the answer: each body's figure, or the change between two years,
    then the extremes and the change from first to last year."""
    name, unit = rows[0].figure.name, metric.unit
    header = (["机关"] if multi_org else []) + ["年度", f"{name}（{unit}）"]
    table: list[list] = [header]
    lead = [_sentence(r, unit) for r in rows] if multi_org else []
    text = [f"{name if multi_org else rows[0].org + name}（{unit}）：", "| " + " | ".join(header[:-1]) + " | 数值 |"]
    for r in rows:
        fig = r.figure
        table.append(([r.org] if multi_org else []) + [r.year, fig.value])
        why = "原表数字连在一起或无法识别，未能读出，见出处" if fig.doubts else fig.missing
        shown = format_number(fig.value) if fig.value is not None else f"—（{why}）"
        text.append(f"| {r.org + ' | ' if multi_org else ''}{r.year} | {shown} |")
    known = [(r.year, r.figure.value) for r in rows if r.figure.value is not None]
    if not multi_org and len(known) == 2:
        (y1, v1), (y2, v2) = known
        lead.append(
            f"{rows[0].org}{y2}年{name}为 {format_number(v2)} {unit}，比{y1}年（{format_number(v1)} {unit}）"
            f"{_change(v1, v2, unit)}{_ratio(v1, v2)}。"
        )
    if not multi_org and len(known) > 1:
        most, least = max(known, key=lambda r: r[1]), min(known, key=lambda r: r[1])
        text.append(
            f"最多的是 {most[0]} 年（{format_number(most[1])} {unit}），"
            f"最少的是 {least[0]} 年（{format_number(least[1])} {unit}）。"
        )
        (first_year, first), (last_year, last) = known[0], known[-1]
        text.append(f"{first_year} 年到 {last_year} 年{_change(first, last, unit)}{_ratio(first, last)}。")
        steps = [f"{b[0]} 年比上年{_change(a[1], b[1], unit)}" for a, b in pairwise(known) if b[0] == a[0] + 1]
        if len(steps) > 1:
            text.append("逐年：" + "，".join(steps) + "。")
    elif not multi_org:
        text.append("读出数字的年度不足两个，无法计算变化。")
    return Answer("\n".join(lead + text + notes), citations, table)


def _nothing(missing: list[str]) -> Answer:
    what = "、".join(missing)
    return Answer(f"语料库中没有{what}的报告，无法回答。" if what else "没有找到：语料库中没有相关内容，无法回答。")


# ── passages ─────────────────────────────────────────────────────────────────────────────────


@dataclass
class _Found:
    """The sentence of a chunk that best covers the question's words, and how well (0–1)."""

    chunk: Chunk
    position: int
    sentence: str
    coverage: float


def _weights(topic: str, corpus: Corpus) -> dict[str, float]:
    """The question's content words with their rarity in the corpus (a word the corpus lacks weighs most)."""
    words = [
        w
        for w in dict.fromkeys(tokens(topic))
        if w not in _ASKING and not w.isdigit() and len(w) > 1 and not w.startswith(("几", "多少"))
    ]
    return corpus.rarity(words)


def _covered(sentence: str, weights: dict[str, float]) -> float:
    total = sum(weights.values())
    return sum(w for word, w in weights.items() if word in sentence) / total if total else 0.0


def _best(chunks: list[Chunk], weights: dict[str, float], figure: bool = False) -> list[_Found]:
    """Every sentence of the chunks, best covered first (the better-ranked chunk first among equals); when the
    question asks for a figure, the well-covered sentences stating one go first."""
    found = [
        _Found(chunk, i, sentence, _covered(chunk.org + str(chunk.year) + sentence, weights))
        for chunk in chunks
        for i, sentence in enumerate(sentences(chunk.text))
    ]
    stated = [f for f in found if figure and f.coverage >= COVERAGE and _FIGURE.search(f.sentence)]
    return sorted(stated, key=lambda f: -f.coverage) + sorted(
        (f for f in found if f not in stated), key=lambda f: -f.coverage
    )


def _figure_in(sentence: str, weights: dict[str, float]) -> str:
    """The number (with its unit) nearest the rarest question word in the sentence: "6期"."""
    figures = list(_FIGURE.finditer(sentence))
    if not figures:
        return ""
    present = [w for w in sorted(weights, key=lambda w: -weights[w]) if w in sentence]
    at = sentence.find(present[0]) if present else 0
    best = min(figures, key=lambda m: abs(m.start() - at))
    return best.group(1) + best.group(2)


def _where(chunk: Chunk) -> str:
    return f"{chunk.org}{chunk.year}年报告「{chunk.section}」" + (f"「{chunk.part}」" if chunk.part else "")


def extract(question: str, found: list[_Found]) -> str:
    """The sentence that holds the answer, with the next best sentences of the same chunk when the question
    asks for a list or a description."""
    top = found[0]
    chosen = [top]
    if _LIST_CUES.search(question):
        same = [f for f in found[1:] if f.chunk is top.chunk and f.coverage > 0][:2]
        chosen = sorted([top, *same], key=lambda f: f.position)
    return f"据{_where(top.chunk)}：{''.join(f.sentence for f in chosen)}"


def _cite_chunk(found: _Found) -> Citation:
    c = found.chunk
    return Citation(c.org, c.year, c.section, c.source, found.sentence[:120], c.page)


def _context(chunks: list[Chunk]) -> str:
    return "\n\n".join(f"[{i}] {c.org}{c.year}年报告「{c.section}」{c.part}\n{c.text}" for i, c in enumerate(chunks, 1))


def _facts(chunks: list[Chunk], corpus: Corpus) -> str:
    """Key table figures of the reports cited, so the LLM has exact numbers rather than guesses."""
    lines = []
    for org, year in dict.fromkeys((c.org, c.year) for c in chunks):
        report = corpus.get_report(org, year) if year else None
        if report is None:
            continue
        for metric in (NEW_REQUESTS, HANDLED):
            figure = read_figure(metric, report, "")
            if figure.value is not None:
                lines.append(f"{org}{year}年{metric.name}：{format_number(figure.value)} {metric.unit}")
    return "\n".join(lines)


def _llm_answer(question: str, chunks: list[Chunk], facts: str, llm: BaseChatModel) -> str:
    """retriever | prompt | model | parser, the retriever serving the chunks already found for citations."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableLambda, RunnablePassthrough

    prompt = ChatPromptTemplate.from_template(read_prompt("ask"))
    retriever = RunnableLambda(lambda _: _context(chunks))
    chain = (
        {"context": retriever, "facts": RunnableLambda(lambda _: facts), "question": RunnablePassthrough()}
        | prompt
        | llm
        | StrOutputParser()
    )
    return chain.invoke(question).strip()


def _not_found(topic: str, found: list[_Found]) -> Answer:
    """没有找到, with the nearest passages shown as 可能相关 (one per chunk)."""
    near: list[_Found] = []
    for f in found:
        if f.chunk not in [n.chunk for n in near]:
            near.append(f)
    lines = [f"- {_where(f.chunk)}：{f.sentence[:80]}" for f in near[:3]]
    text = f"没有找到：语料库的报告中没有找到能回答“{topic}”的内容。"
    return Answer(text + ("\n可能相关：\n" + "\n".join(lines) if lines else ""), [_cite_chunk(f) for f in near[:3]])


def _per_year(question: str, sc: Scope, org: str | None, corpus: Corpus) -> Answer | None:
    """A figure stated in passages, asked across years (历年解读文章数): the sentence of each year's report."""
    years = sc.years or corpus.years(org)
    if len(years) < 2 or not re.search(r"多少|几|数|量", question):
        return None
    weights = _weights(sc.topic, corpus)
    lines, table, citations = [], [["年度", "数字", "原文"]], []
    for year in years:
        found = _best(corpus.search(sc.topic, k=3, org=org, year=year), weights)
        # a stated figure beside the question's main word is evidence enough, so half the usual coverage
        hit = next((f for f in found if f.coverage >= COVERAGE / 2 and _FIGURE.search(f.sentence)), None)
        if hit is None:
            lines.append(f"{year}年：报告中没有找到。")
            table.append([year, None, ""])
            continue
        figure = _figure_in(hit.sentence, weights)
        lines.append(f"{year}年：{figure}（{_where(hit.chunk)}：{hit.sentence}）")
        table.append([year, figure, hit.sentence])
        citations.append(_cite_chunk(hit))
    if not citations:
        return None
    return Answer(f"各年报告中的说法（{org or '各机关'}）：\n" + "\n".join(lines), citations, table)


def _answer_passages(question: str, sc: Scope, corpus: Corpus, llm: BaseChatModel | None, settings: Settings) -> Answer:
    org = sc.orgs[0] if len(sc.orgs) == 1 else None
    if sc.years and org:
        indexed = set(corpus.years(org))
        missing = [y for y in sc.years if y not in indexed]
        if len(missing) == len(sc.years):
            return _nothing([f"{org}{y}年" for y in missing])
    if sc.trend and (per_year := _per_year(question, sc, org, corpus)):
        return per_year
    chunks = corpus.search(sc.topic, k=4, org=org, year=sc.years or None)
    if not chunks:
        return _nothing([])
    weights = _weights(sc.topic, corpus)
    counting = bool(re.search(r"多少|几", question))
    found = _best(chunks, weights, counting)
    if not found or found[0].coverage < COVERAGE:
        return _not_found(sc.topic, found)
    citations = [_cite_chunk(f) for f in _distinct(found)[:3]]
    figure = _figure_in(found[0].sentence, weights) if counting else ""
    extractive = (f"{figure}。" if figure else "") + extract(question, found)
    if llm is None:
        return Answer(extractive, citations)
    from .llm import FAILURES, describe_error  # openai and langchain load only when an LLM answers

    facts = _facts(chunks, corpus)
    try:
        text = _llm_answer(question, chunks, facts, llm)
    except FAILURES as exc:  # timeouts, 401, 429, refused connections: the extractive answer stands
        return Answer(extractive, citations, notices=[f"{describe_error(exc, settings)}，已改用原文摘录。"])
    invented = numbers_in(text) - numbers_in(_context(chunks) + facts + question)
    if invented or not text:
        why = f"含有资料中没有的数字（{'、'.join(sorted(invented))}）" if invented else "为空"
        return Answer(extractive, citations, notices=[f"大模型的回答{why}，已改用原文摘录。"])
    return Answer(text, citations)


def _distinct(found: list[_Found]) -> list[_Found]:
    """The best sentence of each chunk, in order."""
    seen: list[Chunk] = []
    out = []
    for f in found:
        if all(f.chunk is not c for c in seen):
            seen.append(f.chunk)
            out.append(f)
    return out


def ask(
    question: str,
    corpus: Corpus,
    settings: Settings,
    *,
    llm: BaseChatModel | None = None,
    context: Context | None = None,
) -> Answer:
    """Answer a question about the indexed reports. `context` carries the year 今年 means (a draft's year) and
    the previous answer's `scope` for a follow-up; `llm` overrides the one the settings configure."""
    question = question.strip()
    if not question:
        return Answer("请输入要查询的问题。")
    if not re.search(r"[\u4e00-\u9fff]", question):
        return Answer("请用中文提问，例如：“平潭综合实验区2023年新收了多少政府信息公开申请？”")
    if not corpus.orgs():
        return Answer("语料库为空，请先用 index 命令导入往年的年度报告。")
    sc = scope(question, corpus, context)
    if sc.unknown_org:
        return Answer(f"语料库中没有{sc.unknown_org}的报告，无法回答。", scope=sc)
    if sc.kind != "passage":
        answer = _answer_figures(sc, corpus)
    else:
        if llm is None and settings.llm_enabled:
            from .llm import chat_model

            llm = chat_model(settings, temperature=0)
        answer = _answer_passages(question, sc, corpus, llm, settings)
        if sc.relative:
            answer.answer += sc.relative
    answer.scope = sc
    return answer
