"""Real reports reshaped the way extraction tools reshape published reports, for tests and the benchmark.

Each shape is a small function `Report -> str` that writes a report's title, narrative and tables as one
family of extraction output does: PDF-to-Markdown converters (pipe tables with the merged header cells as
empty cells), OCR that splits a table into one small table per row or 表四 into its three groups, layout
extraction that prints a column of labels and then the rows of numbers, a page footer inside a table,
labels without their numbering or with half-width brackets, spaces and typos, labels broken across cells,
and a 2021 table that prints （六）其他处理 as one row. The values come from the report given (the tests
give the reference tables of tests/data/expected-tables.json), so a shape never changes a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.labels import (
    SECTIONS,
    T3_COLUMNS,
    T3_ROWS,
    T4_GROUPS,
    T4_OUTCOMES,
    TABLE2,
)
from assistant.parser import parse_file
from assistant.report import Report

Shape = Callable[[Report], str]
SIX = "（六）其他处理"


def reference(path: Path, expected: dict) -> Report:
    """A real report with its reference 表三/表四 (the narrative as parsed)."""
    report = parse_file(path)
    return report.model_copy(update={"table3": expected["table3"], "table4": expected["table4"]})


def expected_table3(table3: dict, shape: str, template: str) -> dict:
    """A reference 表三 as a shape prints it: a collapsed （六） is the sum of its sub-rows, which are blank."""
    if shape != "collapsed-six" or template != "2021":
        return table3
    subs = [row.text for row in T3_ROWS["2021"] if row.group == SIX]
    out = {}
    for label, values in table3.items():
        if label == subs[0]:
            out[SIX] = [sum(table3[s][c] for s in subs) for c in range(7)]
        out[label] = [None] * 7 if label in subs else values
    return out


def _pipe(cells: list[object]) -> str:
    return "| " + " | ".join("" if c is None else str(c) for c in cells) + " |"


def _rule(width: int) -> str:
    return "|" + "---|" * width


def _numbers(values: list) -> list[str]:
    return ["" if v is None else str(v) for v in values]


# ── the tables, as each tool writes them ────────────────────────────────────────────────────


def table2_md(report: Report) -> list[str]:
    lines = []
    for item in TABLE2[report.template]:
        lines += ["", _pipe([item.heading, *[""] * len(item.columns)]), _rule(len(item.columns) + 1)]
        lines.append(_pipe(["信息内容", *item.columns]))
        lines += [_pipe([row.text, *_numbers(report.table2.get(row.text, []))]) for row in item.rows]
    return [*lines, ""]


def _t3_header() -> list[str]:
    return [
        _pipe(
            ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况", *[""] * 6]
        ),
        _rule(10),
        _pipe(["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"]),
        _pipe(["", "", "", "", *T3_COLUMNS[1:6], ""]),
    ]


def _t3_label_cells(report: Report, i: int, label: str) -> list[str]:
    """The three label columns of a converter's 表三 row: merged cells left empty after their first row."""
    row = T3_ROWS[report.template][i]
    if not row.group and label.startswith(("一、", "二、", "四、")):
        return [label, "", ""]
    first_result = i == 2
    if not row.group:
        return ["三、本年度办理结果" if first_result else "", label, ""]
    first_of_group = T3_ROWS[report.template][i - 1].group != row.group
    return ["", row.group if first_of_group else "", label]


def _t3_rows(report: Report) -> Iterator[tuple[int, str, list]]:
    for i, row in enumerate(T3_ROWS[report.template]):
        if row.text in report.table3:
            yield i, row.text, report.table3[row.text]


def table3_md(report: Report, label_cells: Callable[[Report, int, str], list[str]] = _t3_label_cells) -> list[str]:
    lines = ["", *_t3_header()]
    lines += [_pipe([*label_cells(report, i, label), *_numbers(values)]) for i, label, values in _t3_rows(report)]
    return [*lines, ""]


def table4_md(report: Report) -> list[str]:
    outcomes = list(T4_OUTCOMES)
    return [
        "",
        _pipe(["行政复议", *[""] * 4, "行政诉讼", *[""] * 9]),
        _rule(15),
        _pipe([*outcomes, "未经复议直接起诉", *[""] * 4, "复议后起诉", *[""] * 4]),
        _pipe([*[""] * 5, *outcomes, *outcomes]),
        _pipe(_numbers(report.table4)),
        "",
    ]


def table4_split(report: Report) -> list[str]:
    """表四 as three small tables, each under its group's name."""
    lines = []
    for g, group in enumerate(T4_GROUPS):
        values = report.table4[g * 5 : g * 5 + 5]
        lines += ["", f"**{group}**", "", _pipe(list(T4_OUTCOMES)), _rule(5), _pipe(_numbers(values)), ""]
    return lines


def table3_per_row(report: Report) -> list[str]:
    """表三 as one small table per row, the row's label on the line above it (OCR of a ruled table)."""
    lines = ["", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]
    for _, label, values in _t3_rows(report):
        lines += ["", label, "", _pipe(list(T3_COLUMNS)), _rule(7), _pipe(_numbers(values))]
    return [*lines, ""]


def table3_labels_then_values(report: Report) -> list[str]:
    """A column of labels, then the rows of numbers (layout extraction reading the label column first)."""
    rows = list(_t3_rows(report))
    lines = ["", "申请人情况", "自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计"]
    lines += [label for _, label, _ in rows]
    lines += [" ".join(_numbers(values)) for _, _, values in rows]
    return [*lines, ""]


# ── a whole report ──────────────────────────────────────────────────────────────────────────


def render(
    report: Report,
    table3: Callable[[Report], list[str]] = table3_md,
    table4: Callable[[Report], list[str]] = table4_md,
) -> str:
    """Title, the six sections as Markdown headings with their narrative, the tables in the given form."""
    lines = [f"# {report.title}", ""]
    tables = {1: table2_md, 2: table3, 3: table4}
    for i, section in enumerate(SECTIONS):
        lines += [f"## {section.text}", "", report.sections.get(section.text, "")]
        if i in tables:
            lines += tables[i](report)
        lines.append("")
    return "\n".join(lines)


def markdown(report: Report) -> str:
    return render(report)


def one_table_per_row(report: Report) -> str:
    return render(report, table3_per_row, table4_split)


def t4_split_three(report: Report) -> str:
    return render(report, table4=table4_split)


def labels_then_values(report: Report) -> str:
    return render(report, table3_labels_then_values)


def footer_in_table(report: Report) -> str:
    """A page footer line in the middle of 表三 and between 表四's header and numbers."""
    t3 = table3_md(report)
    t4 = table4_md(report)
    return render(report, lambda r: [*t3[:14], "", "— 5 —", "", *t3[14:]], lambda r: [*t4[:5], "- 6 -", *t4[5:]])


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七]）|\d\.)")


def _plain(label: str) -> str:
    return _NUMBERING.sub("", label)


def _half_width(label: str) -> str:
    return label.replace("（", "(").replace("）", ")").replace("、", ".")


def _spaced(label: str) -> str:
    return " ".join(label[:8]) + label[8:]


def _varied_labels(report: Report, i: int, label: str) -> list[str]:
    """Labels as OCR and converters print them: without numbering, half-width, spaced, in turn."""
    cells = _t3_label_cells(report, i, label)
    vary = (_plain, _half_width, _spaced)[i % 3]
    return [vary(c) if c else c for c in cells]


def varied_labels(report: Report) -> str:
    return render(report, lambda r: table3_md(r, _varied_labels))


TYPOS = {"掌握": "掌捱", "重复申请": "重夏申请", "国家秘密": "国家秘蜜", "公开出版物": "公开出版勿"}


def _typo_labels(report: Report, i: int, label: str) -> list[str]:
    cells = _t3_label_cells(report, i, label)
    for right, wrong in TYPOS.items():
        cells = [c.replace(right, wrong) for c in cells]
    return cells


def typo_labels(report: Report) -> str:
    return render(report, lambda r: table3_md(r, _typo_labels))


def _broken_labels(report: Report, i: int, label: str) -> list[str]:
    """A long label broken across two cells (the cell after it shifted into the group column's place)."""
    cells = _t3_label_cells(report, i, label)
    if len(label) > 12 and cells[2] == label:
        return [cells[0], cells[1], label[:7], label[7:]]
    return cells


def broken_labels(report: Report) -> str:
    return render(report, lambda r: table3_md(r, _broken_labels))


def table3_wrapped(report: Report) -> list[str]:
    """PDF text without ruling lines: "label-start v1 … v7", the label's rest on the next line."""
    lines = [""]
    for _, label, values in _t3_rows(report):
        lines.append(f"{label[:9]} {' '.join(_numbers(values))}")
        if label[9:]:
            lines.append(label[9:])
    return [*lines, ""]


def wrapped_lines(report: Report) -> str:
    return render(report, table3_wrapped)


def collapsed_six(report: Report) -> str:
    """A 2021 report printing （六）其他处理 as one row (its three sub-rows summed), as the 2019 form did."""
    if report.template != "2021":
        return markdown(report)
    subs = [row.text for row in T3_ROWS["2021"] if row.group == SIX]
    table3: dict[str, list] = {}
    for label, values in report.table3.items():
        if label == subs[0]:
            table3[SIX] = [sum(v[c] for v in (report.table3[s] for s in subs)) for c in range(7)]
        if label not in subs:
            table3[label] = values

    def rows(r: Report) -> list[str]:
        lines = ["", *_t3_header()]
        for label, values in table3.items():
            cells = ["", label, ""] if label == SIX else _t3_label_cells(r, _index(r, label), label)
            lines.append(_pipe([*cells, *_numbers(values)]))
        return [*lines, ""]

    return render(report, rows)


def _index(report: Report, label: str) -> int:
    return next(i for i, row in enumerate(T3_ROWS[report.template]) if row.text == label)


SHAPES: dict[str, Shape] = {
    "markdown": markdown,
    "one-table-per-row": one_table_per_row,
    "t4-split-three": t4_split_three,
    "labels-then-values": labels_then_values,
    "footer-in-table": footer_in_table,
    "varied-labels": varied_labels,
    "typo-labels": typo_labels,
    "broken-labels": broken_labels,
    "wrapped-lines": wrapped_lines,
    "collapsed-six": collapsed_six,
}
