"""Understanding bullet notes: who and which year, and which part of the report each bullet belongs to.

Notes are loose: with or without headings, with any bullet marker. Headings decide when present;
otherwise keyword rules (data below, not code) pick the part, so tuning them touches one table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import NotesError
from ..labels import PARTS
from ..textnums import numbers_in, sentences

# Categories a bullet can fall into: 总体情况's five parts (official labels), then sections 五 and 六.
PROBLEMS, IMPROVEMENTS, OTHER = "问题", "改进", "其他事项"
CATEGORIES: tuple[str, ...] = tuple(p.text for p in PARTS) + (PROBLEMS, IMPROVEMENTS, OTHER)
_ACTIVE, _REQUEST, _MANAGEMENT, _PLATFORM, _OVERSIGHT = (p.text for p in PARTS)
_BOTH = "问题及改进"  # a heading covering section 五 as a whole: its bullets are split by keywords

# Heading words -> category; first match wins, so the more specific words come first.
HEADING_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OTHER, ("信息处理费", "其他需要报告", "其他事项", "收费", "其他")),
    (_BOTH, ("问题及改进", "问题和改进", "存在的主要问题")),
    (PROBLEMS, ("问题", "不足")),
    (IMPROVEMENTS, ("改进", "下一步", "计划", "措施", "打算")),
    (_REQUEST, ("依申请",)),
    (_ACTIVE, ("主动公开",)),
    (_MANAGEMENT, ("信息管理",)),
    (_PLATFORM, ("平台",)),
    (_OVERSIGHT, ("监督", "保障", "考核")),
)

# Lines that are headings even with no marker (Word headings arrive as bare lines), after dropping a
# trailing 方面/情况/工作; a closed list, since "强化经费保障" is a bullet, not a heading.
BARE_HEADINGS = frozenset(
    {
        "主动公开",
        "政府信息主动公开",
        "依申请公开",
        "政府信息管理",
        "信息管理",
        "平台建设",
        "公开平台建设",
        "政府信息公开平台建设",
        "监督保障",
        "存在的问题",
        "存在问题",
        "主要问题",
        "存在的主要问题",
        "问题",
        "不足",
        "改进措施",
        "改进",
        "整改措施",
        "下一步",
        "下一步计划",
        "问题及改进",
        "存在的主要问题及改进",
        "其他事项",
        "其他需要报告的事项",
        "信息处理费",
        "其他",
        "问题与不足",
        "问题和不足",
        "存在的不足",
        "下一步打算",
        "下一步工作",
        "工作计划",
        "工作打算",
        "公开平台",
        "平台",
        "政务公开平台建设",
    }
)
# words of a heading that covers problems and of one that covers plans: a heading with both is section 五 whole
_PROBLEM_WORDS, _PLAN_WORDS = ("问题", "不足"), ("改进", "下一步", "计划", "措施", "打算", "整改")
SHORT_LINE = 4  # a line of this many characters or fewer, with no figure, is a heading or nothing: never content

# Labels a bullet may start with ("问题：征地……"): they name its category and are dropped from the text,
# so the draft never reads "仍存在一些不足：问题：…". Longest first; each maps via HEADING_RULES.
LEAD_LABELS: tuple[str, ...] = (
    "下一步计划",
    "存在问题",
    "主要问题",
    "整改措施",
    "改进措施",
    "下一步",
    "问题",
    "不足",
    "改进",
    "措施",
)

# Where section 五's improvements begin, under a combined 问题及改进 heading or with no heading: a bullet
# matching one of these (or whose keywords say 改进) opens the improvements; the bullets before it are problems.
IMPROVEMENT_MARKERS: tuple[str, ...] = (
    r"下一步",
    r"将采取以下措施",
    r"加以改进",
    r"改进措施",
    r"努力方向",
    r"整改措施",
    r"从以下(?:几个)?方面",
    r"(?:19|20)\d\d\s*年[，,]\s*(?:我(?:区|局|市|县|委|办))?将",
)
# A bullet that only announces a list ("2023年，我区将采取以下措施加以改进。"): short, with one of these words
# and nothing after a colon; it carries no item, so it is dropped unless it holds a figure other than a year.
ANNOUNCE_WORDS: tuple[str, ...] = ("以下", "如下")
ANNOUNCE_MAX = 40
# Endings of a lead-in clause before "：" in section 五 ("但仍存在一些不足，如：…"); the items follow it.
LEAD_IN_ENDINGS: tuple[str, ...] = ("如", "如下", "以下", "方面", "表现在", "主要有", "措施", "改进", "问题", "不足")
# Enumerators a bullet may open with ("一是", "（二）", "3.", "3、", "④"): the engine numbers items itself.
ENUMERATORS: tuple[str, ...] = (
    r"[一二三四五六七八九十]+是",
    r"[（(](?:[一二三四五六七八九十]{1,3}|\d{1,2})[)）]",
    r"\d{1,2}[.．、)）](?!\d)",
    r"[①-⑳]",
)
FIRST_ENUMERATORS = frozenset({"一", "1", "①"})  # an enumerator that starts a list rather than continues one

# Keywords that place a bullet whatever heading it is under: the 2021 format reports 信息处理费 in 六.
PINNED: dict[str, str] = {"信息处理费": OTHER}

# Bullet keywords -> category with a weight; the highest total wins (ties: the earlier category).
# Applications are often told without the word 申请 ("本年办结56件，结转下年度2件"): 办结/结转/受理/新收.
# Problems and plans outweigh topic words, since "政策解读形式仍需创新" is a problem about 主动公开.
# 行政许可/处罚/强制 decisions, 行政事业性收费 and 集中采购 are 条例第二十条 items, i.e. 主动公开 (表二).
KEYWORD_RULES: dict[str, dict[str, int]] = {
    OTHER: {"信息处理费": 10},
    PROBLEMS: {"存在问题": 6, "不足": 5, "有待": 5, "不够": 5, "仍需": 5, "欠缺": 5, "短板": 5, "薄弱": 5},
    IMPROVEMENTS: {"下一步": 6, "今后": 5, "明年": 5, "计划": 4, "拟": 3, "将继续": 5, "将进一步": 5, "将重点": 5},
    _REQUEST: {
        "依申请": 4,
        "申请": 2,
        "答复": 2,
        "受理": 2,
        "新收": 2,
        "办结": 2,
        "结转": 2,  # also 上年结转, 结转下年度
        "复议": 2,
        "诉讼": 2,
    },
    _ACTIVE: {
        "主动公开": 4,
        "行政许可": 3,
        "行政处罚": 3,
        "行政强制": 3,
        "行政事业性收费": 3,
        "集中采购": 3,
        "解读": 2,
        "处理决定": 1,
        "发布": 1,
        "回应": 1,
        "访谈": 1,
        "民意征集": 1,
        "新闻发布": 1,
    },
    _MANAGEMENT: {"信息管理": 4, "保密审查": 2, "规范性文件": 2, "三审三校": 2, "审核": 1, "清理": 1, "规章": 1},
    _PLATFORM: {"平台": 2, "网站": 2, "新媒体": 2, "栏目": 1, "专栏": 1, "智能": 1, "公众号": 1},
    _OVERSIGHT: {
        "监督": 3,
        "保障": 2,
        "组织领导": 2,
        "考核": 2,
        "培训": 2,
        "评议": 2,
        "问责": 2,
        "责任追究": 2,
        "通报": 1,
        "督促": 1,
    },
}

# Phrasings that place a bullet like keywords do: a count of items published or carried ("发布政务信息500余条",
# "官方微博发布信息1300余条", "国家级媒体103篇") is 主动公开 (as the checker's part content says), whatever channel
# it names, so it outweighs 平台/网站/微博.
PATTERN_RULES: dict[str, dict[re.Pattern[str], int]] = {
    _ACTIVE: {
        re.compile(r"(?:发布|公开|公布|推送|刊发|刊登|编发|报道|转载|更新)[^。；]{0,20}?\d+\s*余?\s*(?:条|篇|期)"): 4,
        re.compile(r"媒体\s*\d+\s*余?\s*篇"): 2,
    },
}

_BULLET = re.compile(r"^\s*(?:[-*+•·●▪◦]\s*)?")
_ENUMERATOR = re.compile(r"^(?:" + "|".join(ENUMERATORS) + r")\s*[，,、:：]?\s*")
_ENUMERATOR_CORE = re.compile(r"[（()）.．、)是]")
_MARKER = re.compile("|".join(IMPROVEMENT_MARKERS))
_LEAD_IN = re.compile(r"^(?P<lead>[^：:]{1,80}?)\s*[：:]\s*(?P<rest>.+)$")
_YEAR_WORD = re.compile(r"(?:19|20)\d\d\s*年")
_MD_HEADING = re.compile(r"^\s*#+\s*(.*)$")
_NUMBERED_HEADING = re.compile(r"^\s*[（(]?[一二三四五六七八九十]+[)）、.]\s*(.*)$")
_ARABIC_HEADING = re.compile(r"^\s*[（(]?\d{1,2}[)）、.．]\s*(.*)$")
_EMPHASIS = re.compile(r"\*\*|__|【|】")
_HEADING_SUFFIX = re.compile(r"(?:方面|情况|工作)$")
_META = re.compile(r"^\s*(机关|单位|机关名称|单位名称|报告单位|年度|报告年度)\s*[:：]\s*(.+?)\s*$")
_TITLE = re.compile(r"^(?P<org>.+?)\s*(?P<year>(?:19|20)\d\d)\s*年度?\s*(?:政府信息公开|政务公开|信息公开)")
_YEAR = re.compile(r"^((?:19|20)\d\d)\s*年?$")
_LEAD_LABEL = re.compile(r"^(?P<label>" + "|".join(LEAD_LABELS) + r")\s*[:：]\s*")
_SECTION_FIVE = (None, _BOTH, PROBLEMS, IMPROVEMENTS)  # headings a bullet's own label may override
FIRST_YEAR, LAST_YEAR = 2008, 2100  # the regulation took effect on 2008-05-01
END_PUNCT = "。；;，,、 "


@dataclass
class Notes:
    """Bullets grouped by category, in the order written, plus the body and year they are about."""

    org: str
    year: int
    bullets: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in CATEGORIES})
    # bullets no rule could place; they are drafted into section 六 and reported as a notice
    unplaced: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def all_bullets(self) -> list[str]:
        return [b for c in CATEGORIES for b in self.bullets[c]]


def classify(bullet: str, org: str = "") -> str | None:
    """The category a bullet's keywords and phrasings point to (the body's own name aside: 医疗保障局 is no
    监督保障), or None when nothing matches."""
    if org:
        bullet = bullet.replace(org, "")
    scores = {c: sum(w for k, w in rules.items() if k in bullet) for c, rules in KEYWORD_RULES.items()}
    for c, patterns in PATTERN_RULES.items():
        scores[c] += sum(w for pattern, w in patterns.items() if pattern.search(bullet))
    best = max(scores.values())
    if best == 0:
        return None
    return next(c for c in CATEGORIES if scores.get(c) == best)


def _heading_category(text: str) -> str | None:
    if any(w in text for w in _PROBLEM_WORDS) and any(w in text for w in _PLAN_WORDS):
        return _BOTH
    return next((cat for cat, words in HEADING_RULES if any(w in text for w in words)), None)


def _is_bare_heading(text: str) -> bool:
    """A heading phrase with no marker: a known one ("主动公开", "存在问题和下一步打算"), after dropping a
    trailing 方面/情况/工作."""
    core = _HEADING_SUFFIX.sub("", text.strip(" ：:"))
    return core in BARE_HEADINGS or (len(core) <= 16 and _heading_category(core) == _BOTH and "，" not in core)


def _heading(line: str) -> str | None:
    """The text of a heading line: markdown '#', '（一）…', '2. 依申请公开', a short line ending in a colon
    that names a part, or a bare line naming a part (how Word headings arrive), emphasis marks aside."""
    line = _EMPHASIS.sub("", line)
    if m := _MD_HEADING.match(line):
        return m.group(1).strip()
    if (m := _NUMBERED_HEADING.match(line)) and len(m.group(1)) <= 20 and "。" not in m.group(1):
        return m.group(1).strip(" ：:")
    if (m := _ARABIC_HEADING.match(line)) and _is_bare_heading(m.group(1)):
        return m.group(1).strip(" ：:")
    stripped = line.strip()
    short = len(stripped) <= 20 and not re.search(r"[，,。；;]", stripped)
    if short and stripped.endswith(("：", ":")) and _heading_category(stripped) is not None:
        return stripped.rstrip("：:")
    if _is_bare_heading(stripped):
        return stripped
    return None


def is_scrap(text: str) -> bool:
    """A line too short to be content (one word, "其他"), unless it holds a figure."""
    return len(re.sub(r"[\s\W]", "", text)) <= SHORT_LINE and not numbers_in(text)


def _is_title_line(line: str) -> bool:
    """A bare title line such as "某某局2024年政府信息公开工作要点" (short, no sentence punctuation)."""
    stripped = line.strip()
    return len(stripped) <= 40 and not any(p in stripped for p in "，。；,;")


def _tidy(text: str) -> str:
    return text.strip().rstrip(END_PUNCT).strip()


def enumerator(text: str) -> tuple[str, str]:
    """The enumerator a text opens with ("一是", "（二）", "3.", or ""), and the text without it."""
    if m := _ENUMERATOR.match(text.strip()):
        return m.group(0).strip(), text.strip()[m.end() :]
    return "", text


def _starts_list(token: str) -> bool:
    return _ENUMERATOR_CORE.sub("", token).strip(" ，,:：") in FIRST_ENUMERATORS


def has_facts(text: str) -> bool:
    """Whether a text holds a figure other than a year ("2023年"), which must reach the draft."""
    return bool(numbers_in(_YEAR_WORD.sub("", text)))


def opens_improvements(bullet: str) -> bool:
    """Whether a section-五 bullet announces or starts the improvements (see IMPROVEMENT_MARKERS)."""
    return bool(_MARKER.search(bullet)) or classify(bullet) == IMPROVEMENTS


def five_items(bullet: str) -> list[str]:
    """A section-五 bullet as items: a lead-in before "：" ("…存在一些问题和不足：一是…") and a bullet
    that only announces a list are dropped, unless they hold a figure other than a year (kept as an item)."""
    lead, rest = "", bullet
    m = _LEAD_IN.match(bullet)
    if m and (enumerator(m.group("rest"))[0] or m.group("lead").endswith(LEAD_IN_ENDINGS)):
        lead, rest = m.group("lead"), _tidy(enumerator(m.group("rest"))[1])
    elif len(bullet) <= ANNOUNCE_MAX and any(w in bullet for w in ANNOUNCE_WORDS) and _MARKER.search(bullet):
        lead, rest = bullet, ""
    return [t for t in (_tidy(lead) if has_facts(lead) else "", rest) if t]


def split_label(bullet: str) -> tuple[str | None, str]:
    """The category a leading label ("问题：", "改进：") names, and the bullet without it."""
    if (m := _LEAD_LABEL.match(bullet)) and (rest := bullet[m.end() :].strip()):
        return _heading_category(m.group("label")), rest
    return None, bullet


@dataclass
class _Bullet:
    """A bullet as read: the heading it is under, its label's category, its enumerator, its text."""

    heading: str | None
    label: str | None
    enumerator: str
    text: str
    para: int = 0  # the line it was read from: sentences of one pasted paragraph share it


def _pinned_or_labelled(b: _Bullet) -> str | None:
    """Pinned keywords first, then a label within section 五 (or with no heading)."""
    if pinned := next((cat for word, cat in PINNED.items() if word in b.text), None):
        return pinned
    return b.label if b.label and b.heading in _SECTION_FIVE else None


def _place(bullets: list[_Bullet], org: str = "") -> list[tuple[str | None, str]]:
    """Each bullet's category and text, section 五's bullets split into items (see `five_items`).

    Under a combined 问题及改进 heading the bullets are problems up to the first that opens the
    improvements, improvements from it on. With no heading keywords decide, except that a bullet
    opening the improvements starts their list, and an enumerated bullet continuing a list of problems
    or improvements ("二是…", or "一是…" right after "…将采取以下措施加以改进") stays in it.
    """
    placed: list[tuple[str | None, str]] = []
    five: str | None = None  # the section-五 list the bullets are in, with no heading or a combined one
    previous: _Bullet | None = None
    for b in bullets:
        if previous is None or b.heading != previous.heading:
            five = PROBLEMS if b.heading == _BOTH else None
        cat = _pinned_or_labelled(b)
        if cat is None and b.heading not in (None, _BOTH):
            cat = b.heading
        elif cat is None and opens_improvements(b.text):
            cat = five = IMPROVEMENTS
        elif cat is None and five and (b.heading == _BOTH or _continues(b, previous)):
            cat = five
        elif cat is None:
            cat = classify(b.text, org) or _inherited(b, previous, placed)
            five = cat if cat in (PROBLEMS, IMPROVEMENTS) else None if b.enumerator else five
        items = five_items(b.text) if cat in (PROBLEMS, IMPROVEMENTS) else [b.text]
        placed += [(cat, item) for item in items]
        previous = b
    return placed


def _inherited(b: _Bullet, previous: _Bullet | None, placed: list[tuple[str | None, str]]) -> str | None:
    """A sentence no keyword places goes with the sentence before it in the same pasted paragraph."""
    return placed[-1][0] if placed and previous is not None and previous.para == b.para else None


def _continues(b: _Bullet, previous: _Bullet | None) -> bool:
    """Whether an enumerated bullet goes on with the list before it: "二是…", or "一是…" after an opener."""
    if not b.enumerator:
        return False
    return not _starts_list(b.enumerator) or (previous is not None and opens_improvements(previous.text))


class NotesIncomplete(NotesError):
    """Notes that do not say which body or which year they are about; `missing` holds "org" and/or "year",
    `questions` the Chinese question to ask for each (the CLI asks at a terminal, the web app in chat)."""

    QUESTIONS = {
        "org": "请问这份报告是哪个机关的？请填写机关全称（如“某某县人民政府”“某某市教育局”）。",
        "year": "请问这是哪一年度的报告？请填写年度（如 2024）。",
    }
    FLAGS = {"org": "--org", "year": "--year"}
    NAMES = {"org": "机关名称", "year": "报告年度"}

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        self.questions = {m: self.QUESTIONS[m] for m in missing}
        names = "和".join(self.NAMES[m] for m in missing)
        flags = "、".join(self.FLAGS[m] for m in missing)
        super().__init__(f"未能从要点中识别{names}，请用 {flags} 指定")


_TABLE_UNIT = re.compile(r"[（(](?P<u>[^）)]{1,3})[）)]$|(?P<v>[条件篇次个项期场人家份])数(?:量)?$")


def table_facts(rows: list[list[str]]) -> str:
    """A small Word table as one fact: its header names the unit ("条数" → 条), each row a label and
    its figure: "财政资金36条、政策文件12条". A row with no figure is left out."""
    header, body = (rows[0], rows[1:]) if rows and not any(numbers_in(c) for c in rows[0][1:]) else ([], rows)
    facts = []
    for row in body:
        label, cells = row[0].strip(), row[1:]
        for i, cell in enumerate(cells):
            if not numbers_in(cell):
                continue
            column = header[i + 1].strip() if i + 1 < len(header) else ""
            unit = _TABLE_UNIT.search(column)
            name = "" if unit or len(cells) == 1 else column
            facts.append(f"{label}{name}{cell.strip()}{(unit.group('u') or unit.group('v')) if unit else ''}")
    return "、".join(facts)


_ANNOUNCE = re.compile(r"(?:以下|如下|主要有|包括)[^，。]{0,8}$")
_PARAGRAPH_MIN = 60  # a pasted paragraph this long with several sentences is read sentence by sentence


def _units_of(line: str) -> list[str]:
    """A line as the pieces to classify: one bullet, or each sentence of a long pasted paragraph
    ("其中…" stays with the sentence before it)."""
    if len(line) < _PARAGRAPH_MIN:
        return [line]
    pieces: list[str] = []
    for sentence in sentences(line):
        if pieces and sentence.startswith(("其中", "同比", "较上年")):
            pieces[-1] += sentence
        else:
            pieces.append(sentence)
    return pieces


@dataclass
class _Reader:
    """The state of reading notes line by line: body and year found, heading, bullets, open table."""

    org: str = ""
    year: int | None = None
    heading: str | None = None
    bullets: list[_Bullet] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    para: int = 0

    def meta(self, line: str) -> bool:
        """A "机关：…"/"年度：…" line or a title line with body and year: read, and not content."""
        if m := _META.match(line):
            key, value = m.groups()
            if "年" in key and (y := _YEAR.match(value)):
                self.year = int(y.group(1))
            elif "年" not in key:
                self.org = value
            return True
        plain = _EMPHASIS.sub("", line).strip().lstrip("#").strip()
        title = _TITLE.match(plain)
        if title and _is_title_line(plain):
            self.org = self.org or title.group("org").strip()
            self.year = self.year or int(title.group("year"))
            self.heading = None
            return True
        return False

    def flush_table(self) -> None:
        if self.table and (fact := table_facts(self.table)):
            self.bullets.append(_Bullet(self.heading, None, "", fact, self.para))
        self.table = []

    def read(self, line: str) -> None:
        if "\t" in line:
            self.table.append(line.split("\t"))
            return
        self.flush_table()
        self.para += 1
        if self.meta(line):
            return
        if (heading := _heading(line)) is not None:
            category = _heading_category(heading)
            # under a problems heading, officers go on to their plans: split as under a combined heading
            self.heading = _BOTH if category == PROBLEMS else category
            return
        token, rest = enumerator(_BULLET.sub("", _EMPHASIS.sub("", line)))
        rest = rest.strip()
        if rest.endswith(("：", ":")) and _ANNOUNCE.search(rest.rstrip("：:")):
            return  # "主要做法如下：": announces the list that follows, says nothing itself
        if is_scrap(rest):
            return
        pieces = _units_of(rest) if self.heading in (None, _BOTH) else [rest]
        for piece in pieces:
            if piece is not rest:  # a sentence of a paragraph may open with its own "二是"
                piece = enumerator(piece)[1]
            if bullet := _tidy(piece):
                label_cat, bullet = split_label(bullet)
                self.bullets.append(_Bullet(self.heading, label_cat, token, bullet, self.para))
                token = ""


def parse_notes(text: str, *, org: str | None = None, year: int | None = None) -> Notes:
    """Group the bullets of `text` by category; flags win over what the notes say about body and year."""
    if not text or not text.strip():
        raise NotesError("要点为空：请提供本年度政府信息公开工作的要点（每行一条）。")
    reader = _Reader()
    for line in text.splitlines():
        if line.strip():
            reader.read(line)
    reader.flush_table()
    notes = Notes(org=org or reader.org, year=year if year is not None else reader.year or 0, text=text)
    placed = _place(reader.bullets, notes.org)
    if not placed:
        raise NotesError("要点中没有可用的内容：请每行写一条工作要点。")
    missing = tuple(m for m, ok in (("org", notes.org), ("year", year is not None or reader.year)) if not ok)
    if missing:
        raise NotesIncomplete(missing)
    if not FIRST_YEAR <= notes.year <= LAST_YEAR:
        raise NotesError(
            f"报告年度{notes.year}无效：须在{FIRST_YEAR}至{LAST_YEAR}年之间"
            f"（《政府信息公开条例》自{FIRST_YEAR}年起施行），请用 --year 指定"
        )
    for cat, bullet in dict.fromkeys(placed):
        if cat is None:
            notes.unplaced.append(bullet)
            cat = OTHER
        notes.bullets[cat].append(bullet)
    return notes
