"""The tables spreadsheet: an .xlsx of 表二/表三/表四 in the official layout to fill in, and reading it back.

The sheets are the official grids of `tables.grids` cell for cell (same merged cells, same labels, column
widths from the same millimetres), so a cell's address names the same place in the printed table. Totals
are formulas (`tables.total_rules`); because openpyxl cannot evaluate them, `load_tables` recomputes every
total from the entered cells and compares it with a total typed over the formula. Tables also load from the
`parse --json` output (or its "tables" part). Every cell is read by `cells.parse_cell`.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from .cells import parse_cell
from .errors import CellError, ExportError, TablesError
from .labels import T3_CARRIED, T3_CARRY_NEXT, T3_COLUMNS, T3_NEW, T3_ROWS, T3_TOTAL, TABLE2, TEMPLATES
from .labels import Template as TemplateName
from .readers import check_zip, load_bytes
from .tables import Grid, GridCell, Location, TableName, Tables, column_kind, columns, grids, t3_cell, total_rules

SHEETS = tuple(grid.title for grid in grids("2021"))
CHARS_PER_MM = 0.9  # an Excel column width unit is about one digit of the default font
FREEZE: dict[TableName, str] = {"table2": "B1", "table3": "D4", "table4": "A4"}
INPUT_FILL = "FFF2CC"  # light yellow: cells to fill in
LABEL_FILL = "F2F2F2"
BALANCE_LABEL = "勾稽核对：一+二−（七）−四（应为0）"

# ── writing ─────────────────────────────────────────────────────────────────────────────────


def _address(grid_cell: GridCell) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(grid_cell.col + 1)}{grid_cell.row + 1}"


def _write_sheet(ws: Any, grid: Grid, tables: Tables, formulas: dict[Location, Any]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter

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
            cell.value = tables.cell(c.ref)
            cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
            cell.protection = Protection(locked=False)
    for i, width in enumerate(grid.widths_mm):
        ws.column_dimensions[get_column_letter(i + 1)].width = round(width * CHARS_PER_MM, 1)
    ws.freeze_panes = FREEZE[grid.name]
    ws.protection.sheet = True  # labels and formulas locked; no password, so 撤销保护 always works
    ws.protection.formatColumns = ws.protection.formatRows = False


def _known_sum(values: list) -> int | float | None:
    """The sum of the cells that are filled (what the spreadsheet's SUM shows), None when none is."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _formulas(tables: Tables, addresses: dict[Location, str]) -> dict[Location, Any]:
    """Total cells -> "=SUM(...)"; a report's total that disagrees with its parts is kept as typed instead."""
    out: dict[Location, Any] = {}
    for total, parts in total_rules(tables.template):
        typed = tables.cell(total)
        if typed is not None and typed != _known_sum([tables.cell(p) for p in parts]):
            out[total] = typed
        else:  # the parts of every total are adjacent cells of one row or one column
            out[total] = f"=SUM({addresses[parts[0]]}:{addresses[parts[-1]]})"
    return out


def _balance_row(ws: Any, grid: Grid, addresses: dict[Location, str]) -> None:
    """A row under 表三 showing 一+二−（七）−四 per column, red when not 0."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    row = grid.rows + 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    ws.cell(row, 1, BALANCE_LABEL).alignment = Alignment(horizontal="center", wrap_text=True)
    rows = (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT)
    for i in range(len(T3_COLUMNS)):
        new, carried, total, carry_next = (addresses[t3_cell(label, i)] for label in rows)
        ws.cell(row, 4 + i, f"={new}+{carried}-{total}-{carry_next}")
    span = f"{get_column_letter(4)}{row}:{get_column_letter(3 + len(T3_COLUMNS))}{row}"
    red = CellIsRule(operator="notEqual", formula=["0"], fill=PatternFill("solid", fgColor="FF0000"))
    red.dxf.font = Font(color="FFFFFF", bold=True)
    ws.conditional_formatting.add(span, red)


def write_template(path: str | Path, report: Tables | None = None, template: TemplateName = "2021") -> Path:
    """Write the tables spreadsheet, blank or pre-filled from `report` (whose template then wins)."""
    from openpyxl import Workbook

    if template not in TEMPLATES:
        raise ExportError(f"不支持的模板“{template}”，请选择 2019 或 2021")
    tables = report if report is not None else Tables.blank(template)
    wb = Workbook()
    wb.remove(wb.active)
    sheet_grids = grids(tables.template)
    addresses = {c.ref: _address(c) for g in sheet_grids for c in g.value_cells}
    formulas = _formulas(tables, addresses)
    for grid in sheet_grids:
        ws = wb.create_sheet(grid.title)
        _write_sheet(ws, grid, tables, formulas)
        if grid.name == "table3":
            _balance_row(ws, grid, addresses)
    path = Path(path)
    try:
        wb.save(path)
    except OSError as exc:
        raise ExportError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
    return path


# ── reading ─────────────────────────────────────────────────────────────────────────────────


def _label_mismatches(wb: Any, template: TemplateName) -> list[str]:
    problems = []
    for grid in grids(template):
        if grid.title not in wb.sheetnames:
            problems.append(f"缺少工作表「{grid.title}」（工作簿应有 {'、'.join(SHEETS)} 三张表）")
            continue
        ws = wb[grid.title]
        for c in grid.cells:
            if c.ref is None:
                found = re.sub(r"\s+", "", str(ws.cell(c.row + 1, c.col + 1).value or ""))
                if found != c.text:
                    problems.append(f"{grid.title} {_address(c)} 应为「{c.text}」，实际为「{found}」（表格结构被改动）")
    return problems


def _where(template: TemplateName, cell: Location) -> str:
    """A value cell named as the user sees it: 表三「（一）予以公开」行「自然人」列（D6）."""
    return f"{cell.name()}（{_ADDRESSES[template][cell]}）"


_ADDRESSES = {t: {c.ref: _address(c) for g in grids(t) for c in g.value_cells} for t in TEMPLATES}


def _load_xlsx(path: Path) -> Tables:
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(load_bytes(path))) as archive:
            check_zip(archive, path.name)  # a zip bomb is refused before openpyxl inflates it
        formulas_wb = load_workbook(path)
        cached_wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as exc:
        raise TablesError([f"{path.name} 不是有效的 .xlsx 文件（{exc}）"]) from exc
    mismatches = {t: _label_mismatches(formulas_wb, t) for t in TEMPLATES}
    template = min(TEMPLATES, key=lambda t: (len(mismatches[t]), t != "2021"))
    if mismatches[template]:
        raise TablesError(mismatches[template][:20])
    tables = Tables.blank(template)
    typed = _read_cells(tables, formulas_wb, cached_wb)
    problems = []
    for total, parts in total_rules(template):
        computed = _known_sum([tables.cell(p) for p in parts])
        given = typed.get(total)
        if given is not None and computed is not None and given != computed:
            problems.append(f"{_where(template, total)}：填写的合计 {given} 与各项之和 {computed} 不一致")
        tables.set(total, given if given is not None else computed)
    if problems:
        raise TablesError(problems)
    return tables


def _read_cells(tables: Tables, formulas_wb: Any, cached_wb: Any) -> dict[Location, int | float]:
    """Every entered cell into `tables`; returns the totals typed over their formula (compared afterwards).

    Raises TablesError naming every bad cell, so totals are compared only over clean cells."""
    totals = {total for total, _ in total_rules(tables.template)}
    typed: dict[Location, int | float] = {}
    problems: list[str] = []
    for grid in grids(tables.template):
        for c in grid.value_cells:
            assert c.ref is not None
            raw = formulas_wb[grid.title][_address(c)].value
            if isinstance(raw, str) and raw.startswith("="):
                if c.ref in totals:
                    continue  # recomputed by the caller
                raw = cached_wb[grid.title][_address(c)].value  # present only if a spreadsheet app saved it
                if raw is None:
                    problems.append(f"{_where(tables.template, c.ref)}：公式没有计算结果，请直接填写数字")
                    continue
            try:
                value = parse_cell(raw, column_kind(tables.template, c.ref))
            except CellError as exc:
                problems.append(f"{_where(tables.template, c.ref)}：{exc}")
                continue
            if c.ref in totals and value is not None:
                typed[c.ref] = value
            else:
                tables.set(c.ref, value)
    if problems:
        raise TablesError(problems)
    return typed


def _infer_template(tables: dict) -> TemplateName:
    """2019 when a row exists only in the 2019 layout, else 2021."""
    t2, t3 = tables.get("table2"), tables.get("table3")
    only_2019 = {r.text for r in T3_ROWS["2019"]} - {r.text for r in T3_ROWS["2021"]}
    only_2019 |= {row.text for item in TABLE2["2019"] for row in item.rows} - {
        row.text for item in TABLE2["2021"] for row in item.rows
    }
    keys = set(t2 if isinstance(t2, dict) else ()) | set(t3 if isinstance(t3, dict) else ())
    return "2019" if keys & only_2019 else "2021"


def _json_row(result: Tables, table: TableName, label: str | None, values: Any) -> list[str]:
    """Read one row of JSON values into `result` (表四: its one row, `label` None); the problems found."""
    sheet = SHEETS[int(table[-1]) - 2]
    names = columns(result.template, table, label)
    if table != "table4" and label not in getattr(result, table):
        return [f"{sheet} 没有「{label}」这一行（{result.template} 年版格式）"]
    shown = f"{sheet}「{label}」行" if label else sheet
    if not isinstance(values, list) or len(values) != len(names):
        return [f"{shown}应有 {len(names)} 个数，实际为 {len(values) if isinstance(values, list) else '非列表'}"]
    problems = []
    for name, raw in zip(names, values, strict=True):
        cell = Location(table=table, row=label, column=name)
        try:
            result.set(cell, parse_cell(raw, column_kind(result.template, cell)))
        except CellError as exc:
            problems.append(f"{shown}「{name}」列：{exc}")
    return problems


def _load_json(path: Path) -> Tables:
    try:
        data = json.loads(load_bytes(path).decode("utf-8-sig"))
    except RecursionError as exc:  # [[[[…: nested deeper than any table
        raise TablesError([f"{path.name} 的嵌套层数过多，不是 parse --json 输出的统计表"]) from exc
    except ValueError as exc:  # not JSON, not UTF-8, or an integer of thousands of digits
        reason = "含有数千位的数字" if "integer string conversion" in str(exc) else str(exc)[:120]
        raise TablesError([f"{path.name} 不是有效的 JSON 文件（{reason}）"]) from exc
    tables = data.get("tables", data) if isinstance(data, dict) else None
    if not isinstance(tables, dict) or not {"table2", "table3", "table4"} & set(tables):
        raise TablesError([f"{path.name} 中没有 table2/table3/table4（应为 parse --json 的输出或其 tables 部分）"])
    template = data.get("template") or _infer_template(tables)
    if template not in TEMPLATES:
        raise TablesError([f"{path.name} 的 template 为“{template}”，应为 2019 或 2021"])
    result = Tables.blank(template)
    problems: list[str] = []
    for table in ("table2", "table3"):
        rows = tables.get(table) or {}
        if not isinstance(rows, dict):
            problems.append(f"{SHEETS[int(table[-1]) - 2]} 应为「行标签: 数值列表」的对象")
            continue
        for label, values in rows.items():
            problems += _json_row(result, table, label, values)
    if table4 := tables.get("table4"):  # absent or [] is a blank 表四
        problems += _json_row(result, "table4", None, table4)
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
