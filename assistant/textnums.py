"""Numbers in Chinese report text: sentences, quantities with their unit words, normalised numbers, and the
value of a number written in Chinese numerals.

Shared by the checker (narrative vs tables, "其中" parts vs wholes) and by drafting's faithfulness
guard, so both read numbers the same way. `quantities` reads arabic numerals only ("三件" is not a quantity
to the checker); `chinese_number` gives a Chinese numeral's value to the guard and the question parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cells import format_number

_BREAKS = "。！？；;!?\n"  # with the ASCII forms NFKC turns ；！？ into
_OPEN, _CLOSE = "“「『《", "”」』》"

# Unit words after a number, longest first so "人次" wins over "人" and "万元" over "万".
UNITS: tuple[str, ...] = (
    "人次", "万元", "亿元", "条次", "个次", "件次", "家次",
    "件", "条", "次", "个", "篇", "期", "场", "项", "家", "份", "户", "人", "名", "元", "起", "宗",
    "批", "类", "部", "套", "本", "册", "张", "幅", "条（次）", "天", "小时", "分钟", "字", "%",
)  # fmt: skip
_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_APPROX_BEFORE = ("约", "近", "超过", "逾", "大约")
_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)"
    r"\s*(?P<mult>万|亿)?\s*(?P<approx>余|多)?\s*"
    r"(?P<unit>" + _UNIT_RE + r"|％)?"
)
# numbers that are not quantities: years, dates, article numbers, numbering, codes, phone numbers
_YEAR_FOLLOW = re.compile(r"\s*(年|月|日|号)")
_NUMBERING_AT = re.compile(r"(?:^|[\n。；：:，,\s（(])$")


@dataclass(frozen=True)
class Quantity:
    """A number stated in the text with its unit; `approx` for 余/多/约/近/超过 ("500 余条": at least 500)."""

    value: float
    text: str
    unit: str
    approx: bool
    start: int
    end: int


def sentences(text: str) -> list[str]:
    """Split on 。！？； (and ;!?) and line breaks, never inside “…”/《…》 quotes (a slogan stays whole)."""
    out: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _BREAKS and (depth == 0 or ch == "\n"):
            depth = 0 if ch == "\n" else depth
            out.append(text[start : i + 1])
            start = i + 1
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


_MIN_WRAPPED = 15  # a hard-wrapped line is a full line; a short one is a heading or a list item
_PAGE_NUMBER = re.compile(r"^\s*[-—–]\s*\d+\s*[-—–]\s*$")
_LINE_START_MARK = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．]|[-•·*])"
)


def unwrap(text: str) -> str:
    """Join lines hard-wrapped by PDF extraction, so a sentence broken over lines is one sentence again.

    A full-width line is joined to the next when it does not end a sentence and the next line does not
    start a heading or a list item; page-number lines ("- 1 -") are dropped; blank lines stay breaks.
    """
    lines = [ln for ln in text.split("\n") if not _PAGE_NUMBER.match(ln)]
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        wrapped = len(prev.strip()) >= _MIN_WRAPPED and prev.rstrip()[-1] not in "。！？；：:;!?"
        if wrapped and line.strip() and not _LINE_START_MARK.match(line):
            out[-1] = prev.rstrip() + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _is_not_quantity(text: str, m: re.Match[str]) -> bool:
    """Years, dates, 第N条/号, "1." numbering, codes (0517-8360, a.com) are not quantities."""
    start, end = m.start("num"), m.end("num")
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    if before.endswith(("第", "第 ")) or _YEAR_FOLLOW.match(text, end) and not m.group("unit"):
        return True
    if (before[-1:] in "-/.:_@" and before[-1:]) or after[:1] in "-/@_" or re.match(r"[A-Za-z]", after[:1]):
        return True
    if re.match(r"[.、．]\D", text[end : end + 2]) and _NUMBERING_AT.search(text[:start]):
        return True
    return bool(re.match(r"\s*[）)]", text[end:]) and re.search(r"[（(]\s*$", text[:start]))


def _value(m: re.Match[str]) -> float:
    value = float(m.group("num").replace(",", ""))
    return value * {"万": 1e4, "亿": 1e8}.get(m.group("mult") or "", 1)


def quantities(text: str) -> list[Quantity]:
    """Arabic numbers used as quantities (1,234 / 12.5 / 100% / 3.2万), with the unit word after.

    Years ("2022年"), dates, 第N条/号, list numbering ("1.", "（1）") and codes are skipped.
    """
    found: list[Quantity] = []
    for m in _NUMBER.finditer(text):
        if _is_not_quantity(text, m):
            continue
        unit = (m.group("unit") or "").replace("％", "%")
        approx = bool(m.group("approx"))
        approx = approx or text[max(0, m.start() - 2) : m.start()].rstrip().endswith(_APPROX_BEFORE)
        end = m.end() if m.group("unit") else m.end("approx") if m.group("approx") else m.end("num")
        if m.group("mult") and not m.group("unit") and not m.group("approx"):
            end = m.end("mult")
        found.append(Quantity(_value(m), text[m.start() : end], unit, approx, m.start(), end))
    return found


def numbers_in(text: str) -> set[str]:
    """Every arabic number in the text, as `cells.format_number` prints it, for a faithfulness guard.

    Unlike `quantities`, years, dates and article numbers ARE included (a wrong year is unfaithful
    too); 万/亿 multiply, "%" is dropped ("100%" → "100").
    """
    return {format_number(_value(m)) for m in _NUMBER.finditer(text)}


# ── Chinese numerals ────────────────────────────────────────────────────────────────────────

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
CHINESE_NUMERALS = "".join([*_CN_DIGIT, *_CN_UNIT, *_CN_BIG])


def chinese_number(numeral: str) -> int | None:
    """A Chinese numeral's value: 三 → 3, 十二 → 12, 一百零五 → 105, 三千 → 3000, 二〇二四 → 2024."""
    if all(ch in _CN_DIGIT for ch in numeral):
        return int("".join(str(_CN_DIGIT[ch]) for ch in numeral)) if len(numeral) > 1 else _CN_DIGIT[numeral]
    total, section, digit = 0, 0, None
    for ch in numeral:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            section += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        elif ch in _CN_BIG:
            total += (section + (digit or 0)) * _CN_BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)
