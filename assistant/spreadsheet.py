"""The tables spreadsheet: an .xlsx of 表二/表三/表四 in the official layout to fill in, and reading it back.

The sheets mirror the official grids of `export.py` cell for cell (same merged cells, same labels), so a
cell's address names the same place in the printed table. Totals are formulas; because openpyxl cannot
evaluate them, `load_tables` recomputes every total from the entered cells and compares it with a total
typed over the formula. Tables also load from the `parse --json` output (or its "tables" part).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import TablesError
from .export import T4_KEY, ExportError, Grid, GridCell, cell_value, grids
from .labels import T3_COLUMNS, T3_ROWS, T3_TOTAL, T4_COLUMNS, TABLE2, TEMPLATES, t3_result_rows
from .labels import Template as TemplateName
from .report import Number, Report, empty_tables

SHEETS = ("表二", "表三", "表四")
_BLANK_MARKS = re.compile(r"^(?:[/\-—–―－_]*|无)$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
Ref = tuple[str, int]


class Tables(BaseModel):
    """表二/表三/表四 in the report model's shapes (None = blank cell), for drafting."""

    template: TemplateName
    table2: dict[str, list[Number | None]]
    table3: dict[str, list[int | None]]
    table4: list[int | None]


# ── totals: which cells sum which ───────────────────────────────────────────────────────────


def total_rules(template: TemplateName) -> list[tuple[str, Ref, list[Ref]]]:
    """(sheet, total cell, its parts), in computing order: a later total may sum earlier ones."""
    rules: list[tuple[str, Ref, list[Ref]]] = []
    rows = [r.text for r in T3_ROWS[template]]
    for row in rows:
        if row != T3_TOTAL:
            rules.append(("表三", (row, 6), [(row, i) for i in range(6)]))
    rules += [("表三", (T3_TOTAL, i), [(r, i) for r in t3_result_rows(template)]) for i in range(6)]
    rules.append(("表三", (T3_TOTAL, 6), [(T3_TOTAL, i) for i in range(6)]))
    rules += [("表四", (T4_KEY, g + 4), [(T4_KEY, g + i) for i in range(4)]) for g in (0, 5, 10)]
    return rules


def _sum(values: Iterable[Number | None]) -> Number | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


# ── writing ─────────────────────────────────────────────────────────────────────────────────

COLUMN_WIDTHS = {"表二": [24, 16, 16, 16], "表三": [6, 14, 40, *[10] * 7], "表四": [9] * 15}
FREEZE = {"表二": "B1", "表三": "D4", "表四": "A4"}
INPUT_FILL = "FFF2CC"  # light yellow: cells to fill in
LABEL_FILL = "F2F2F2"
BALANCE_LABEL = "勾稽核对：一+二−（七）−四（应为0）"


def _address(grid_cell: GridCell) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(grid_cell.col + 1)}{grid_cell.row + 1}"


def _write_sheet(ws: Any, grid: Grid, report: Report, formulas: dict[Ref, str]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c in grid.cells:
        for r in range(c.row, c.row + c.rowspan):
            for col in range(c.col, c.col + c.colspan):
                ws.cell(r + 1, col + 1).border = border
        cell = ws.cell(c.row + 1, c.col + 1)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if c.rowspan > 1 or c.colspan > 1:
            ws.merge_cells(
                start_row=c.row + 1,
                start_column=c.col + 1,
                end_row=c.row + c.rowspan,
                end_column=c.col + c.colspan,
            )
        if c.ref is None:
            cell.value = c.text
            cell.font = Font(bold=c.header)
            cell.fill = PatternFill("solid", fgColor=LABEL_FILL)
        elif c.ref in formulas:  # a total: left unlocked, a number typed over it is checked on loading
            cell.value = formulas[c.ref]
            cell.font = Font(bold=True)
            cell.protection = Protection(locked=False)
        else:
            cell.value = cell_value(report, c.ref)
            cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
            cell.protection = Protection(locked=False)
    for i, width in enumerate(COLUMN_WIDTHS[grid.name]):
        ws.column_dimensions[_column(i)].width = width
    ws.freeze_panes = FREEZE[grid.name]
    ws.protection.sheet = True  # labels and formulas locked; no password, so 撤销保护 always works
    ws.protection.formatColumns = ws.protection.formatRows = False


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _formulas(template: TemplateName, report: Report, addresses: dict[tuple[str, Ref], str]) -> dict:
    """Total cells -> "=SUM(...)"; a report's total that disagrees with its parts is kept as typed instead."""
    out: dict[str, dict[Ref, Any]] = {name: {} for name in SHEETS}
    for sheet, target, parts in total_rules(template):
        typed = cell_value(report, target)
        if typed is not None and typed != _sum(cell_value(report, p) for p in parts):
            out[sheet][target] = typed
        else:
            # the parts of every total are adjacent cells of one row or one column
            out[sheet][target] = f"=SUM({addresses[(sheet, parts[0])]}:{addresses[(sheet, parts[-1])]})"
    return out


def _balance_row(ws: Any, grid: Grid, addresses: dict[tuple[str, Ref], str], template: TemplateName) -> None:
    """A row under 表三 showing 一+二−（七）−四 per column, red when not 0."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill

    row = grid.rows + 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    ws.cell(row, 1, BALANCE_LABEL).alignment = Alignment(horizontal="center", wrap_text=True)
    new, carried, total, carry_next = (T3_ROWS[template][i].text for i in (0, 1, -2, -1))
    for i in range(len(T3_COLUMNS)):
        a = {k: addresses[("表三", (k, i))] for k in (new, carried, total, carry_next)}
        ws.cell(row, 4 + i, f"={a[new]}+{a[carried]}-{a[total]}-{a[carry_next]}")
    span = f"D{row}:J{row}"
    red = CellIsRule(operator="notEqual", formula=["0"], fill=PatternFill("solid", fgColor="FF0000"))
    red.dxf.font = Font(color="FFFFFF", bold=True)
    ws.conditional_formatting.add(span, red)


def write_template(path: str | Path, report: Report | None = None, template: TemplateName = "2021") -> Path:
    """Write the tables spreadsheet, blank or pre-filled from `report` (whose template then wins)."""
    from openpyxl import Workbook

    if template not in TEMPLATES:
        raise ExportError(f"不支持的模板“{template}”，请选择 2019 或 2021")
    if report is not None:
        template = report.template
    report = report or Report(template=template)
    wb = Workbook()
    wb.remove(wb.active)
    sheet_grids = dict(zip(SHEETS, grids(template), strict=True))
    addresses = {(name, c.ref): _address(c) for name, g in sheet_grids.items() for c in g.value_cells}
    formulas = _formulas(template, report, addresses)
    for name, grid in sheet_grids.items():
        ws = wb.create_sheet(name)
        _write_sheet(ws, grid, report, formulas[name])
        if name == "表三":
            _balance_row(ws, grid, addresses, template)
    path = Path(path)
    try:
        wb.save(path)
    except OSError as exc:
        raise ExportError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
    return path


# ── reading and validating cells ────────────────────────────────────────────────────────────


def parse_cell(raw: Any, signed: bool = False, amount: bool = False) -> Number | None:
    """One cell's value; "/", "—", "-", "－", "无" and blank are None. Raises ValueError (Chinese)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"“{raw}”不是数字")
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").replace(" ", "")
        if _BLANK_MARKS.match(text):
            return None
        if not _NUMBER.match(text):
            raise ValueError(f"“{raw.strip()}”不是数字")
        raw = float(text) if "." in text else int(text)
    if not isinstance(raw, int | float):
        raise ValueError(f"“{raw}”不是数字")
    if raw < 0 and not signed:
        raise ValueError(f"{raw} 是负数，此处应为非负数")
    if isinstance(raw, float) and not amount:
        if not raw.is_integer():
            raise ValueError(f"{raw} 不是整数，此处应为件数")
        return int(raw)
    return raw


def _column_kinds(template: TemplateName) -> dict[Ref, tuple[bool, bool]]:
    """(signed, amount) for the 表二 cells that are not plain counts."""
    return {
        (row.text, i): (i in item.signed, i in item.amount)
        for item in TABLE2[template]
        for row in item.rows
        for i in range(len(item.columns))
    }


def _column_label(sheet: str, template: TemplateName, ref: Ref) -> str:
    key, i = ref
    if sheet == "表三":
        return T3_COLUMNS[i]
    if sheet == "表四":
        return T4_COLUMNS[i]
    return next(item.columns[i] for item in TABLE2[template] for row in item.rows if row.text == key)


def _store(tables: Tables, sheet: str, ref: Ref, value: Number | None) -> None:
    key, i = ref
    if sheet == "表四":
        tables.table4[i] = value
    else:
        (tables.table3 if sheet == "表三" else tables.table2)[key][i] = value


def _blank_tables(template: TemplateName) -> Tables:
    t2, t3, t4 = empty_tables(template)
    return Tables(template=template, table2=t2, table3=t3, table4=t4)


def _label_mismatches(wb: Any, template: TemplateName) -> list[str]:
    problems = []
    for name, grid in zip(SHEETS, grids(template), strict=True):
        if name not in wb.sheetnames:
            problems.append(f"缺少工作表「{name}」（工作簿应有 {'、'.join(SHEETS)} 三张表）")
            continue
        ws = wb[name]
        for c in grid.cells:
            if c.ref is None:
                found = re.sub(r"\s+", "", str(ws.cell(c.row + 1, c.col + 1).value or ""))
                if found != c.text:
                    problems.append(f"{name} {_address(c)} 应为「{c.text}」，实际为「{found}」（表格结构被改动）")
    return problems


def _where(sheet: str, template: TemplateName, c: GridCell) -> str:
    """A cell named as the user sees it: 表三 第12行「自然人」列（D12）."""
    return f"{sheet} 第{c.row + 1}行「{_column_label(sheet, template, c.ref)}」列（{_address(c)}）"


def _load_xlsx(path: Path) -> Tables:
    from openpyxl import load_workbook

    try:
        formulas_wb = load_workbook(path)
        cached_wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TablesError([f"{path.name} 不是有效的 .xlsx 文件（{exc}）"]) from exc
    mismatches = {t: _label_mismatches(formulas_wb, t) for t in TEMPLATES}
    template = min(TEMPLATES, key=lambda t: (len(mismatches[t]), t != "2021"))
    if mismatches[template]:
        raise TablesError(mismatches[template][:20])
    tables = _blank_tables(template)
    kinds = _column_kinds(template)
    totals = {(sheet, target) for sheet, target, _ in total_rules(template)}
    typed: dict[tuple[str, Ref], Number] = {}
    places: dict[tuple[str, Ref], GridCell] = {}
    problems: list[str] = []
    for name, grid in zip(SHEETS, grids(template), strict=True):
        for c in grid.value_cells:
            places[(name, c.ref)] = c
            raw = formulas_wb[name][_address(c)].value
            if isinstance(raw, str) and raw.startswith("="):
                if (name, c.ref) in totals:
                    continue  # recomputed below
                raw = cached_wb[name][_address(c)].value  # present only if a spreadsheet app saved it
                if raw is None:
                    problems.append(f"{_where(name, template, c)}：公式没有计算结果，请直接填写数字")
                    continue
            try:
                value = parse_cell(raw, *kinds.get(c.ref, (False, False)))
            except ValueError as exc:
                problems.append(f"{_where(name, template, c)}：{exc}")
                continue
            if (name, c.ref) in totals and value is not None:
                typed[(name, c.ref)] = value
            else:
                _store(tables, name, c.ref, value)
    if problems:  # totals are compared only over clean cells, so no mismatch is reported twice
        raise TablesError(problems)
    for sheet, target, parts in total_rules(template):
        computed = _sum(_lookup(tables, sheet, p) for p in parts)
        given = typed.get((sheet, target))
        if given is not None and computed is not None and given != computed:
            where = _where(sheet, template, places[(sheet, target)])
            problems.append(f"{where}：填写的合计 {given} 与各项之和 {computed} 不一致")
        _store(tables, sheet, target, given if given is not None else computed)
    if problems:
        raise TablesError(problems)
    return tables


def _lookup(tables: Tables, sheet: str, ref: Ref) -> Number | None:
    key, i = ref
    return tables.table4[i] if sheet == "表四" else tables.table3[key][i]


def _infer_template(tables: dict) -> TemplateName:
    """2019 when a row exists only in the 2019 layout, else 2021."""
    t2, t3 = tables.get("table2"), tables.get("table3")
    only_2019 = {r.text for r in T3_ROWS["2019"]} - {r.text for r in T3_ROWS["2021"]}
    only_2019 |= {row.text for item in TABLE2["2019"] for row in item.rows} - {
        row.text for item in TABLE2["2021"] for row in item.rows
    }
    keys = set(t2 if isinstance(t2, dict) else ()) | set(t3 if isinstance(t3, dict) else ())
    return "2019" if keys & only_2019 else "2021"


def _json_rows(sheet: str, rows: Any, target: dict[str, list], kinds: dict, template: TemplateName) -> list[str]:
    if not isinstance(rows, dict):
        return [f"{sheet} 应为「行标签: 数值列表」的对象"]
    problems = []
    for label, values in rows.items():
        if label not in target:
            problems.append(f"{sheet} 没有「{label}」这一行（{template} 年版格式）")
        elif not isinstance(values, list) or len(values) != len(target[label]):
            got = len(values) if isinstance(values, list) else "非列表"
            problems.append(f"{sheet}「{label}」行应有 {len(target[label])} 个数，实际为 {got}")
        else:
            for i, raw in enumerate(values):
                try:
                    target[label][i] = parse_cell(raw, *kinds.get((label, i), (False, False)))
                except ValueError as exc:
                    column = _column_label(sheet, template, (label, i))
                    problems.append(f"{sheet}「{label}」行「{column}」列：{exc}")
    return problems


def _load_json(path: Path) -> Tables:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TablesError([f"{path.name} 不是有效的 JSON 文件（{exc}）"]) from exc
    tables = data.get("tables", data) if isinstance(data, dict) else None
    if not isinstance(tables, dict) or not {"table2", "table3", "table4"} & set(tables):
        raise TablesError([f"{path.name} 中没有 table2/table3/table4（应为 parse --json 的输出或其 tables 部分）"])
    template = data.get("template") or _infer_template(tables)
    if template not in TEMPLATES:
        raise TablesError([f"{path.name} 的 template 为“{template}”，应为 2019 或 2021"])
    result = _blank_tables(template)
    kinds = _column_kinds(template)
    problems = _json_rows("表二", tables.get("table2") or {}, result.table2, kinds, template)
    problems += _json_rows("表三", tables.get("table3") or {}, result.table3, {}, template)
    t4 = tables.get("table4") or []
    if not isinstance(t4, list) or len(t4) not in (0, len(T4_COLUMNS)):
        got = len(t4) if isinstance(t4, list) else "非列表"
        problems.append(f"表四应有 {len(T4_COLUMNS)} 个数，实际为 {got}")
    else:
        for i, raw in enumerate(t4):
            try:
                result.table4[i] = parse_cell(raw)
            except ValueError as exc:
                problems.append(f"表四「{T4_COLUMNS[i]}」列：{exc}")
    if problems:
        raise TablesError(problems)
    return result


def load_tables(path: str | Path) -> Tables:
    """Tables from our .xlsx template or `parse --json` output; TablesError lists every bad cell."""
    path = Path(path)
    if not path.is_file():
        raise TablesError([f"找不到文件 {path}"])
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _load_xlsx(path)
    if suffix == ".json":
        return _load_json(path)
    raise TablesError([f"{path.name}：只支持 .xlsx（tables-template 生成的表格）或 .json（parse --json 的输出）"])
