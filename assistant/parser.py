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
from .errors import CellError, UnreadableError
from .labels import (
    FINDINGS_HEADING,
    PARTS,
    SECTION_NUMERALS,
    SECTIONS,
    T3_CARRIED,
    T3_CARRY_NEXT,
    T3_COLUMNS,
    T3_NEW,
    T3_ROWS,
    T3_TOTAL,
    T4_COLUMNS,
    T4_OUTCOMES,
    TABLE2,
    Label,
    Template,
    t3_result_rows,
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
FINDINGS_RE = re.compile(rf"^[#\s]*{re.escape(FINDINGS_HEADING)}\s*$", re.M)
PART_MARK_RE = re.compile(r"[（(]\s*([一二三四五六七八九十])\s*[）)]")


def parse_file(path: str | Path) -> Report:
    return parse_document(read_file(path))


def parse_text(text: str, source: str = "粘贴文本") -> Report:
    return parse_document(read_text(text, source))


def parse_document(doc: Document) -> Report:
    text = FINDINGS_RE.split(doc.text, maxsplit=1)[0]
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


def _heading_re(numeral: str, key: str) -> re.Pattern[str]:
    # "四、" then, within the heading, the key; no digits in between (so table rows such as
    # "四、结转下年度继续办理 0 0 …" are not mistaken for a heading)
    # and the heading's tail: up to its closing 情况/事项 ("六、其他需要报告的事项"), else to the line end
    return re.compile(
        rf"{numeral}\s*[、.．，,]\s*[^\d。；\n]{{0,30}}?{_spaced(key)}(?:[^\d。；，\n]{{0,12}}?(?:情况|事项|措施)|[^\d。；，\n]{{0,12}}(?=\n))?"
    )


def _section_spans(text: str) -> dict[int, tuple[int, int, int]]:
    """Section index -> (heading start, body start, body end), found in order."""
    found: list[tuple[int, int, int]] = []
    pos = 0
    for i, (numeral, label) in enumerate(zip(SECTION_NUMERALS, SECTIONS, strict=True)):
        m = _heading_re(numeral, label.key).search(text, pos)
        if m:
            found.append((i, m.start(), m.end()))
            pos = m.end()
    spans = {}
    for n, (i, start, body) in enumerate(found):
        end = found[n + 1][1] if n + 1 < len(found) else len(text)
        spans[i] = (start, body, end)
    return spans


def _narrative(i: int, body: str) -> str:
    """A section's own words (PDF page breaks dropped): for the table sections (二/三/四) the text
    before the table."""
    if anchor := TABLE_ANCHORS.get(i):
        m = anchor.search(body)
        body = body[: m.start()] if m else body
    return "\n".join(line for line in body.split("\n") if line != PAGE_BREAK).strip()


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


def _find_rows(text: str, labels: Sequence[Label]) -> dict[str, str]:
    """Label -> the raw value text after it, labels found in order."""
    hits: list[tuple[str, int, int]] = []
    pos = 0
    for label in labels:
        m = _label_re(label).search(text, pos)
        if m:
            hits.append((label.text, m.start(), m.end()))
            pos = m.end()
    raw = {}
    for n, (label, _, end) in enumerate(hits):
        stop = hits[n + 1][1] if n + 1 < len(hits) else len(text)
        raw[label] = _value_text(text[end:stop])
    return raw


def _value_text(segment: str) -> str:
    """The value cells at the start of a segment: skip the rest of the label, stop at the next words."""
    i = 0
    while i < len(segment) and segment[i] not in VALUE_START:
        i += 1
    if segment[i : i + 1] == "\t":  # a table row's cells are delimited: words such as "无" are cells too
        cells = segment[i:].split("\n", 1)[0].split("\t")
        n = next((k for k, c in enumerate(cells) if isinstance(_cell(c.strip()), str) and not _DIGITS.search(c)), None)
        return "\t".join(cells[:n])
    j = i
    while j < len(segment) and segment[j] in VALUE_CHARS:
        j += 1
    return segment[i:j]


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
    if n == 0:
        if not digits:
            yield ()
        return
    if group:
        for head in _cuts(digits, group - 1):
            used = sum(len(str(v)) for v in head)
            total = str(sum(head))
            if digits.startswith(total, used):
                for rest in _splits(digits[used + len(total) :], n - group, group):
                    yield (*head, int(total), *rest)
        return
    for head in _cuts(digits, n):
        if sum(len(str(v)) for v in head) == len(digits):
            yield head


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
    if digits.isdigit() and len(cells) < n + 1:
        return _dedupe(_splits(digits, n, group))
    return []


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
    raw = _find_rows(text, labels)
    if not raw:
        return {}
    widths = {row.text: len(item.columns) for item in TABLE2[template] for row in item.rows}
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


def _table3(text: str, template: Template, findings: list[Finding]) -> dict[str, list[Cell]]:
    labels = T3_ROWS[template]
    raw = _find_rows(text, labels)
    if len(raw) < len(labels) // 2:
        return {}
    n = len(T3_COLUMNS)
    options: dict[str, list[Row]] = {}
    for label in labels:
        values = raw.get(label.text, "")
        readings = _readings(values, n, group=n)
        if not readings:
            findings.append(_unreadable("table3", label.text, values))
            readings = [(None,) * n]
        options[label.text] = readings
    chosen = _choose(options, template, findings)
    # rows of a table whose cells, as printed, are not the reading the table identities chose
    shifted = [
        f"「{label}」（{sum(1 for t in _tokens(raw[label], n) if t)} 个数）"
        for label in options
        if "\t" in raw.get(label, "") and list(chosen[label]) != _printed(raw[label], n)
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
    return {label: list(row) for label, row in chosen.items()}


def _printed(values: str, n: int) -> list[Cell | str]:
    """A row's cells exactly as printed (all blank when it has none)."""
    return [_cell(t) for t in _tokens(values, n)] or [None] * n


def _t3_score(table: dict[str, Row], template: Template) -> int:
    """How many column identities of 表三 hold (columns with blanks are not counted)."""
    results = t3_result_rows(template)
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
    """表四's 15 numbers: those after the last header word, split so each group's 总计 holds."""
    header_end = max((m.end() for m in re.finditer(_spaced(T4_OUTCOMES[-1]), text)), default=-1)
    if header_end < 0:
        return []
    values = _value_text(text[header_end:])
    n = len(T4_COLUMNS)
    readings = _readings(values, n, group=len(T4_OUTCOMES), after_label=False)
    if len(readings) == 1:
        return list(readings[0])
    if not readings:
        findings.append(_unreadable("table4", "数据", values))
    else:
        findings.append(
            Finding(
                rule="P-AMBIGUOUS",
                severity="warning",
                message=f"表四的数字连在一起（“{values.strip()}”），有 {len(readings)} 种拆分方式都符合各组总计，"
                "无法确定，已按空白处理，请核对原表",
                where=Location(table="table4"),
            )
        )
    return [None] * n
