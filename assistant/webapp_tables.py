"""表二/表三/表四 as editable grids for the web app, and as HTML in the official layout with failing cells marked.

The HTML view is drawn from `tables.grids`, the one description of the official merged layout that the
.docx, Markdown and spreadsheet use as well. 表二's editor is that same grid flattened (each merged cell in
its top-left position, so every 第二十条 item keeps its own title and column row); 表三's editor is the
official rows with their group in front, 表四's the three groups × five outcomes. Grids map back to the
report by position, and every cell is read by `cells.parse_cell`. Which cells fail comes from the checker's
findings, never from arithmetic of our own.
"""

from __future__ import annotations

import html

import pandas as pd

from .cells import format_number, parse_cell
from .errors import CellError
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
    TEMPLATES,
    Template,
    t4_group,
)
from .report import SEVERITY_ZH, Finding, Number, Report
from .tables import TABLE_TITLES, Grid, GridCell, Location, Tables, column_kind, grids, t3_cell, t4_cell, table2_grid

_T2_WIDTH = max(table2_grid(t).cols for t in TEMPLATES)
T2_HEAD = ("项目", *(f"第{n}栏" for n in "一二三四五六"[: _T2_WIDTH - 1]))
T3_HEAD = ("项目", *T3_COLUMNS)
T4_HEAD = ("类别", *T4_OUTCOMES)


def t3_row_labels(template: Template) -> list[str]:
    """表三 row labels as the official table shows them, a sub-row with its group heading in front."""
    return [f"{row.group} {row.text}" if row.group else row.text for row in T3_ROWS[template]]


def _shown(value: Number | None) -> Number | str:
    return "" if value is None else value


def _flatten(grid: Grid, report: Report, width: int) -> list[list]:
    """A grid as rows of `width` cells: labels as text, values as numbers, covered cells blank."""
    rows: list[list] = [[""] * width for _ in range(grid.rows)]
    for c in grid.cells:
        rows[c.row][c.col] = _shown(report.cell(c.ref)) if c.ref else c.text
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
    t4 = [[g, *map(_shown, t4_values[t4_group(k)])] for k, g in enumerate(T4_GROUPS)]
    return (
        pd.DataFrame(t2, columns=list(T2_HEAD)),
        pd.DataFrame(t3, columns=list(T3_HEAD)),
        pd.DataFrame(t4, columns=list(T4_HEAD)),
    )


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

    def read(value: object, cell: Location) -> Number | None:
        try:
            return parse_cell(value, column_kind(template, cell))
        except CellError as exc:
            message = f"{cell.name()}：{exc}"
            bad.append(Finding(rule="UI-NOT-A-NUMBER", severity="error", message=message, where=cell))
            return None

    tables = Tables.blank(template)
    t2_rows, t3_rows, t4_rows = _rows(t2), _rows(t3), _rows(t4)
    for c in table2_grid(template).value_cells:
        tables.set(c.ref, read(_at(t2_rows, c.row, c.col), c.ref))
    for r, row in enumerate(T3_ROWS[template]):
        for col in range(len(T3_COLUMNS)):
            tables.set(t3_cell(row.text, col), read(_at(t3_rows, r, col + 1), t3_cell(row.text, col)))
    for col in range(len(T4_COLUMNS)):
        r, i = divmod(col, len(T4_OUTCOMES))
        tables.set(t4_cell(col), read(_at(t4_rows, r, i + 1), t4_cell(col)))
    update = {"table2": tables.table2, "table3": tables.table3, "table4": tables.table4}
    return report.model_copy(update=update, deep=True), bad


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


def failing_cells(findings: list[Finding], template: Template) -> dict[Location, list[Finding]]:
    """Which value cells each finding is about: the cells its location covers (a T3-BALANCE finding, about
    one column's 勾稽关系, covers the four cells of that identity, not only （七）总计)."""
    cells: dict[Location, list[Finding]] = {}
    for grid in grids(template):
        for c in grid.value_cells:
            assert c.ref is not None
            for f in findings:
                where = f.where
                if f.rule == "T3-BALANCE" and c.ref.row in _BALANCE_ROWS:
                    where = where.model_copy(update={"row": c.ref.row})
                if where.covers(c.ref):
                    cells.setdefault(c.ref, []).append(f)
    return cells


def render_html(report: Report, findings: list[Finding]) -> str:
    """The three tables in the official merged layout: failing cells red (warnings yellow) with the rule's
    message as their tooltip, and under each table the list of its findings, each naming its cell."""
    marks = failing_cells(findings, report.template)
    parts = [_STYLE, '<div class="nb-tables">']
    for grid in grids(report.template):
        parts.append(_grid_html(grid, report, marks))
        parts.append(_findings_html(grid, findings))
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


def _grid_html(grid: Grid, report: Report, marks: dict[Location, list[Finding]]) -> str:
    rows: list[list[str]] = [[] for _ in range(grid.rows)]
    for c in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        rows[c.row].append(_cell_html(c, report, marks))
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    caption = html.escape(TABLE_TITLES[grid.name])
    return f'<table class="nb-t" data-table="{grid.name}"><caption>{caption}</caption>{body}</table>'


def _cell_html(c: GridCell, report: Report, marks: dict[Location, list[Finding]]) -> str:
    span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
    if c.ref is None:
        tag = "th" if c.header else "td"
        return f"<{tag}{span}>{html.escape(c.text)}</{tag}>"
    hit = marks.get(c.ref, [])
    value = html.escape(format_number(report.cell(c.ref)))
    if not hit:
        return f'<td class="num"{span}>{value}</td>'
    tip = html.escape("；".join(dict.fromkeys(f.message for f in hit)), quote=True)
    return f'<td class="num {_severity_class(hit)}"{span} title="{tip}">{value}</td>'


def _named(f: Finding) -> str:
    """A finding's message led by the place it is about, unless the message already starts with it."""
    place = f.where.name()
    return f.message if f.message.startswith(place) else f"{place}：{f.message}"


def _findings_html(grid: Grid, findings: list[Finding]) -> str:
    mine = [f for f in findings if f.where.table == grid.name]
    if not mine:
        return ""
    items = "".join(
        f'<li class="{f.severity}"><b>{SEVERITY_ZH[f.severity]}</b> {html.escape(_named(f))}</li>' for f in mine
    )
    return f'<ul class="nb-msgs" data-table="{grid.name}">{items}</ul>'
