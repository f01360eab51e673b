"""Understanding a question as people ask it: which bodies, which years, which table figures, and what is asked
of them, before anything is looked up.

Colloquial words are first rewritten to the tables' words (告上法庭/打官司 → 行政诉讼, 老百姓 → 自然人); a
question may name several figures ("复议多少件？纠正了几件？" — a clause naming only a detail takes the figure of
the clause before, "诉讼呢" the detail) and several bodies ("淮安和平潭"). Relative years count from the context's
year (a draft's year, `--year`), else from the newest indexed year, and the answer says which year was taken.
A follow-up in chat ("那2023年呢？") reuses the previous question's bodies, years and figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .labels import T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_GROUP_TOTALS
from .textnums import chinese_number

if TYPE_CHECKING:
    from .corpus import Corpus

Kind = Literal["figure", "trend", "ranking", "share", "passage"]

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
    # words that name something else although the pattern matches (信息处理费 is no 行政事业性收费)
    excludes: str = ""


def _t3_reason_metrics() -> tuple[Metric, ...]:
    """Every 表三 reason row (国家秘密, 重复申请, …) named by its label key, from labels.py."""
    rows = {r.key: r for template in ("2021", "2019") for r in T3_ROWS[template] if r.group and r.key != "其他"}
    return tuple(Metric(row.text.split(".", 1)[-1], re.escape(key), "table3", (row.text,)) for key, row in rows.items())


_G = {g.split("）")[1][:4]: g for g in (r.group for r in T3_ROWS["2021"]) if g}  # 不予公开 -> （三）不予公开
_T4 = dict(zip(("复议", "直诉", "复议后"), (T4_COLUMNS[i] for i in T4_GROUP_TOTALS), strict=True))

# the two figures an LLM gets as facts beside the passages it is shown
NEW_REQUESTS = Metric("本年新收政府信息公开申请数量", "新收|收到|受理|接收|申请", "table3", ("本年新收",))
HANDLED = Metric("本年度办理结果总计", "办理结果|办结|答复|处理了?多少|办理总数|处理总数", "table3", ("总计",))
_FEE = "信息处理费|处理费"

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
        excludes=_FEE,
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
OUTCOMES = (("维持", "结果维持"), ("纠正|纠错", "结果纠正"), ("其他结果", "其他结果"), ("未审结|未结", "尚未审结"))
DOCUMENT_COLUMNS = (
    ("废止", ("本年废止件数",)),
    ("现行有效|有效|总数", ("现行有效件数", "对外公开总数量")),
    ("新公开", ("本年新公开数量",)),
    ("制发|新制作|出台|印发", ("本年制发件数", "本年新制作数量")),
)
# colloquial words → the tables' words, applied in order before any figure is looked for
COLLOQUIAL = (
    (r"告上了?法庭|告到了?法院|告上了?法院|打官司|吃官司|被.{0,6}?(?:起诉|告)(?!知)", "行政诉讼"),
    (r"申请(?:了)?复议|提起复议|复议申请", "行政复议"),
    (r"老百姓|群众|公民|个人(?!信息)", "自然人"),
    (r"公司", "企业"),
    (r"没公开|拒绝公开|不公开", "不予公开"),
    (r"全部公开|同意公开", "予以公开"),
)

COUNT_CUES = re.compile(
    r"多少|几[件个项次期篇条场家份批人]|数量|数目|总数|合计|总共|一共|理由|各项|分别|最多|最少|比例|占比|率"
)
TREND_CUES = re.compile(
    r"近[一二两三四五六七八九十\d]+年|历年|各年|每年|逐年|哪一?年|变化|趋势|增加|减少|上升|下降|增长|比较|对比|相比|同比|多了|少了"
)
NARRATIVE_CUES = re.compile(r"怎么|怎样|如何|哪些|什么|措施|做法|举措|内容|介绍|描述|写")
RANK_CUES = re.compile(r"排名|排行|排序|前[一二两三四五六七八九十\d]+名?|最多|最少|最高|最低|最大|最小")
WHICH_BODY = re.compile(
    r"哪[个些家几]?个?(?:机关|单位|部门|地方|地区|政府|区县|县区|城市|市|县|区)|各(?:机关|单位|部门|地区|地)"
)
SHARE_CUES = re.compile(r"比例|占比|比重|百分比|百分之|所占|(?:公开|纠错|纠正|维持|败诉|胜诉)率")
FOLLOW_UP = re.compile(r"^(?:那|那么|还有|再看|同样|换成)|呢[？?。]?$")
_TOP = re.compile(r"前\s*([一二两三四五六七八九十\d]+)")
_CLAUSES = re.compile(r"[？?，,；;。！!]|以及|还有|另外")
_RECENT = re.compile(r"(?:近|最近|过去)\s*([一二两三四五六七八九十\d]+)\s*年")
_RELATIVE = {"大前年": 3, "前年": 2, "去年": 1, "上一?年": 1, "今年": 0, "本年": 0}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?\s*(?:至|到|-|—|~|～)\s*((?:19|20)\d{2})(?!\d)")
# characters that do not tell one body from another ("实验区", "人民政府", "信息公开")
_GENERIC = set("省市县区镇乡街道人民政府委员会管委办公室局厅部开发实验综合管理信息公开工作年度报告的")
# the last word of a body's name ("平潭综合实验区", "北京市", "国务院办公厅")
_ORG_END = re.compile(r"(?:省|市|县|区|州|旗|盟|镇|乡|街道|管委会|委员会|政府|办公室|办|局|厅)$")
# parts of speech (jieba) that can continue a body's name: nouns, 综合, 先进, abbreviations, set phrases
_NAME_TAGS = ("n", "vn", "j", "a", "b", "l")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Item:
    """One figure asked for, with the words that pick its columns ("纠正", "自然人")."""

    metric: Metric
    words: str = ""


@dataclass
class Context:
    """What a question is asked in: the year 今年 means (the draft's year in the web app, `--year` on the CLI) and
    the previous question's understanding, for follow-ups in chat."""

    year: int | None = None
    previous: Scope | None = None


@dataclass
class Scope:
    """A question understood: bodies, years, figures and what is asked of them."""

    orgs: list[str]
    years: list[int]
    unknown_org: str = ""
    trend: bool = False
    # the question without its org and year words: what to search for once they are filters
    topic: str = ""
    items: list[Item] = field(default_factory=list)
    kind: Kind = "passage"
    base: Item | None = None  # a share's denominator
    top: int = 0  # a ranking's length (0: all)
    least: bool = False  # a ranking from the smallest
    # how a relative year was read: "“去年”按今年为 2023 年推算，即 2022 年"
    relative: str = ""


# ── bodies ───────────────────────────────────────────────────────────────────────────────────


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


def _strip_named(text: str, orgs: list[str]) -> str:
    for org in orgs:
        text = _strip_shared(text, org)
    return text


def org_mention(question: str) -> str:
    """The body the question names, as written: its first place or institution word (jieba's ns/nt, or a noun
    ending like 县/局) with the name words after it up to the last name ending ("平潭" + "综合实验区")."""
    from jieba import posseg  # its tagging model loads in 0.3 s: only for a question naming no indexed body

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


def named_orgs(question: str, orgs: list[str]) -> list[str]:
    """The indexed bodies the question names, each by its own words: "淮安和平潭" names two; a body whose shared
    words lie inside another named body's ("淮安市" in "淮安市洪泽区") is not named by them."""
    runs = {org: _common_run(question, org) for org in orgs}
    runs = {org: run for org, run in runs.items() if run}
    longest = {run for run in runs.values() if not any(run != other and run in other for other in runs.values())}
    named = [org for org, run in runs.items() if run in longest]
    # one run shared by several bodies ("淮安市"): the body whose whole name it is before the generic words
    by_run: dict[str, list[str]] = {}
    for org in named:
        by_run.setdefault(runs[org], []).append(org)
    out: list[str] = []
    for run, group in by_run.items():
        exact = [org for org in group if org.startswith(run) and not set(org[len(run) :]) - _GENERIC]
        out += exact or group
    return sorted(out, key=lambda org: question.find(runs[org]))


# ── years ────────────────────────────────────────────────────────────────────────────────────


def _number(word: str) -> int:
    return int(word) if word.isdigit() else chinese_number(word) or 0


def _years(question: str, today: int | None, told: bool) -> tuple[set[int], str]:
    """The years a question names, and how its relative words were read (`told`: today came from the context)."""
    years: set[int] = set()
    for start, end in _RANGE.findall(question):
        years |= set(range(int(start), int(end) + 1))
    years |= {int(y) for y in _YEAR.findall(question)}
    if today is None:
        return years, ""
    read: list[str] = []
    if recent := _RECENT.search(question):
        span = range(today - _number(recent.group(1)) + 1, today + 1)
        years |= set(span)
        read.append(f"“{recent.group(0)}”即 {span[0]}—{span[-1]} 年")
    for word, back in _RELATIVE.items():
        # "2023年比去年": with a year stated, 去年 is the year before it, which a trend adds anyway
        found = re.search(f"(?<!大){word}" if word == "前年" else word, question)
        if not years and found:
            years.add(today - back)
            read.append(f"“{found.group(0)}”即 {today - back} 年")
    whence = "按当前报告年度" if told else "按语料库中最新的年度"
    return years, f"（{whence} {today} 年为今年推算：{'，'.join(read)}。）" if read else ""


# ── figures ──────────────────────────────────────────────────────────────────────────────────


def canonical(question: str) -> str:
    """The question in the tables' words (COLLOQUIAL)."""
    for pattern, words in COLLOQUIAL:
        question = re.sub(pattern, words, question)
    return question


def _details(clause: str) -> str:
    """The column-picking words of a clause (applicant, outcome, 表二 column)."""
    found = [m.group(0) for words, _ in (*APPLICANTS, *OUTCOMES, *DOCUMENT_COLUMNS) if (m := re.search(words, clause))]
    return " ".join(found)


def _metrics_in(clause: str) -> list[Metric]:
    """The figures a clause names, most specific first, each span used once; 申请 alone only when nothing else."""
    found: list[tuple[int, Metric]] = []
    text = clause
    for metric in METRICS:
        if metric.excludes and re.search(metric.excludes, clause):
            continue
        if metric is NEW_REQUESTS and found:
            break
        for match in re.finditer(metric.pattern, text):
            found.append((match.start(), metric))
            text = text[: match.start()] + "□" * len(match.group(0)) + text[match.end() :]
            break
    return [metric for _, metric in sorted(found, key=lambda f: f[0])]


def find_items(question: str) -> list[Item]:
    """Every figure a question asks for, clause by clause (see the module docstring)."""
    items: list[Item] = []
    for clause in filter(None, (c.strip() for c in _CLAUSES.split(question))):
        metrics, details = _metrics_in(clause), _details(clause)
        if not metrics and details and items:
            metrics = [items[-1].metric]  # "纠正了几件": the figure of the clause before
        if metrics and not details and items and clause.endswith("呢"):
            details = items[-1].words  # "诉讼呢": the detail of the clause before
        items += [Item(metric, details) for metric in metrics if Item(metric, details) not in items]
    return items


def find_metric(question: str) -> Metric | None:
    """The first figure the question names, or None for a narrative question."""
    items = find_items(canonical(question))
    if not items or (NARRATIVE_CUES.search(question) and not COUNT_CUES.search(question)):
        return None
    return items[0].metric


def _share_base(question: str, items: list[Item]) -> tuple[list[Item], Item | None]:
    """A share's numerator items and its denominator: the figure after 占, else the table's total."""
    if "占" in question:
        after = find_items(question.split("占", 1)[1])
        base = next((i for i in after if i in items), None)
        if base is not None:
            return [i for i in items if i != base], base
    if not items:
        return items, None
    first = items[0]
    if first.metric.table == "table3":
        return items, Item(HANDLED)
    if first.metric.table == "table4" and first.words:
        return items, Item(first.metric)  # 纠错率: 纠正 over the group's total
    return items, None


def _kind(question: str, items: list[Item], orgs: list[str], trend: bool) -> Kind:
    if not items or (NARRATIVE_CUES.search(question) and not COUNT_CUES.search(question)):
        return "passage"
    if SHARE_CUES.search(question):
        return "share"
    if RANK_CUES.search(question) and (WHICH_BODY.search(question) or len(orgs) > 1):
        return "ranking"
    return "trend" if trend else "figure"


# ── the whole question ───────────────────────────────────────────────────────────────────────


def scope(question: str, corpus: Corpus, context: Context | None = None) -> Scope:
    """Which indexed bodies and years the question is about, which figures it asks for, and how."""
    context = context or Context()
    previous = context.previous
    text = canonical(question)
    spellings = corpus.names().spellings()  # printed names, merged names and the alias table's names
    named = [] if WHICH_BODY.search(text) else named_orgs(text, list(spellings))
    orgs = list(dict.fromkeys(spellings[name] for name in named))
    mention = "" if orgs or WHICH_BODY.search(text) else org_mention(question)
    if not orgs and not mention and previous and not WHICH_BODY.search(text):
        orgs = previous.orgs
    indexed = corpus.years(orgs[0] if len(orgs) == 1 else None)
    today = context.year or (indexed[-1] if indexed else None)
    years, relative = _years(text, today, context.year is not None)
    items = find_items(text)
    topic = _strip_shared(question, orgs[0]) if len(orgs) == 1 else question
    for pattern in (_RANGE, _YEAR, _RECENT, re.compile("|".join(_RELATIVE))):
        topic = re.sub(f"(?:{pattern.pattern})\\s*年?度?", " ", topic)
    # "那2023年呢？", "淮安呢": little left once the body and year are taken out
    rest = "".join(_CJK_WORD.findall(_strip_named(topic, orgs)))
    follow = previous is not None and bool(FOLLOW_UP.search(question.strip()) or len(rest) <= 3)
    if not years and follow and previous:
        years = set(previous.years)
    trend = bool(TREND_CUES.search(text)) or len(years) > 1
    kind = _kind(text, items, orgs, trend)
    if not items and previous and previous.items and (follow or _details(text)):
        # "那2023年呢？" takes the figures; "纠正了几件" takes them with its own detail
        kind = previous.kind
        items = [Item(i.metric, _details(text) or i.words) for i in previous.items]
        orgs = orgs or previous.orgs
        years = years or set(previous.years)
    base = None
    if kind == "share":
        items, base = _share_base(text, items)
    top = _TOP.search(text)
    return Scope(
        orgs,
        sorted(years),
        "" if orgs else mention,
        trend,
        " ".join(topic.split()) or question,
        items,
        kind,
        base,
        _number(top.group(1)) if top else 0,
        bool(re.search("最少|最低|最小", text)),
        relative,
    )
