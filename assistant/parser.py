"""Build a `Report` from a document's text, whatever the file did to its tables.

Readers give one text form (tables as tab-separated lines). The parser keys on official labels (labels.py)
found in order with whitespace allowed between characters, takes the value cells after each label, and
reads each table row into candidate readings:

- separated cells: one reading; a row one cell short or long (cells shifted by a web copy) gets every
  reading that keeps the row total;
- digits run together ("640020470"): every split into the row's cells that keeps the row total.

The readings of all rows are then chosen jointly so that the table identities (the 勾稽关系 per column,
（七）总计 = the result rows) hold for as many columns as possible. When more than one choice fits equally
well, the parser says so in a P-AMBIGUOUS finding instead of guessing silently.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from .cells import BLANK_CHARS, Number, parse_cell
from .checks.base import COLLAPSED_SIX, result_rows, unprinted_rows
from .errors import CellError, UnreadableError
from .labels import (
    FINDINGS_HEADING,
    PARTS,
    SECTIONS,
    T3_CARRIED,
    T3_CARRY_NEXT,
    T3_COLUMNS,
    T3_NEW,
    T3_ROWS,
    T3_TOTAL,
    T4_COLUMNS,
    T4_GROUPS,
    T4_OUTCOMES,
    TABLE2,
    Label,
    Template,
    t4_group,
)
from .readers import PAGE_BREAK, Document, read_file, read_text
from .report import Finding, Report
from .tables import TABLE_NAMES, Location, TableName

Cell = Number | None
Row = tuple[Cell, ...]

VALUE_START = set("0123456789+\t" + BLANK_CHARS)
VALUE_CHARS = VALUE_START | set(".,， \n")
_RUN_TOGETHER = re.compile(r"[-+]?0\d+")
_DIGITS = re.compile(r"\d")
MAX_DIGITS = 7  # no cell of these tables is a count of ten million or more
MAX_COMBINATIONS = 200_000
MAX_INCONSISTENT = 60  # readings of a run whose totals fail, beyond which the row is left blank
_ORG = r"([\u4e00-\u9fff（）()]{2,40}?)"
_YEAR = r"(\d{4})\s*年度?"
# "XX局2023年政府信息公开工作年度报告", "2023年度XX局政府信息公开工作年度报告", "XX局政府信息公开工作2023年度报告"
TITLE_RES = (
    (re.compile(_ORG + r"\s*" + _YEAR + r"\s*政府信息公开工作年度报告"), 1, 2),
    (re.compile(_YEAR + r"\s*" + _ORG + r"\s*政府信息公开工作年度报告"), 2, 1),
    (re.compile(_ORG + r"\s*政府信息公开工作\s*" + _YEAR + r"\s*报告"), 1, 2),
)
YEAR_RE = re.compile(r"(?<!\d)(20[12]\d)\s*年")
PERIOD_RE = re.compile(r"统计(?:期限|时限|期间|时间)[^。]{0,12}?(\d{4})\s*年\s*1\s*月\s*1\s*日")
TEMPLATE_2019_RE = re.compile(r"本年新制作数量|上一年项目数量|采购总金额|其他对外管理服务事项")
# where the table of section 二/三/四 starts (section index -> first words of the table)
TABLE_ANCHORS = {
    1: re.compile(r"第\s*二\s*十\s*条|信息内容"),
    2: re.compile(r"[（(]\s*本\s*列|申\s*请\s*人\s*情\s*况|本\s*年\s*新\s*收"),
    3: re.compile(r"行\s*政\s*复\s*议\s*\t|行\s*政\s*复\s*议\s*行\s*政\s*诉\s*讼|结\s*果\s*维\s*持"),
}
# a page footer ("— 5 —", "- 4 -", "第 3 页 共 8 页") is never content, even inside a table
FOOTER_RE = re.compile(
    r"^[ \t]*(?:[-—–－]+[ \t]*\d{1,3}[ \t]*[-—–－]+|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[/／共][ \t]*\d{1,3}[ \t]*页)?)"
    r"[ \t]*$",
    re.M,
)
# header words of 表三, which an extraction may repeat above every row
T3_HEADER_WORDS = frozenset([*T3_COLUMNS, "申请人情况", "法人或其他组织"])
FINDINGS_RE = re.compile(rf"^[#\s]*{re.escape(FINDINGS_HEADING)}\s*$", re.M)
# a closing 落款: a short line naming the body (no sentence punctuation), then the date, at the very end
SIGNATURE_RE = re.compile(r"(?:\n[^\n。；，,]{2,40})?\n\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
PART_MARK_RE = re.compile(r"[（(]\s*([一二三四五六七八九十])\s*[）)]")


def parse_file(path: str | Path) -> Report:
    return parse_document(read_file(path))


def parse_text(text: str, source: str = "粘贴文本") -> Report:
    return parse_document(read_text(text, source))


def parse_document(doc: Document) -> Report:
    text = FOOTER_RE.sub("", FINDINGS_RE.split(doc.text, maxsplit=1)[0])
    findings: list[Finding] = []
    title, org, year = _title(text)
    period = PERIOD_RE.search(text)
    spans = _section_spans(text)
    sections = {SECTIONS[i].text: _narrative(i, text[body:end]) for i, (_, body, end) in spans.items()}
    printed = {SECTIONS[i].text: text[start:body].strip() for i, (start, body, _) in spans.items()}

    def region(i: int) -> str:
        """The text of section i (0-based), or the whole text when the heading was not found."""
        return text[spans[i][1] : spans[i][2]] if i in spans else text

    t2_text, t3_text, t4_text = region(1), region(2), region(3)
    if 1 not in spans and not TABLE_ANCHORS[1].search(text):
        t2_text = ""  # no 表二 heading nor header: 行政许可 in the narrative is no table row
    template = _template(t2_text, t3_text, year)
    table3 = _table3(t3_text, template, findings)
    if not spans and not table3:
        raise UnreadableError(
            f"“{doc.source}”不像是政府信息公开工作年度报告：没有找到“一、总体情况”等章节标题，也没有找到统计表"
        )
    return Report(
        title=title,
        org=org,
        year=year,
        template=template,
        sections=sections,
        printed_headings=printed,
        parts=_parts(sections.get(SECTIONS[0].text, "")),
        table2=_table2(t2_text, template, findings),
        table3=table3,
        table4=_table4(t4_text, findings),
        period_year=int(period.group(1)) if period else None,
        source=doc.source,
        parse_findings=findings,
    )


# ── title, sections, parts ──────────────────────────────────────────────────────────────────


def _title(text: str) -> tuple[str, str, int | None]:
    """Title, body and year from the earliest title-like phrase; the year alone when there is none."""
    hits = [(m, o, y) for regex, o, y in TITLE_RES if (m := regex.search(text))]
    if not hits:
        years = YEAR_RE.findall(text[:3000])
        year = int(max(set(years), key=years.count)) if years else None
        return "", "", year
    m, o, y = min(hits, key=lambda hit: hit[0].start())
    org = re.sub(r"^(?:标题|题目|关于)", "", m.group(o)).strip("（）() ")
    return f"{org}{m.group(y)}年政府信息公开工作年度报告", org, int(m.group(y))


def _spaced(fragment: str) -> str:
    """A regex for a fragment that tolerates whitespace (wrapped lines) between its characters."""
    return r"\s*".join(re.escape(ch) for ch in fragment)


# what each section's title says (labels.SECTIONS order), whatever number the report gives it
SECTION_TITLES = (
    "总体情况",
    "主动公开政府信息|主动公开情况",
    "收到和处理|受理和处理|依申请公开|政府信息公开申请的?(?:办理|处理|受理)",
    "行政复议|行政诉讼",
    "存在的?(?:主要)?问题|问题[及和与]|改进情况|整改",
    "其他需要?报告|其他应当报告|其他事项",
)
_NUMERAL = "[一二三四五六七八九十]"
# a heading's tail: up to its closing 情况/事项/措施 ("六、其他需要报告的事项"), else to the line end
_HEADING_TAIL = r"(?:[^\d。；，\n]{0,12}?(?:情况|事项|措施)|[^\d。；，\n]{0,12}(?=\n))?"


def _heading_res(title: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A numbered heading with the title ("三、收到和处理…", any numeral: reports renumber), and the
    title alone on a line ("存在的主要问题及改进情况"). No digits between the numeral and the title, so
    table rows such as "四、结转下年度继续办理 0 0 …" are not mistaken for a heading."""
    words = re.sub(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", r"\\s*", title)  # wrapped lines
    numbered = re.compile(rf"{_NUMERAL}\s*[、.．，,]\s*[^\d。；\n]{{0,30}}?(?:{words}){_HEADING_TAIL}")
    alone = re.compile(rf"(?m)^[#*\s]*(?:{words})[^\d。；\n]{{0,20}}$")
    return numbered, alone


_HEADINGS = tuple(_heading_res(_title) for _title in SECTION_TITLES)


def _section_spans(text: str) -> dict[int, tuple[int, int, int]]:
    """Section index -> (heading start, body start, body end), in printed order: found in the official order
    by title, then a numbered heading not found that way is looked for anywhere outside the headings found
    (a section printed out of order, "五、存在的主要问题" before "四、…行政复议"), for S-SECTION-ORDER to name."""
    found: list[tuple[int, int, int]] = []
    pos = 0
    for i, (numbered, alone) in enumerate(_HEADINGS):
        m = numbered.search(text, pos) or alone.search(text, pos)
        if m:
            found.append((i, m.start() + len(m.group()) - len(m.group().lstrip("#* \n")), m.end()))
            pos = m.end()
    for i in sorted(set(range(len(_HEADINGS))) - {f[0] for f in found}):
        inside = [(start, body) for _, start, body in found]
        m = next((m for m in _HEADINGS[i][0].finditer(text) if not any(a <= m.start() < b for a, b in inside)), None)
        if m:
            found.append((i, m.start(), m.end()))
    found.sort(key=lambda f: f[1])
    spans = {}
    for n, (i, start, body) in enumerate(found):
        end = found[n + 1][1] if n + 1 < len(found) else len(text)
        spans[i] = (start, body, end)
    return spans


def _narrative(i: int, body: str) -> str:
    """A section's own words (PDF page breaks dropped): for the table sections (二/三/四) the text
    before the table; for the last section, without the 落款 (body and date) that may close the report."""
    if anchor := TABLE_ANCHORS.get(i):
        m = anchor.search(body)
        body = body[: m.start()] if m else body
    text = "\n".join(line for line in body.split("\n") if line != PAGE_BREAK).strip()
    return SIGNATURE_RE.sub("", text).strip() if i == len(SECTIONS) - 1 else text


def _parts(overview: str) -> dict[str, str]:
    """总体情况's parts, by their （一）…（五） headings when those name a part's key word."""
    marks = list(PART_MARK_RE.finditer(overview))
    parts: dict[str, str] = {}
    for n, m in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(overview)
        chunk = overview[m.start() : end]
        head = chunk[:24]
        for part in PARTS:
            if part.key in head and part.text not in parts:
                parts[part.text] = chunk.strip()
                break
    return parts


def _template(t2_text: str, t3_text: str, year: int | None) -> Template:
    if TEMPLATE_2019_RE.search(t2_text):
        return "2019"
    if re.search(_spaced("无正当理由逾期"), t3_text) or "本年制发件数" in t2_text:
        return "2021"
    return "2019" if year is not None and year < 2021 else "2021"


# ── cells ───────────────────────────────────────────────────────────────────────────────────


def _label_re(label: Label) -> re.Pattern[str]:
    """A row label, tolerant of wrapping: its key, or for a numbered sub-row ("2.重复申请") its number
    and first two characters, since a wrapped label may have its cells printed between its halves."""
    m = re.match(r"(\d)\.(\w\w)", label.text)
    if not m:
        return re.compile(_spaced(label.key))
    number = rf"(?:{m.group(1)}\s*[.．、]|[（(]\s*{m.group(1)}\s*[）)])\s*"
    return re.compile(rf"{number}{_spaced(m.group(2))}|(?:{number})?[^\d\t\n]{{0,24}}?{_spaced(label.key)}")


def _find_rows(text: str, labels: Sequence[Label], widths: dict[str, int]) -> dict[str, str]:
    """Label -> the raw value text of its row, labels found in order.

    A row's values are those on the label's own line; a label with none takes the next value line
    after it that no label claims (a block of labels printed before a block of value rows, or a label
    above its own small table). Value lines left over before a label that was not found (a typo in its
    key words) are given to the missing labels in order when their counts agree."""
    hits: dict[str, tuple[int, int]] = {}
    pos = 0
    for label in labels:
        m = _label_re(label).search(text, pos)
        if m:
            hits[label.text] = (m.start(), m.end())
            pos = m.end()
    starts = sorted(start for start, _ in hits.values()) + [len(text)]
    raw: dict[str, str] = {}
    pending: list[str] = []  # labels whose values are still to come
    gap: list[str] = []  # labels not found since the last label found
    orphans: list[str] = []  # value lines no label claimed since then
    for label in labels:
        if label.text not in hits:
            gap.append(label.text)
            continue
        raw.update(zip(gap, orphans, strict=True) if len(gap) == len(orphans) else ())
        gap, orphans = [], []
        start, end = hits[label.text]
        own, lines = _segment_values(text[end : starts[starts.index(start) + 1]], widths[label.text])
        if own:
            raw[label.text] = own
        else:
            pending.append(label.text)
        for line in lines:
            if pending:
                raw[pending.pop(0)] = line
            else:
                orphans.append(line)
    raw.update(zip(gap, orphans, strict=True) if len(gap) == len(orphans) else ())
    return raw


_NUMBERING = re.compile(r"^\s*(?:\d+\s*[.．、]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|[一二三四五六七八九十]+\s*、)")


def _segment_values(segment: str, width: int) -> tuple[str, list[str]]:
    """The values on a label's own line, and the value lines after it (a label's numbering skipped)."""
    first, start, stop = _value_text(segment, width)
    # a delimited row of blank cells is a row too
    own = first if (first.strip() or "\t" in first) and "\n" not in segment[:start] else ""
    lines = [] if own or not first.strip() else [first]
    for line in segment[stop:].split("\n")[1:]:
        values, _, _ = _value_text(_NUMBERING.sub("", line), width)
        if _DIGITS.search(values):
            lines.append(values)
    return own, lines


def _value_text(segment: str, width: int = 0) -> tuple[str, int, int]:
    """The value cells at the start of a segment, where they start and end: skip the rest of the label,
    stop at the next words (or, with `width`, at the end of a line that already holds that many cells)."""
    i = 0
    while i < len(segment) and segment[i] not in VALUE_START:
        i += 1
    if segment[i : i + 1] == "\t":  # a table row's cells are delimited: words such as "无" are cells too
        line = segment[i:].split("\n", 1)[0]
        cells = line.split("\t")
        words = [isinstance(_cell(c.strip()), str) and not _DIGITS.search(c) for c in cells]
        # a label broken across cells, or the group column after it: label pieces before the first value
        lead = next((k for k, c in enumerate(cells) if c.strip() and not words[k]), len(cells))
        skip = max((k + 1 for k in range(lead) if words[k]), default=0)
        cells, words = ["", *cells[skip:]] if skip else cells, [False, *words[skip:]] if skip else words
        n = next((k for k, word in enumerate(words) if word), None)
        return "\t".join(cells[:n]), i, i + len(line)
    j = i
    while j < len(segment) and segment[j] in VALUE_CHARS:
        if segment[j] == "\n" and width and len(segment[i:j].split()) >= width:
            break
        j += 1
    return segment[i:j], i, j


def _tokens(values: str, n: int, after_label: bool = True) -> list[str]:
    """The cells of a row of n. A tabbed row is one line; an empty cell between tabs is a blank cell,
    but the tab that ends the label cell, and empties at either end beyond n (a copied row's trailing
    tab, a label's colspan copied as an extra tab), are layout and dropped."""
    if "\t" not in values:  # "35-15": a signed cell run into the one before it (2019 表二's 本年增/减)
        return re.sub(r"(?<=\d)-(?=\d)", " -", values).split()
    line = values.lstrip("\n").split("\n")[0]
    tokens = [t.strip() for t in line.split("\t")]
    if after_label and tokens and not tokens[0]:
        tokens.pop(0)
    while len(tokens) > n and not tokens[0]:
        tokens.pop(0)
    while len(tokens) > n and not tokens[-1]:
        tokens.pop()
    return tokens if any(tokens) else []


def _cell(token: str) -> Cell | str:
    """A token's value as printed (`cells.parse_cell`), or the token itself when it is not one clean cell:
    words, or digits with a leading zero ("0520"), which are cells run together."""
    if _RUN_TOGETHER.fullmatch(token):
        return token
    try:
        return parse_cell(token, kind=None)
    except CellError:
        return token


def _splits(digits: str, n: int, group: int = 0) -> Iterator[Row]:
    """Every way to cut a digit run into n numbers without leading zeros; with `group`, every
    consecutive `group` numbers end in their sum (a row total), which prunes the search hard."""
    if not group:
        yield from _partitions(digits, n)
        return
    if n == 0:
        if not digits:
            yield ()
        return
    for head in _cuts(digits, group - 1):
        used = sum(len(str(v)) for v in head)
        total = str(sum(head))
        if digits.startswith(total, used):
            for rest in _splits(digits[used + len(total) :], n - group, group):
                yield (*head, int(total), *rest)


def _partitions(digits: str, n: int) -> Iterator[Row]:
    """Every cut of a whole digit run into exactly n numbers (no leading zeros, at most MAX_DIGITS each)."""
    if not n <= len(digits) <= n * MAX_DIGITS:
        return
    if n == 0:
        yield ()
        return
    longest = 1 if digits.startswith("0") else min(MAX_DIGITS, len(digits) - n + 1)
    for k in range(1, longest + 1):
        for rest in _partitions(digits[k:], n - 1):
            yield (int(digits[:k]), *rest)


def _cuts(digits: str, n: int) -> Iterator[tuple[int, ...]]:
    """Every run of n leading numbers of a digit string (not necessarily using it all)."""
    if n == 0:
        yield ()
        return
    longest = 1 if digits.startswith("0") else min(MAX_DIGITS, len(digits))
    for k in range(1, longest + 1):
        for rest in _cuts(digits[k:], n - 1):
            yield (int(digits[:k]), *rest)


def _row_total_ok(row: Row) -> bool:
    return None in row or sum(row[:-1]) == row[-1]  # type: ignore[arg-type]


def _groups_kept(row: Row, group: int) -> int:
    """How many of a row's `group`-cell groups end in their total."""
    return sum(_row_total_ok(row[i : i + group]) for i in range(0, len(row), group))


def _readings(values: str, n: int, group: int = 0, after_label: bool = True) -> list[Row]:
    """Candidate readings of one row of n cells, the row as printed first when it reads cleanly;
    with `group`, each `group` cells end in their total."""
    tokens = _tokens(values, n, after_label)
    if not tokens:
        return [(None,) * n]
    cells = [_cell(t) for t in tokens]
    readings: list[Row] = []
    if not any(isinstance(c, str) for c in cells):
        if len(cells) == n:
            readings.append(tuple(cells))  # type: ignore[arg-type]
        # a row one cell short or long (a web copy shifted it; its trailing empty may be layout)
        numbers = cells[:-1] if len(cells) == n and cells[-1] is None else cells
        if group == n and abs(len(numbers) - n) == 1 and all(isinstance(c, int) for c in numbers):
            readings += _shifted(numbers, n)  # type: ignore[arg-type]
        if readings:
            return _dedupe(readings)
    digits = "".join(tokens)
    if re.fullmatch(r"\d+\.\d+", digits) and not group and len(cells) <= n:  # an amount ends the run
        head, fraction = digits.split(".")
        return [(*row[:-1], float(f"{row[-1]}.{fraction}")) for row in _partitions(head, n)]
    if not group and len(tokens) < n and all(re.fullmatch(r"[-+]?\d+", t) for t in tokens) and not digits.isdigit():
        return _dedupe(_signed_splits(tokens, n))
    if not digits.isdigit() or len(cells) > n:
        return []
    # what is printed is read even when it is wrong: with no split keeping the totals, every split is a
    # reading (a run of exactly n digits has one), and the checker reports the totals that fail
    return _dedupe(_splits(digits, n, group)) or _dedupe(itertools.islice(_splits(digits, n), MAX_INCONSISTENT + 1))


def _signed_splits(tokens: list[str], n: int) -> Iterator[Row]:
    """Readings of signed runs ("2648", "-18538" for 3 cells): each token cut into one or more cells, its
    sign on its first cell (2019 表二's 本年增/减 printed into the cells around it)."""
    if not tokens:
        if n == 0:
            yield ()
        return
    sign, digits = (-1 if tokens[0][0] == "-" else 1), tokens[0].lstrip("+-")
    for k in range(1, n - len(tokens) + 2):
        for head in _partitions(digits, k):
            for rest in _signed_splits(tokens[1:], n - k):
                yield (sign * head[0], *head[1:], *rest)


def _shifted(cells: list[int], n: int) -> Iterator[Row]:
    """Readings of a row with one cell lost or one stray cell, that keep the row total."""
    if len(cells) == n - 1:
        yield (*cells, sum(cells))  # the total was lost
        for k in range(n - 1):  # an applicant cell was lost
            value = cells[-1] - sum(cells[:-1])
            if value >= 0:
                yield (*cells[:k], value, *cells[k:])
    else:
        for k in range(len(cells)):
            row = (*cells[:k], *cells[k + 1 :])
            if _row_total_ok(row):
                yield row


def _dedupe(rows: Iterator[Row] | list[Row]) -> list[Row]:
    return list(dict.fromkeys(rows))


# ── tables ──────────────────────────────────────────────────────────────────────────────────


def _table2(text: str, template: Template, findings: list[Finding]) -> dict[str, list[Cell]]:
    labels = [row for item in TABLE2[template] for row in item.rows]
    widths = {row.text: len(item.columns) for item in TABLE2[template] for row in item.rows}
    raw = _find_rows(text, labels, widths)
    if not raw:
        return {}
    table: dict[str, list[Cell]] = {}
    for label in labels:
        n = widths[label.text]
        readings = _readings(raw.get(label.text, ""), n)
        if len(readings) == 1:
            table[label.text] = list(readings[0])
            continue
        table[label.text] = [None] * n
        if readings:
            findings.append(
                Finding(
                    rule="P-AMBIGUOUS",
                    severity="warning",
                    message=f"表二「{label.text}」行的数字连在一起（“{raw[label.text].strip()}”），"
                    f"有 {len(readings)} 种拆分方式，无法确定，已按空白处理，请核对原表",
                    where=Location(table="table2", row=label.text),
                )
            )
        else:
            findings.append(_unreadable("table2", label.text, raw.get(label.text, "")))
    return table


def _unreadable(table: TableName, label: str, raw: str) -> Finding:
    return Finding(
        rule="P-UNREADABLE",
        severity="warning",
        message=f"{TABLE_NAMES[table]}「{label}」行的数字无法识别（“{raw.strip()}”），已按空白处理，请核对原表",
        where=Location(table=table, row=label if table != "table4" else None),
    )


_SIX_SUB_ROWS = re.compile(f"{_spaced('无正当理由逾期')}|{_spaced('逾期未按收费')}")
_SIX_ROW = re.compile(rf"[（(]\s*六\s*[）)]\s*{_spaced('其他处理')}")


def _t3_labels(text: str, template: Template) -> list[Label]:
    """表三's row labels as this report prints them: 2021's （六） sub-rows, or （六） as one row."""
    labels = list(T3_ROWS[template])
    if template == "2021" and _SIX_ROW.search(text) and not _SIX_SUB_ROWS.search(text):
        unprinted = unprinted_rows({COLLAPSED_SIX: None}, template)
        at = next(i for i, label in enumerate(labels) if label.text == unprinted[0])
        labels = [*labels[:at], Label(COLLAPSED_SIX, "其他处理"), *(r for r in labels[at:] if r.text not in unprinted)]
    return labels


def _table3(text: str, template: Template, findings: list[Finding]) -> dict[str, list[Cell]]:
    labels = _t3_labels(text, template)
    n = len(T3_COLUMNS)
    raw = _find_rows(_without_headers(text), labels, dict.fromkeys((label.text for label in labels), n))
    if len(raw) < len(labels) // 2:
        return {}
    options: dict[str, list[Row]] = {}
    for label in labels:
        values = raw.get(label.text, "")
        readings = _readings(values, n, group=n)
        if label.text not in raw:
            findings.append(
                Finding(
                    rule="P-ROW-MISSING",
                    severity="warning",
                    message=f"表三未找到「{label.text}」行（行名可能有错字或缺失），已按空白处理，请核对原表",
                    where=Location(table="table3", row=label.text),
                )
            )
        elif not readings:
            findings.append(_unreadable("table3", label.text, values))
            readings = [(None,) * n]
        elif len(readings) > MAX_INCONSISTENT:  # only splits breaking the row total, too many to weigh
            findings.append(_inconsistent(Location(table="table3", row=label.text), values, readings, "行合计"))
            readings = [(None,) * n]
        options[label.text] = readings
    chosen = _choose(options, template, findings)
    # rows of a table whose cells, as printed, are not the reading the table identities chose
    shifted = [
        f"「{label}」（{sum(1 for t in _tokens(raw[label], n) if t)} 个数）"
        for label in options
        if "\t" in raw.get(label, "") and _shifted_row(raw[label], chosen[label])
    ]
    if shifted:
        findings.append(
            Finding(
                rule="P-SHIFTED",
                severity="warning",
                message=f"表三以下行的单元格数不是 {n} 个（复制时可能错列），已按行合计和表内关系补齐或去掉多余的数，"
                f"请核对原表：{'、'.join(shifted)}",
                where=Location(table="table3"),
            )
        )
    table: dict[str, list[Cell]] = {}
    for label, row in chosen.items():
        table[label] = list(row)
        if label == COLLAPSED_SIX and template == "2021":  # its sub-rows were never printed: blank, not 0
            table.update((sub, [None] * n) for sub in unprinted_rows(chosen, template))
    return table


def _without_headers(text: str) -> str:
    """表三's text without its column-header lines (repeated above each row when one table per row)."""
    lines = text.split("\n")
    return "\n".join(ln for ln in lines if not (cells := ln.split()) or not set(cells) <= T3_HEADER_WORDS)


def _shifted_row(values: str, chosen: Row) -> bool:
    """Whether a readable row's chosen reading is not its cells as printed (an unreadable one is named apart)."""
    printed = _printed(values, len(chosen))
    return not any(isinstance(c, str) for c in printed) and list(chosen) != printed


def _printed(values: str, n: int) -> list[Cell | str]:
    """A row's cells exactly as printed (all blank when it has none)."""
    return [_cell(t) for t in _tokens(values, n)] or [None] * n


def _t3_score(table: dict[str, Row], template: Template) -> int:
    """How many column identities of 表三 hold (columns with blanks are not counted)."""
    results = result_rows(table, template)
    score = 0
    for c in range(len(T3_COLUMNS)):
        new, carried = table[T3_NEW][c], table[T3_CARRIED][c]
        total, carry = table[T3_TOTAL][c], table[T3_CARRY_NEXT][c]
        if None not in (new, carried, total, carry):
            score += new + carried == total + carry  # type: ignore[operator]
        parts = [table[r][c] for r in results]
        if None not in parts and total is not None:
            score += sum(parts) == total  # type: ignore[arg-type]
    return score


def _choose(options: dict[str, list[Row]], template: Template, findings: list[Finding]) -> dict[str, Row]:
    """Pick one reading per row so that the most column identities hold; report real ties."""
    open_rows = [label for label, rows in options.items() if len(rows) > 1]
    combos = 1
    for label in open_rows:
        combos *= len(options[label])
    if combos > MAX_COMBINATIONS:
        open_rows.sort(key=lambda label: len(options[label]))
        while combos > MAX_COMBINATIONS:
            label = open_rows.pop()
            combos //= len(options[label])
            findings.append(_ambiguous(label, options[label]))
            options[label] = options[label][:1]
    base = {label: rows[0] for label, rows in options.items()}
    best: list[dict[str, Row]] = []
    best_score = -1
    for choice in itertools.product(*(options[label] for label in open_rows)):
        table = {**base, **dict(zip(open_rows, choice, strict=True))}
        score = _t3_score(table, template)
        if score > best_score:
            best, best_score = [table], score
        elif score == best_score:
            best.append(table)
    chosen = best[0]
    for label in open_rows:
        alternatives = _dedupe([t[label] for t in best])
        if len(alternatives) > 1:
            findings.append(_ambiguous(label, alternatives))
    return chosen


def _ambiguous(label: str, rows: list[Row]) -> Finding:
    shown = "；".join("、".join("空" if v is None else str(v) for v in row) for row in rows[:3])
    return Finding(
        rule="P-AMBIGUOUS",
        severity="warning",
        message=f"表三「{label}」行有 {len(rows)} 种读法都符合表内关系（如 {shown}），已取第一种，请核对原表",
        where=Location(table="table3", row=label),
    )


def _table4(text: str, findings: list[Finding]) -> list[Cell]:
    """表四's 15 numbers: those after the last header word, split so each group's 总计 holds.

    A run no split of which keeps every group total is read as printed when one reading keeps the most
    groups (the checker then names the failing group); otherwise it is reported as inconsistent."""
    values = _t4_values(text)
    if values is None:
        return []
    n, group = len(T4_COLUMNS), len(T4_OUTCOMES)
    readings = _readings(values, n, group=group, after_label=False)
    kept = [_groups_kept(r, group) for r in readings]
    best = [r for r, k in zip(readings, kept, strict=True) if k == max(kept)]
    if len(best) == 1:
        return list(best[0])
    where = Location(table="table4")
    if not readings:
        findings.append(_unreadable("table4", "数据", values))
    elif max(kept) < len(T4_GROUPS):
        failing = [g for g in range(len(T4_GROUPS)) if not any(_groups_kept(r[t4_group(g)], group) for r in readings)]
        named = "、".join(f"「{T4_GROUPS[g]}」" for g in failing) or "各组"
        tried = sorted(readings, key=lambda r: -_groups_kept(r, group))
        findings.append(_inconsistent(where, values, tried, f"{named}的总计"))
    else:
        findings.append(
            Finding(
                rule="P-AMBIGUOUS",
                severity="warning",
                message=f"表四的数字连在一起（“{values.strip()}”），有 {len(readings)} 种拆分方式都符合各组总计，"
                "无法确定，已按空白处理，请核对原表",
                where=where,
            )
        )
    return [None] * n


_T4_GROUP_NAMES = (re.compile(_spaced("行政复议")), re.compile(_spaced("直接起诉")), re.compile(_spaced("复议后起诉")))


def _t4_values(text: str) -> str | None:
    """表四's value text: the numbers after its last header word 总计; or, for 表四 printed as three
    small tables (one per group, each under its name), each group's numbers joined in group order."""
    chunks: dict[int, tuple[int, str]] = {}  # value start -> (header start, values)
    for m in re.finditer(_spaced(T4_OUTCOMES[-1]), text):
        values, start, _ = _value_text(text[m.end() :])
        if values.strip():
            chunks.setdefault(m.end() + start, (m.start(), values))
    if not chunks:
        return None if not re.search(_spaced(T4_OUTCOMES[-1]), text) else ""
    found = [chunks[k] for k in sorted(chunks)]
    if len(found) != len(T4_GROUPS):
        return found[-1][1]
    groups, before = [], 0
    for header, _ in found:  # the group a small table belongs to: the last group name above it
        names = [
            (m.start(), g) for g, regex in enumerate(_T4_GROUP_NAMES) for m in regex.finditer(text, before, header)
        ]
        groups.append(max(names)[1] if names else len(groups))
        before = header
    ordered = (
        sorted(zip(groups, (v for _, v in found), strict=True))
        if len(set(groups)) == len(found)
        else enumerate(v for _, v in found)
    )
    return "\t" + "\t".join(v.strip() for _, v in ordered)


def _inconsistent(where: Location, values: str, readings: list[Row], totals: str) -> Finding:
    """A digit run that no split reads consistently: the published table itself is wrong."""
    count = f"{MAX_INCONSISTENT} 种以上" if len(readings) > MAX_INCONSISTENT else f"{len(readings)} 种"
    shown = "；".join("、".join(map(str, row)) for row in readings[:3])
    return Finding(
        rule="P-INCONSISTENT",
        severity="error",
        message=f"{where.name()}的数字连在一起（“{values.strip()}”），试过的 {count}拆分（如 {shown}）"
        f"都不能使{totals}成立：原表数字有误，已按空白处理，请核对原表",
        where=where,
    )
