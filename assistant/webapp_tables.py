"""表二/表三/表四 as editable grids for the web app, and as HTML with the failing cells marked.

The grids carry the official row labels in their first column(s) and map back to the report model by
position, so a label shown with its group ("（三）不予公开 1.属于国家秘密") still lands in the right row.
Which cells fail comes from the checker's findings, never from arithmetic of our own.
"""

from __future__ import annotations

import html
import math

import pandas as pd

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
    Template,
    t3_result_rows,
)
from .report import Finding, Number, Report

T2_HEAD = ("事项", "信息内容", "统计项", "数值")
T3_HEAD = ("项目", *T3_COLUMNS)
T4_HEAD = ("类别", *T4_OUTCOMES)
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

Cell = tuple[str, int, int]  # (table, row index, column index) in the grids below


class CellError(ValueError):
    """A grid cell that is not a number; the message names the cell in Chinese."""


def t2_cells(template: Template) -> list[tuple[str, str, str, int]]:
    """表二 in long form: (item heading, row label, column label, column index) per cell."""
    return [
        (item.heading, row.text, column, i)
        for item in TABLE2[template]
        for row in item.rows
        for i, column in enumerate(item.columns)
    ]


def t3_row_labels(template: Template) -> list[str]:
    """表三 row labels as the official table shows them, a sub-row with its group heading in front."""
    return [f"{row.group} {row.text}" if row.group else row.text for row in T3_ROWS[template]]


def _shown(value: Number | None) -> Number | str:
    return "" if value is None else value


def to_frames(report: Report) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The report's three tables as grids (blank cells stay blank, not 0)."""
    t = report.template
    t2 = [
        [heading, label, column, _shown((report.table2.get(label) or [None] * (i + 1))[i])]
        for heading, label, column, i in t2_cells(t)
    ]
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


def from_frames(report: Report, t2: object, t3: object, t4: object) -> tuple[Report, list[Finding]]:
    """A copy of the report with the grids' numbers; cells that are not numbers become findings."""
    template = report.template
    bad: list[Finding] = []

    def read(value: object, name: str, where: str, decimal: bool = False) -> Number | None:
        try:
            return _number(value, name, decimal)
        except CellError as exc:
            bad.append(Finding(rule="UI-NOT-A-NUMBER", severity="error", message=str(exc), where=where))
            return None

    table2: dict[str, list[Number | None]] = {}
    for (_, label, column, i), row in zip(t2_cells(template), _rows(t2), strict=False):
        amount = any(label in [x.text for x in item.rows] and i in item.amount for item in TABLE2[template])
        cells = table2.setdefault(label, [])
        cells.append(read(row[3], f"表二「{label}」「{column}」", f"table2:{label}:{column}", amount))
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


def with_totals(report: Report) -> Report:
    """Fill the 总计 cells from their parts: 表三's 总计 column and （七）总计 row, 表四's group totals.

    A total is only filled when all its parts are filled, so a blank never silently counts as 0.
    """
    t3 = {label: list(values) for label, values in report.table3.items()}
    for values in t3.values():
        if len(values) == len(T3_COLUMNS) and all(v is not None for v in values[:-1]):
            values[-1] = sum(values[:-1])
    results = [t3.get(label) for label in t3_result_rows(report.template)]
    if all(results) and T3_TOTAL in t3:
        for c in range(len(T3_COLUMNS)):
            column = [row[c] for row in results]
            if all(v is not None for v in column):
                t3[T3_TOTAL][c] = sum(column)
    t4 = list(report.table4)
    n = len(T4_OUTCOMES)
    for k in range(len(T4_GROUPS)):
        parts = t4[k * n : k * n + n - 1]
        if len(parts) == n - 1 and all(v is not None for v in parts):
            t4[k * n + n - 1] = sum(parts)
    return report.model_copy(update={"table3": t3, "table4": t4}, deep=True)


def failing_cells(findings: list[Finding], template: Template) -> dict[Cell, list[Finding]]:
    """Which grid cells each finding is about, from the checker's `where` locator
    ("table3:<row>:<column>", "table3:<row>", "table4:<column>", "table2:<row>:<column>")."""
    t2 = t2_cells(template)
    t3_labels = [row.text for row in T3_ROWS[template]]
    cells: dict[Cell, list[Finding]] = {}
    for f in findings:
        for cell in _cells_of(f, t2, t3_labels):
            cells.setdefault(cell, []).append(f)
    return cells


def _cells_of(f: Finding, t2: list[tuple[str, str, str, int]], t3_labels: list[str]) -> list[Cell]:
    table, _, rest = f.where.partition(":")
    label, _, column = rest.partition(":")
    if table == "table3" and label in t3_labels:
        cols = [T3_COLUMNS.index(column) + 1] if column in T3_COLUMNS else range(1, len(T3_COLUMNS) + 1)
        # the 勾稽关系 involves four cells of the column: show all of them, not only （七）总计
        rows = [t3_labels.index(x) for x in _BALANCE_ROWS] if f.rule == "T3-BALANCE" else [t3_labels.index(label)]
        return [("table3", r, c) for r in rows for c in cols]
    if table == "table4" and label in T4_COLUMNS:
        k, c = divmod(T4_COLUMNS.index(label), len(T4_OUTCOMES))
        return [("table4", k, c + 1)]
    if table == "table2":
        return [("table2", r, 3) for r, (_, row, col, _) in enumerate(t2) if row == label and column in ("", col)]
    return []


_BALANCE_ROWS = (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT)


def render_html(report: Report, findings: list[Finding]) -> str:
    """The three tables as HTML: cells failing a rule red (warnings yellow), each row's messages beside it."""
    t2, t3, t4 = to_frames(report)
    cells = failing_cells(findings, report.template)
    parts = [_STYLE]
    for title, name, frame in (("表二", "table2", t2), ("表三", "table3", t3), ("表四", "table4", t4)):
        parts.append(_table_html(title, name, frame, cells))
    return "".join(parts)


_STYLE = (
    "<style>.nb-t{border-collapse:collapse;margin:0 0 1em;font-size:13px}"
    ".nb-t td,.nb-t th{border:1px solid #bbb;padding:2px 6px}"
    ".nb-t td.bad{background:#fdd;color:#b00;font-weight:bold}"
    ".nb-t td.warn{background:#fff3c4}"
    ".nb-t td.msg{color:#b00;font-size:12px;max-width:28em}</style>"
)


def _table_html(title: str, name: str, frame: pd.DataFrame, cells: dict[Cell, list[Finding]]) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for r, values in enumerate(frame.values.tolist()):
        tds, messages = [], []
        for c, value in enumerate(values):
            hit = cells.get((name, r, c), [])
            messages += [f.message for f in hit if f.message not in messages]
            tip = html.escape("；".join(f.message for f in hit), quote=True)
            cls = "" if not hit else ' class="bad"' if any(f.severity == "error" for f in hit) else ' class="warn"'
            tds.append(f'<td{cls} title="{tip}">{html.escape(str(value))}</td>')
        tds.append(f'<td class="msg">{html.escape("；".join(messages))}</td>')
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return (
        f'<table class="nb-t" data-table="{name}"><caption>{title}</caption>'
        f"<tr>{head}<th>校验提示</th></tr>{''.join(rows)}</table>"
    )
