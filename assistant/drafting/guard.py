"""The faithfulness guard: what an LLM wrote for one unit, cleaned, then read for meaning against the notes.

`clean` makes model output report prose (no control or bidirectional characters, no HTML or Markdown,
no heading lines). `faults` then lists, in Chinese, everything that keeps the text out of a report:
foreign or traditional script, refusals and meta text, a repeated heading, any number (in digits or
in Chinese numerals: 三次, 两所, 九成, 百分之九十) that is not in the notes or the tables, a number
attached to another noun than in the notes (swaps), and a fact of the notes that is missing. The same
guard serves drafting and chat rewrites.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ..cells import format_number
from ..labels import PARTS, SECTIONS
from ..textnums import CHINESE_NUMERALS, chinese_number, numbers_in, quantities

# Characters that exist only in traditional script (each differs from its simplified form).
TRADITIONAL = frozenset(
    "這們來對時說會為國過還發現問題與點體產經業開關實際進應當區處議變機構務據將從樣幾種麼給讓聽讀寫錄規範條"
    "辦轉資訊網絡頁統計達標準報導領專項檢調監測員權團園電話隊歷屆縣鄉鎮農興聯繫劃門見長東車書學習無愛買賣號頭層歲萬億於"
)
# Refusals, apologies, notes about the text itself: a report never speaks of itself or of a model.
META_PHRASES: tuple[str, ...] = (
    "抱歉", "对不起", "无法协助", "无法完成", "无法提供", "不能协助", "作为AI", "作为一个", "人工智能", "语言模型",
    "以上内容", "以下内容", "以下是", "下面是", "仅供参考", "希望对", "如需", "如有需要", "请注意", "注：", "说明：",
    "好的，", "好的。", "根据您", "根据要点", "据要点", "根据提供", "我的配置", "系统提示", "密钥",
)  # fmt: skip
# Slogans whose numerals count nothing ("四个意识"): never read as quantities.
SLOGANS: tuple[str, ...] = ("四个意识", "四个自信", "两个维护", "两个确立", "两个责任", "三个代表")
# Vague amounts that stand in for a figure the notes do not give ("咨询若干人次").
VAGUE_AMOUNTS: tuple[str, ...] = ("若干", "多次", "数次", "大量", "众多", "多家", "多所", "多名", "多项")
# The register every report shares: words a sentence may add without asserting a fact of its own.
REGISTER = (
    "认真贯彻落实《中华人民共和国政府信息公开条例》坚持以公开为常态、不公开为例外，扎实推进政府信息公开各项工作，"
    "进一步加强持续深化不断提升切实全面深入推动强化规范完善健全落实做好围绕聚焦积极主动及时准确有效"
    "一是二是三是四是五是六是本年度全年今年下一步将重点从以下方面加以改进仍存在一些不足工作方面情况"
    "政务公开政府信息主动公开依申请公开信息管理平台建设监督保障收取信息处理费"
)
SUPPORT = 0.4  # share of a clause's character pairs the notes, the tables' sentences or the register must give
SUPPORT_MIN_CHARS = 6  # shorter clauses are judged by their numbers only
NOTE_COVERAGE = 0.34  # share of a bullet's character pairs that must appear in the text for its fact to count as kept

_MEASURES = (
    "人次|条次|个次|件次|家次|件|条|次|个|篇|期|场|项|家|份|户|人|名|起|宗|批|类|部|套|本|册|张|幅|天|所|位|轮|处|座|支|"
    "节|堂|届|周|成|余|多|年"
)
_CN_NUMBER = re.compile(rf"(?P<pct>百分之)?(?P<num>[{CHINESE_NUMERALS}]+)(?P<unit>" + _MEASURES + r")?")
_CONTROL_KEEP = "\n"
_BLOCK_TAGS = re.compile(r"<(script|style|iframe|object)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
_HEADING_LINE = re.compile(
    r"^\s*(?:#+\s*|第?[一二三四五六]、|[（(][一二三四五][)）]\S{0,16}$|\*\*[^*]{1,20}\*\*\s*$|[^，。；]{1,16}[：:]\s*$)"
)
_MARKUP = re.compile(r"^\s*(?:>\s*|[-*•·]\s+|\d+[.、]\s+)|\*\*|__|`")
_LATIN = re.compile(r"[^\W\d_\u3400-\u4dbf\u4e00-\u9fff]+")
_PAIRS = re.compile(r"[\u4e00-\u9fff]")
_CLAUSE_BREAK = re.compile(r"[，,。；;：:、（）()\n]")
_GENERIC = re.compile(r"本年度|本年|全年|年度|今年|累计|共计|合计|总计|其中|共|达|约|近|超过|逾")
_HEADINGS = tuple(label.text for label in (*SECTIONS, *PARTS))
_PART_HEADING = re.compile(
    r"[（(][一二三四五][)）](?:主动公开|依申请公开|政府信息管理|政府信息公开平台建设|平台建设|监督保障)"
)


def clean(text: str) -> str:
    """Model output as report prose: no control, bidirectional or zero-width characters, no HTML (script
    blocks with their content), no Markdown marks, no heading lines, no blank lines."""
    text = _BLOCK_TAGS.sub("", text)
    text = _TAG.sub("", text)
    text = "".join(ch for ch in text if ch in _CONTROL_KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Co"))
    lines = [_MARKUP.sub("", line).strip() for line in text.splitlines() if not _HEADING_LINE.match(line)]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Figure:
    """A number as the text states it (digits or Chinese numerals), with its unit and the words before it."""

    value: str
    unit: str
    noun: str
    text: str


def _noun_before(text: str, start: int) -> str:
    """The words of the clause before a number: what it counts ("培训", "主动公开政府信息"), without
    the words that say nothing about it (全年, 累计)."""
    clause = _CLAUSE_BREAK.split(text[:start])[-1]
    return _GENERIC.sub("", re.sub(r"\d", "", clause))[-10:]


def figures(text: str) -> list[Figure]:
    """Every number the text states: arabic quantities, and Chinese numerals with a measure word (三次,
    两所, 九成 = 90, 百分之九十 = 90). A bare 一 (一是, 一批) and ordinals (第三) are idiom, not figures."""
    for slogan in SLOGANS:
        text = text.replace(slogan, "＿" * len(slogan))
    found = [Figure(format_number(q.value), q.unit, _noun_before(text, q.start), q.text) for q in quantities(text)]
    for m in _CN_NUMBER.finditer(text):
        value = chinese_number(m.group("num"))
        unit = m.group("unit") or ""
        if value is None or text[max(0, m.start() - 1) : m.start()] == "第" or not (unit or m.group("pct")):
            continue
        if value == 1 and not m.group("pct"):
            continue
        if unit == "成":
            value, unit = value * 10, "%"
        unit = "%" if m.group("pct") else unit
        found.append(Figure(format_number(value), unit, _noun_before(text, m.start()), m.group(0)))
    return found


def stated_numbers(text: str) -> set[str]:
    """Every number of a text, in digits and in Chinese numerals (see `figures`), normalised."""
    return numbers_in(text) | {f.value for f in figures(text)}


def _pairs(text: str) -> set[str]:
    chars = "".join(_PAIRS.findall(text))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def _same_unit(a: str, b: str) -> bool:
    return a == b or not a or not b


def _same_noun(a: str, b: str) -> bool:
    """Whether two figures count the same thing; one with no noun of two characters or more may be anything."""
    pa, pb = _pairs(a), _pairs(b)
    return not pa or not pb or bool(pa & pb)


def misattached(text: str, sources: Iterable[str]) -> list[str]:
    """Figures of `text` attached to another noun or unit than every statement of that value in `sources`
    ("培训86次" when the notes say "培训2次，参训86人次"); values no source states in words are skipped."""
    stated: dict[str, list[Figure]] = {}
    for source in sources:
        for f in figures(source):
            stated.setdefault(f.value, []).append(f)
    wrong = []
    for f in figures(text):
        known = stated.get(f.value)
        if not known:
            continue
        if not any(_same_unit(f.unit, k.unit) and _same_noun(f.noun, k.noun) for k in known):
            wrong.append(f.text)
    return wrong


def dropped(text: str, bullets: Iterable[str]) -> list[str]:
    """Bullets of the notes whose facts the text does not carry: a figure missing, or too few of its words."""
    found, pairs = stated_numbers(text), _pairs(text)
    lost = []
    for bullet in bullets:
        need = _pairs(bullet)
        missing_figure = stated_numbers(bullet) - found
        if missing_figure or (need and len(need & pairs) / len(need) < NOTE_COVERAGE):
            lost.append(bullet)
    return lost


def unsupported(text: str, sources: Iterable[str], org: str = "") -> list[str]:
    """Clauses of `text` that neither the sources nor the register account for: facts the model added
    in words ("约谈两所学校")."""
    known = _pairs("".join(sources) + REGISTER + org)
    out = []
    for sentence in re.split(r"[。；;！？，,\n]", text):
        pairs = _pairs(sentence)
        if len(sentence) >= SUPPORT_MIN_CHARS and pairs and len(pairs & known) / len(pairs) < SUPPORT:
            out.append(sentence)
    return out


def foreign(text: str, notes: str) -> list[str]:
    """Words in another script (Latin, kana…) the notes do not use, and traditional characters."""
    words = [w for w in _LATIN.findall(text) if w.lower() not in notes.lower()]
    trad = sorted({ch for ch in text if ch in TRADITIONAL})
    return words[:3] + ["".join(trad)] if trad else words[:3]


@dataclass(frozen=True)
class Reference:
    """What a unit's text is checked against: the numbers allowed, the notes' bullets, the sources of
    figures with their nouns (the bullets and the table sentences), and the whole notes text."""

    allowed: set[str]
    bullets: list[str]
    sources: list[str]
    notes: str
    org: str = ""


def faults(text: str, ref: Reference) -> list[str]:
    """Why the text cannot go into a report, in Chinese; [] when it can."""
    out = []
    if not text.strip():
        out.append("大模型返回内容为空")
    if found := foreign(text, ref.notes):
        out.append(f"含非简体中文内容（{'、'.join(found)}）")
    if meta := [p for p in META_PHRASES if p in text and p not in ref.notes]:
        out.append(f"含与报告无关的说明或拒答（“{meta[0].rstrip('，。：')}”）")
    if any(h in text for h in _HEADINGS) or _PART_HEADING.search(text):
        out.append("正文中重复了标题")
    if bad := sorted(stated_numbers(text) - ref.allowed, key=lambda n: (len(n), n)):
        out.append(f"含要点和统计表中没有的数字（{'、'.join(bad)}）")
    if vague := [w for w in VAGUE_AMOUNTS if w in text and w not in ref.notes]:
        out.append(f"含要点中没有的约数说法（{'、'.join(vague)}）")
    if added := unsupported(text, [*ref.sources, ref.notes], ref.org):
        out.append(f"含要点中没有的内容（“{added[0][:20]}”）")
    if swapped := misattached(text, ref.sources):
        out.append(f"数字与所指事项不符（{'、'.join(swapped[:3])}）")
    if lost := dropped(text, ref.bullets):
        out.append(f"遗漏了要点中的内容（“{lost[0][:20]}”{'等' if len(lost) > 1 else ''}）")
    return out
