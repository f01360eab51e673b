"""Questions about past reports: figures from the parsed tables, trends across years, passages for the rest.

A question is first scoped (which org, which years: "2023年", 今年/去年/前年/近三年 relative to the newest
year indexed, "平潭" matched loosely against the indexed orgs; a body the corpus lacks is said to be missing,
never swapped for another). A question naming a table figure is answered exactly from the structured store,
over several years as a small table when it asks for a trend, and a cell the parser could not read is quoted
with the parser's reason; any other question is answered from retrieved passages, extractively offline or by
an LLM chain whose numbers are checked against its sources. Every answer cites org, year and section, and
says so when the corpus has none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

import jieba
from jieba import posseg

from .cells import format_number
from .labels import SECTIONS, T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_GROUP_TOTALS, TABLE2
from .report import Report
from .resources import read_prompt
from .settings import Settings
from .tables import Location, t2_cell
from .textnums import numbers_in, sentences

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .corpus import Chunk, Corpus

ANSWER_CHARS = 400
TABLE_SECTION = {"table2": SECTIONS[1].text, "table3": SECTIONS[2].text, "table4": SECTIONS[3].text}
TABLE_NAME = {"table2": "表二", "table3": "表三", "table4": "表四"}

jieba.setLogLevel(logging.WARNING)


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


# ── the figures a question can name (data) ───────────────────────────────────────────────────


@dataclass(frozen=True)
class Metric:
    """A table figure: the words that name it, and the cells (summed) that hold it."""

    name: str
    pattern: str
    table: Literal["table2", "table3", "table4"]
    # table2/table3: row labels, label keys or 表三 group headings, summed
    rows: tuple[str, ...] = ()
    # table2: acceptable column names, first present in the template wins; table4: columns summed
    columns: tuple[str, ...] = ()
    unit: str = "件"


def _t3_reason_metrics() -> tuple[Metric, ...]:
    """Every 表三 reason row (国家秘密, 重复申请, …) named by its label key, from labels.py."""
    rows = {r.key: r for template in ("2021", "2019") for r in T3_ROWS[template] if r.group and r.key != "其他"}
    return tuple(Metric(row.text.split(".", 1)[-1], re.escape(key), "table3", (row.text,)) for key, row in rows.items())


_G = {g.split("）")[1][:4]: g for g in (r.group for r in T3_ROWS["2021"]) if g}  # 不予公开 -> （三）不予公开
_T4 = dict(zip(("复议", "直诉", "复议后"), (T4_COLUMNS[i] for i in T4_GROUP_TOTALS), strict=True))

# the two figures an LLM gets as facts beside the passages it is shown
NEW_REQUESTS = Metric("本年新收政府信息公开申请数量", "新收|收到|受理|接收|申请", "table3", ("本年新收",))
HANDLED = Metric("本年度办理结果总计", "办理结果|办结|答复|处理了?多少", "table3", ("总计",))

METRICS: tuple[Metric, ...] = (
    *_t3_reason_metrics(),
    Metric("部分公开", "部分公开", "table3", ("部分公开",)),
    Metric("予以公开", "予以公开|全部公开", "table3", ("予以公开",)),
    Metric("不予公开", "不予公开", "table3", (_G["不予公开"],)),
    Metric("无法提供", "无法提供", "table3", (_G["无法提供"],)),
    Metric("不予处理", "不予处理", "table3", (_G["不予处理"],)),
    Metric("其他处理", "其他处理", "table3", (_G["其他处理"],)),
    Metric("上年结转政府信息公开申请数量", "上一?年度?结转", "table3", ("上年结转",)),
    Metric("结转下年度继续办理", "结转|转入下", "table3", ("结转下年度",)),
    HANDLED,
    Metric("规章", "规章", "table2", ("规章",)),
    Metric("行政规范性文件", "规范性文件", "table2", ("规范性文件",)),
    Metric("行政许可处理决定数量", "行政许可", "table2", ("行政许可",), ("本年处理决定数量", "处理决定数量")),
    Metric("行政处罚处理决定数量", "行政处罚", "table2", ("行政处罚",), ("本年处理决定数量", "处理决定数量")),
    Metric("行政强制处理决定数量", "行政强制", "table2", ("行政强制",), ("本年处理决定数量", "处理决定数量")),
    Metric(
        "行政事业性收费金额",
        "行政事业性收费|收费金额|收费",
        "table2",
        ("行政事业性收费",),
        ("本年收费金额（单位：万元）",),
        "万元",
    ),
    Metric("政府集中采购项目数量", "集中采购", "table2", ("政府集中采购",), ("采购项目数量",), "个"),
    Metric("复议后起诉的行政诉讼案件", "复议后起诉", "table4", columns=(_T4["复议后"],)),
    Metric("未经复议直接起诉的行政诉讼案件", "直接起诉|未经复议", "table4", columns=(_T4["直诉"],)),
    Metric("行政诉讼案件", "行政诉讼|诉讼|起诉", "table4", columns=(_T4["直诉"], _T4["复议后"])),
    Metric("行政复议案件", "复议", "table4", columns=(_T4["复议"],)),
    NEW_REQUESTS,  # last: "申请" alone names it only when no other figure is named
)
# words that pick a column: 表三's applicant, 表四's outcome, 表二's 制发/废止/现行有效
APPLICANTS = (
    ("自然人", ("自然人",)),
    ("法人或其他组织|法人", T3_COLUMNS[1:6]),
    ("商业企业|企业", ("商业企业",)),
    ("科研机构", ("科研机构",)),
    ("社会公益组织", ("社会公益组织",)),
    ("法律服务机构", ("法律服务机构",)),
)
OUTCOMES = (("维持", "结果维持"), ("纠正", "结果纠正"), ("其他结果", "其他结果"), ("未审结|未结", "尚未审结"))
DOCUMENT_COLUMNS = (
    ("废止", ("本年废止件数",)),
    ("现行有效|有效|总数", ("现行有效件数", "对外公开总数量")),
    ("新公开", ("本年新公开数量",)),
    ("制发|新制作|出台|印发", ("本年制发件数", "本年新制作数量")),
)

COUNT_CUES = re.compile(r"多少|几[件个项次]|数量|数目|总数|合计|总共|一共|理由|各项|分别|最多|最少|比例")
TREND_CUES = re.compile(
    r"近[一二两三四五六七八九十\d]+年|历年|各年|每年|逐年|哪一?年|变化|趋势|增加|减少|上升|下降|增长|比较|对比|相比|同比"
)
NARRATIVE_CUES = re.compile(r"怎么|怎样|如何|哪些|什么|措施|做法|举措|内容|介绍|描述|写")
_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_RECENT = re.compile(r"(?:近|最近|过去)\s*([一二两三四五六七八九十\d]+)\s*年")
_RELATIVE = {"大前年": 3, "前年": 2, "去年": 1, "今年": 0}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?\s*(?:至|到|-|—|~|～)\s*((?:19|20)\d{2})(?!\d)")
# characters that do not tell one body from another ("实验区", "人民政府", "信息公开")
_GENERIC = set("省市县区镇乡街道人民政府委员会管委办公室局厅部开发实验综合管理信息公开工作年度报告的")
# the last word of a body's name ("平潭综合实验区", "北京市", "国务院办公厅")
_ORG_END = re.compile(r"(?:省|市|县|区|州|旗|盟|镇|乡|街道|管委会|委员会|政府|办公室|办|局|厅)$")
# parts of speech (jieba) that can continue a body's name: nouns, 综合, 先进, abbreviations, set phrases
_NAME_TAGS = ("n", "vn", "j", "a", "b", "l")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


# ── scope: org and years ─────────────────────────────────────────────────────────────────────


@dataclass
class Scope:
    orgs: list[str]
    years: list[int]
    unknown_org: str = ""
    trend: bool = False
    # the question without its org and year words: what to search for once they are filters
    topic: str = ""


def _common_run(a: str, b: str) -> str:
    """The longest run of characters shared by a and b that names something (not only generic words)."""
    best = ""
    for i in range(len(a)):
        for j in range(i + 2, len(a) + 1):
            piece = a[i:j]
            if piece not in b:
                break
            if len(piece) > len(best) and sum(ch not in _GENERIC for ch in piece) >= 2:
                best = piece
    return best


def _strip_shared(text: str, name: str) -> str:
    """The text without the runs (2+ characters) it shares with a name: "尉氏开发区…" → " …"."""
    out, i = [], 0
    while i < len(text):
        j = i + 2
        while j <= len(text) and text[i:j] in name:
            j += 1
        if j - 1 - i >= 2:
            out.append(" ")
            i = j - 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def org_mention(question: str) -> str:
    """The body the question names, as written: its first place or institution word (jieba's ns/nt, or a noun
    ending like 县/局) with the name words after it up to the last name ending ("平潭" + "综合实验区")."""
    words = list(posseg.cut(question))
    for i, first in enumerate(words):
        if not (first.flag in ("ns", "nt") or (first.flag.startswith("n") and _ORG_END.search(first.word))):
            continue
        name = run = first.word
        for word in words[i + 1 :]:
            if not _CJK_WORD.fullmatch(word.word) or not word.flag.startswith(_NAME_TAGS):
                break
            run += word.word
            if _ORG_END.search(word.word):
                name = run
        if sum(ch not in _GENERIC for ch in name) >= 2:
            return name
    return ""


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMERALS.get(word, 0)


def scope(question: str, corpus: Corpus) -> Scope:
    """Which indexed orgs and which years the question is about."""
    # a body the question names must be an indexed one: never answered from another body's reports
    mention = org_mention(question)
    runs = {org: _common_run(mention or question, org) for org in corpus.orgs()}
    top = max((len(r) for r in runs.values()), default=0)
    orgs = [org for org, run in runs.items() if run and len(run) == top]
    unknown = "" if orgs else mention
    indexed = corpus.years(orgs[0] if len(orgs) == 1 else None)
    newest = indexed[-1] if indexed else None
    years: set[int] = set()
    for start, end in _RANGE.findall(question):
        years |= set(range(int(start), int(end) + 1))
    years |= {int(y) for y in _YEAR.findall(question)}
    recent = _RECENT.search(question)
    if newest and recent:
        years |= set(range(newest - _number(recent.group(1)) + 1, newest + 1))
    for word, back in _RELATIVE.items():
        # "2023年比去年": with a year stated, 去年 is the year before it, which a trend adds anyway
        if newest and not years and word in question and not (word == "前年" and "大前年" in question):
            years.add(newest - back)
    topic = _strip_shared(question, orgs[0]) if orgs else question
    for pattern in (_RANGE, _YEAR, _RECENT, re.compile("|".join(_RELATIVE))):
        topic = re.sub(f"(?:{pattern.pattern})\\s*年?度?", " ", topic)
    trend = bool(TREND_CUES.search(question)) or len(years) > 1
    return Scope(orgs, sorted(years), unknown, trend, " ".join(topic.split()) or question)


# ── figures ──────────────────────────────────────────────────────────────────────────────────


def find_metric(question: str) -> Metric | None:
    """The first figure (most specific first) the question names, or None for a narrative question."""
    metric = next((m for m in METRICS if re.search(m.pattern, question)), None)
    if metric is None or (NARRATIVE_CUES.search(question) and not COUNT_CUES.search(question)):
        return None
    return metric


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


def read_figure(metric: Metric, report: Report, question: str) -> Figure:
    """The metric's cells in this report's template, summed; the question's words pick the column."""
    cells: list[tuple[str, str, float | None]] = []
    if metric.table == "table3":
        detail, columns = _pick(question, APPLICANTS)
        for row in T3_ROWS[report.template]:
            if {row.key, row.text, row.group} & set(metric.rows):
                cells += [
                    (row.text, col, report.cell(Location(table="table3", row=row.text, column=col)))
                    for col in columns or ("总计",)
                ]
    elif metric.table == "table4":
        detail, outcome = _pick(question, tuple((w, (o,)) for w, o in OUTCOMES))
        detail = outcome[0] if outcome else ""
        for column in metric.columns:
            column = column.replace("总计", outcome[0]) if outcome else column
            cells.append((*column.split("·"), report.cell(Location(table="table4", column=column))))
    else:
        picked = () if metric.columns else _pick(question, DOCUMENT_COLUMNS)[1]
        wanted = metric.columns or picked or DOCUMENT_COLUMNS[-1][1]
        detail = ""
        for item in TABLE2[report.template]:
            for row in item.rows:
                column = next((c for c in wanted if c in item.columns), None)
                if metric.rows[0] in (row.key, row.text) and column:
                    cells.append((row.text, column, report.cell(t2_cell(row.text, column))))
                    detail = "" if metric.columns else column
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


def _answer_figures(question: str, metric: Metric, sc: Scope, corpus: Corpus) -> Answer:
    orgs = sc.orgs or corpus.orgs()
    rows: list[tuple[str, int, Figure, Report]] = []
    missing: list[str] = []
    for org in orgs:
        indexed = corpus.years(org)
        years = sc.years or (indexed if sc.trend else indexed[-1:])
        if sc.trend and len(years) == 1 and years[0] - 1 in indexed:
            years = [years[0] - 1, years[0]]  # "比去年" / "同比": this year against the one before
        for year in years:
            report = corpus.get_report(org, year)
            if report is None:
                missing.append(f"{org}{year}年")
            else:
                rows.append((org, year, read_figure(metric, report, question), report))
    if not rows:
        return _nothing(missing)
    citations = [
        _cite(report, TABLE_SECTION[metric.table], _quote(metric, fig)) for _, _, fig, report in rows if fig.cells
    ]
    notes = [f"语料库中没有{m}的报告。" for m in missing]
    if len(rows) == 1:
        org, year, fig, _ = rows[0]
        if fig.value is None:
            text = f"{org}{year}年：{fig.missing}。"
        else:
            text = f"{org}{year}年{fig.name}为 {format_number(fig.value)} {metric.unit}。" + _breakdown(
                fig, metric.unit
            )
            text += "".join(f"（注意：{d}）" for d in fig.doubts)
        if sc.trend:
            notes.append(_no_change(org, year, corpus.years(org)))
        return Answer(text + "".join(notes), citations)
    return _trend(metric, rows, citations, notes, multi_org=len({r[0] for r in rows}) > 1)


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


def _trend(metric: Metric, rows: list, citations: list[Citation], notes: list[str], multi_org: bool) -> Answer:
    """A year (and org) → value table, with the extremes and the change from first to last year."""
    name, unit = rows[0][2].name, metric.unit
    header = (["机关"] if multi_org else []) + ["年度", f"{name}（{unit}）"]
    table: list[list] = [header]
    text = [f"{name if multi_org else rows[0][0] + name}（{unit}）：", "| " + " | ".join(header[:-1]) + " | 数值 |"]
    for org, year, fig, _ in rows:
        table.append(([org] if multi_org else []) + [year, fig.value])
        why = "原表数字连在一起或无法识别，未能读出，见出处" if fig.doubts else fig.missing
        shown = format_number(fig.value) if fig.value is not None else f"—（{why}）"
        text.append(f"| {org + ' | ' if multi_org else ''}{year} | {shown} |")
    known = [(year, fig.value) for _, year, fig, _ in rows if fig.value is not None]
    if not multi_org and len(known) > 1:
        most, least = max(known, key=lambda r: r[1]), min(known, key=lambda r: r[1])
        text.append(
            f"最多的是 {most[0]} 年（{format_number(most[1])} {unit}），"
            f"最少的是 {least[0]} 年（{format_number(least[1])} {unit}）。"
        )
        (first_year, first), (last_year, last) = known[0], known[-1]
        ratio = f"（{(last - first) / first:+.1%}）" if first and last != first else ""
        text.append(f"{first_year} 年到 {last_year} 年{_change(first, last, unit)}{ratio}。")
        steps = [f"{b[0]} 年比上年{_change(a[1], b[1], unit)}" for a, b in pairwise(known) if b[0] == a[0] + 1]
        if len(steps) > 1:
            text.append("逐年：" + "，".join(steps) + "。")
    elif not multi_org:
        text.append("读出数字的年度不足两个，无法计算变化。")
    return Answer("\n".join(text + notes), citations, table)


def _nothing(missing: list[str]) -> Answer:
    what = "、".join(missing)
    return Answer(f"语料库中没有{what}的报告，无法回答。" if what else "语料库中没有找到相关内容，无法回答。")


# ── passages ─────────────────────────────────────────────────────────────────────────────────


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _ranked(question: str, chunk: Chunk) -> list[tuple[int, str]]:
    """The chunk's sentences with their positions, those sharing most character pairs with the question first."""
    wanted = _bigrams(question)
    return sorted(enumerate(sentences(chunk.text)), key=lambda p: -len(_bigrams(p[1]) & wanted))


def extract(question: str, chunks: list[Chunk]) -> str:
    """The best sentences of the best chunk (in reading order), about ANSWER_CHARS long."""
    top = chunks[0]
    chosen: list[tuple[int, str]] = []
    for position, sentence in _ranked(question, top):
        if not chosen or sum(len(s) for _, s in chosen) + len(sentence) <= ANSWER_CHARS:
            chosen.append((position, sentence))
    where = f"「{top.section}」" + (f"「{top.part}」" if top.part else "")
    return f"据{top.org}{top.year}年报告{where}：{''.join(s for _, s in sorted(chosen))}"


def _cite_chunk(question: str, chunk: Chunk) -> Citation:
    best = _ranked(question, chunk)
    return Citation(chunk.org, chunk.year, chunk.section, chunk.source, best[0][1][:120] if best else "", chunk.page)


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


def _answer_passages(question: str, sc: Scope, corpus: Corpus, llm: BaseChatModel | None, settings: Settings) -> Answer:
    org = sc.orgs[0] if len(sc.orgs) == 1 else None
    if sc.years and org:
        indexed = set(corpus.years(org))
        missing = [y for y in sc.years if y not in indexed]
        if len(missing) == len(sc.years):
            return _nothing([f"{org}{y}年" for y in missing])
    chunks = corpus.search(sc.topic, k=4, org=org, year=sc.years or None)
    if not chunks:
        return _nothing([])
    citations = [_cite_chunk(question, c) for c in chunks[:3]]
    extractive = extract(question, chunks)
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


def ask(question: str, corpus: Corpus, settings: Settings, *, llm: BaseChatModel | None = None) -> Answer:
    """Answer a question about the indexed reports; `llm` overrides the one the settings configure."""
    question = question.strip()
    if not question:
        return Answer("请输入要查询的问题。")
    if not _CJK.search(question):
        return Answer("请用中文提问，例如：“平潭综合实验区2023年新收了多少政府信息公开申请？”")
    if not corpus.orgs():
        return Answer("语料库为空，请先用 index 命令导入往年的年度报告。")
    sc = scope(question, corpus)
    if sc.unknown_org:
        return Answer(f"语料库中没有{sc.unknown_org}的报告，无法回答。")
    metric = find_metric(question)
    if metric is not None:
        return _answer_figures(question, metric, sc, corpus)
    if llm is None and settings.llm_enabled:
        from .llm import chat_model

        llm = chat_model(settings, temperature=0)
    return _answer_passages(question, sc, corpus, llm, settings)
