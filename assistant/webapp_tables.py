"""表二/表三/表四 as editable grids for the web app, and as HTML in the official layout with failing cells marked.

The HTML view is drawn from `export.grids`, the one description of the official merged layout that the
.docx, Markdown and spreadsheet use as well. 表二's editor is that same grid flattened (each merged cell in
its top-left position, so every 第二十条 item keeps its own title and column row); 表三's editor is the
official rows with their group in front, 表四's the three groups × five outcomes. Grids map back to the
report by position. Which cells fail comes from the checker's findings, never from arithmetic of our own.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from .errors import CellError
from .export import SEVERITY_ZH, T4_KEY, Grid, GridCell, cell_value, format_number, grids, table2_grid
from .labels import (
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
    TEMPLATES,
    Template,
    t3_result_rows,
)
from .report import Finding, Number, Report

_T2_WIDTH = max(table2_grid(t).cols for t in TEMPLATES)
T2_HEAD = ("项目", *(f"第{n}栏" for n in "一二三四五六"[: _T2_WIDTH - 1]))
T3_HEAD = ("项目", *T3_COLUMNS)
T4_HEAD = ("类别", *T4_OUTCOMES)
TABLES = ("table2", "table3", "table4")
TABLE_TITLES = {
    "table2": "表二 主动公开政府信息情况",
    "table3": "表三 收到和处理政府信息公开申请情况",
    "table4": "表四 政府信息公开行政复议、行政诉讼情况",
}

# a value cell of the official grids: (row key, value index), as export.GridCell.ref; the three tables'
# row keys are distinct (表四's is T4_KEY), so a ref alone says which table it belongs to
Ref = tuple[str, int]


def t3_row_labels(template: Template) -> list[str]:
    """表三 row labels as the official table shows them, a sub-row with its group heading in front."""
    return [f"{row.group} {row.text}" if row.group else row.text for row in T3_ROWS[template]]


def _shown(value: Number | None) -> Number | str:
    return "" if value is None else value


def _flatten(grid: Grid, report: Report, width: int) -> list[list]:
    """A grid as rows of `width` cells: labels as text, values as numbers, covered cells blank."""
    rows: list[list] = [[""] * width for _ in range(grid.rows)]
    for c in grid.cells:
        rows[c.row][c.col] = _shown(cell_value(report, c.ref)) if c.ref else c.text
    return rows


def to_frames(report: Report) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The report's three tables as editor grids (blank cells stay blank, not 0)."""
    t = report.template
    t2 = _flatten(table2_grid(t), report, _T2_WIDTH)
    t3 = []
    for row, shown in zip(T3_ROWS[t], t3_row_labels(t), strict=True):
        values = report.table3.get(row.text) or [None] * len(T3_COLUMNS)
        t3.append([shown, *map(_shown, values)])
    t4_values = report.table4 or [None] * len(T4_COLUMNS)
    n = len(T4_OUTCOMES)
    t4 = [[g, *map(_shown, t4_values[k * n : (k + 1) * n])] for k, g in enumerate(T4_GROUPS)]
    return (
        pd.DataFrame(t2, columns=list(T2_HEAD)),
        pd.DataFrame(t3, columns=list(T3_HEAD)),
        pd.DataFrame(t4, columns=list(T4_HEAD)),
    )


def _number(value: object, where: str, decimal: bool) -> Number | None:
    """A grid cell as a number: blank, "/" and "—" are None (not 0); anything else non-numeric is an error."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().replace(",", "").replace("，", "")
    if text in {"", "/", "／", "—", "-", "nan", "None"}:
        return None
    try:
        number = float(text)
    except ValueError:
        raise CellError(f"{where}填写的“{text}”不是数字") from None
    if not decimal and not number.is_integer():
        raise CellError(f"{where}应为整数，填写的是“{text}”")
    return number if decimal and not number.is_integer() else int(number)


def _rows(frame: pd.DataFrame | list | dict | None) -> list[list]:
    """Rows of a grid value as gradio hands it over (a DataFrame, or a dict/list from the API)."""
    if frame is None:
        return []
    if isinstance(frame, pd.DataFrame):
        return frame.values.tolist()
    if isinstance(frame, dict):
        return list(frame.get("data") or [])
    return list(frame)


def _at(rows: list[list], r: int, c: int) -> object:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def from_frames(report: Report, t2: object, t3: object, t4: object) -> tuple[Report, list[Finding]]:
    """A copy of the report with the grids' numbers; cells that are not numbers become findings.

    Only 表二's value cells are read: its titles, column names and unused cells are labels, not input."""
    template = report.template
    bad: list[Finding] = []

    def read(value: object, name: str, where: str, decimal: bool = False) -> Number | None:
        try:
            return _number(value, name, decimal)
        except CellError as exc:
            bad.append(Finding(rule="UI-NOT-A-NUMBER", severity="error", message=str(exc), where=where))
            return None

    t2_rows = _rows(t2)
    position = {c.ref: (c.row, c.col) for c in table2_grid(template).value_cells}
    table2: dict[str, list[Number | None]] = {
        row.text: [
            read(
                _at(t2_rows, *position[(row.text, i)]),
                f"表二「{row.text}」「{column}」",
                f"table2:{row.text}:{column}",
                i in item.amount,
            )
            for i, column in enumerate(item.columns)
        ]
        for item in TABLE2[template]
        for row in item.rows
    }
    table3: dict[str, list[int | None]] = {}
    for row, values in zip(T3_ROWS[template], _rows(t3), strict=False):
        table3[row.text] = [
            read(v, f"表三「{row.text}」「{col}」", f"table3:{row.text}:{col}")
            for col, v in zip(T3_COLUMNS, values[1:], strict=False)
        ]
    table4: list[int | None] = []
    for group, values in zip(T4_GROUPS, _rows(t4), strict=False):
        table4 += [
            read(v, f"表四「{group}」「{col}」", f"table4:{group}·{col}")
            for col, v in zip(T4_OUTCOMES, values[1:], strict=False)
        ]
    updated = report.model_copy(update={"table2": table2, "table3": table3, "table4": table4}, deep=True)
    return updated, bad


def with_totals(report: Report) -> tuple[Report, list[str]]:
    """Fill the 总计 cells from their parts: 表三's 总计 column and （七）总计 row, 表四's group totals.

    A total is only filled when all its parts are filled, so a blank never silently counts as 0; the
    totals left alone are returned, named with their count of blank parts (a wholly blank table in one
    line), for the user to fill first.
    """
    skipped: list[str] = []
    t3 = {label: list(values) for label, values in report.table3.items()}
    if not _all_blank("表三", [v for values in t3.values() for v in values], skipped):
        results = [t3.get(label) for label in t3_result_rows(report.template)]
        if all(results) and T3_TOTAL in t3:
            for c, column in enumerate(T3_COLUMNS[:-1]):
                parts = [row[c] for row in results]
                _fill(t3[T3_TOTAL], c, parts, f"表三「{T3_TOTAL}」行「{column}」列", skipped)
        for label, values in t3.items():  # after the （七）总计 row's parts, so its own 总计 sees them
            if len(values) == len(T3_COLUMNS):
                _fill(values, -1, values[:-1], f"表三「{label}」行的「总计」", skipped)
    t4 = list(report.table4)
    n = len(T4_OUTCOMES)
    if not _all_blank("表四", t4, skipped):
        for k, group in enumerate(T4_GROUPS):
            if len(t4) >= k * n + n:
                _fill(t4, k * n + n - 1, t4[k * n : k * n + n - 1], f"表四「{group}」的「总计」", skipped)
    return report.model_copy(update={"table3": t3, "table4": t4}, deep=True), skipped


def _all_blank(table: str, cells: list[Number | None], skipped: list[str]) -> bool:
    """A table with no figure at all: its totals are named in `skipped` as one line."""
    blank = all(v is None for v in cells)
    if blank:
        skipped.append(f"{table}的全部合计（整张表都是空白）")
    return blank


def _fill(cells: list[Number | None], at: int, parts: list[Number | None], name: str, skipped: list[str]) -> None:
    """cells[at] = sum(parts) when every part is filled; otherwise the total is named in `skipped`."""
    blanks = sum(v is None for v in parts)
    if blanks:
        skipped.append(f"{name}（{blanks} 个组成项空白）")
    else:
        cells[at] = sum(parts)


TOTALS_SHOWN = 12


def totals_notice(skipped: list[str]) -> str:
    """Markdown telling which totals 计算合计 left alone and why."""
    shown = "".join(f"\n- {name}" for name in skipped[:TOTALS_SHOWN])
    more = f"\n- ……等共 {len(skipped)} 项" if len(skipped) > TOTALS_SHOWN else ""
    return (
        "**以下合计未计算：** 它们的组成项有空白，而空白不等于 0。"
        f"请先把每个组成项都填上（没有的填 0），再点“计算合计”。{shown}{more}"
    )


_BALANCE_ROWS = (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT)


def failing_cells(findings: list[Finding], template: Template) -> dict[Ref, list[Finding]]:
    """Which value cells each finding is about, from the checker's `where` locator
    ("table3:<row>:<column>", "table3:<row>", "table4:<column>", "table2:<row>:<column>", "table2:<row>")."""
    cells: dict[Ref, list[Finding]] = {}
    for f in findings:
        for ref in _refs_of(f, template):
            cells.setdefault(ref, []).append(f)
    return cells


def _refs_of(f: Finding, template: Template) -> list[Ref]:
    table, _, rest = f.where.partition(":")
    label, _, column = rest.partition(":")
    if table == "table3" and label in {row.text for row in T3_ROWS[template]}:
        cols = [T3_COLUMNS.index(column)] if column in T3_COLUMNS else range(len(T3_COLUMNS))
        # the 勾稽关系 involves four cells of the column: show all of them, not only （七）总计
        rows = _BALANCE_ROWS if f.rule == "T3-BALANCE" else (label,)
        return [(row, c) for row in rows for c in cols]
    if table == "table4" and label in T4_COLUMNS:
        return [(T4_KEY, T4_COLUMNS.index(label))]
    if table == "table2":
        return [
            (label, i)
            for item in TABLE2[template]
            if label in {row.text for row in item.rows}
            for i, name in enumerate(item.columns)
            if column in ("", name)
        ]
    return []


def render_html(report: Report, findings: list[Finding]) -> str:
    """The three tables in the official merged layout: failing cells red (warnings yellow) with the rule's
    message as their tooltip, and under each table the list of its findings, each naming its cell."""
    marks = failing_cells(findings, report.template)
    parts = [_STYLE, '<div class="nb-tables">']
    for name, grid in zip(TABLES, grids(report.template), strict=True):
        parts.append(_grid_html(name, grid, report, marks))
        parts.append(_findings_html(name, findings))
    return "".join([*parts, "</div>"])


_STYLE = (
    "<style>.nb-t{border-collapse:collapse;margin:1em 0 .3em;font-size:13px}"
    ".nb-t caption{font-weight:bold;padding:4px}"
    # `.nb-tables table` outweighs gradio's own `.gradio-container .prose td` (its padding and alignment)
    ".nb-tables table.nb-t td,.nb-tables table.nb-t th{border:1px solid #999;padding:2px 6px;text-align:left}"
    ".nb-tables table.nb-t th,.nb-tables table.nb-t td.num{text-align:center}"
    ".nb-t th{background:#f3f3f3}"
    ".nb-t td.num{min-width:3em}"
    ".nb-t td.bad{background:#fdd;color:#b00;font-weight:bold}"
    ".nb-t td.warn{background:#fff3c4}"
    ".nb-msgs{margin:0 0 1em;padding-left:1.5em;font-size:12px}"
    ".nb-msgs li.error{color:#b00}.nb-msgs li.warning{color:#8a6d00}</style>"
)


def _severity_class(hit: list[Finding]) -> str:
    return "bad" if any(f.severity == "error" for f in hit) else "warn"


def _grid_html(name: str, grid: Grid, report: Report, marks: dict[Ref, list[Finding]]) -> str:
    rows: list[list[str]] = [[] for _ in range(grid.rows)]
    for c in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        rows[c.row].append(_cell_html(c, report, marks))
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    caption = html.escape(TABLE_TITLES[name])
    return f'<table class="nb-t" data-table="{name}"><caption>{caption}</caption>{body}</table>'


def _cell_html(c: GridCell, report: Report, marks: dict[Ref, list[Finding]]) -> str:
    span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
    if c.ref is None:
        tag = "th" if c.header else "td"
        return f"<{tag}{span}>{html.escape(c.text)}</{tag}>"
    hit = marks.get(c.ref, [])
    value = html.escape(format_number(cell_value(report, c.ref)))
    if not hit:
        return f'<td class="num"{span}>{value}</td>'
    tip = html.escape("；".join(dict.fromkeys(f.message for f in hit)), quote=True)
    return f'<td class="num {_severity_class(hit)}"{span} title="{tip}">{value}</td>'


def _place(where: str) -> str:
    """The cell a locator names, as a reader would: 「row」「column」, or the whole table."""
    names = where.split(":")[1:]
    return "".join(f"「{n}」" for n in names) if names else "全表"


def _findings_html(name: str, findings: list[Finding]) -> str:
    mine = [f for f in findings if f.where.partition(":")[0] == name]
    if not mine:
        return ""
    items = "".join(
        f'<li class="{f.severity}"><b>{SEVERITY_ZH[f.severity]}</b> {html.escape(_place(f.where))}：'
        f"{html.escape(f.message)}</li>"
        for f in mine
    )
    return f'<ul class="nb-msgs" data-table="{name}">{items}</ul>'
