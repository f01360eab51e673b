"""Rules on 表二/表三/表四: presence, blank cells, number types and the table identities."""

from __future__ import annotations

from collections.abc import Iterator

from ..labels import (
    T3_CARRIED,
    T3_CARRY_NEXT,
    T3_COLUMNS,
    T3_NEW,
    T3_ROWS,
    T3_TOTAL,
    T3_TOTAL_COLUMN,
    T4_COLUMNS,
    T4_GROUP_TOTALS,
    T4_GROUPS,
    T4_OUTCOMES,
    TABLE2,
    t4_group,
)
from ..report import Finding, Number, Report
from ..tables import TABLE_NAMES, TableName, t2_cell
from .base import (
    Issue,
    Location,
    all_known,
    num,
    result_rows,
    rule,
    t3_cell,
    t3_row,
    t4_cell,
    t4_values,
    unprinted_rows,
)


@rule("TABLE-MISSING", "error")
def table_missing(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: 表二、表三、表四 are present with every official row and the right number of cells.
    Why: the three tables are mandatory parts of the national format; a missing or truncated table
    cannot be checked, so it must not pass silently (error).
    Example: 表四 read with 14 numbers instead of 15; 表三 without 「四、结转下年度继续办理」.
    """
    if not report.table2:
        yield Issue("缺少表二（主动公开政府信息情况）。", Location(table="table2"))
    else:
        for item in TABLE2[report.template]:
            for row in item.rows:
                values = report.table2.get(row.text)
                if values is None or len(values) != len(item.columns):
                    yield Issue(
                        f"表二缺少「{item.heading}」的「{row.text}」行或其数据不全。",
                        Location(table="table2", row=row.text),
                    )
    if not report.table3:
        yield Issue("缺少表三（收到和处理政府信息公开申请情况）。", Location(table="table3"))
    else:
        for row in T3_ROWS[report.template]:
            if t3_row(report, row.text) is None:
                yield Issue(f"表三缺少「{row.text}」行或该行不是 7 个数。", Location(table="table3", row=row.text))
    if not report.table4:
        yield Issue("缺少表四（行政复议、行政诉讼情况）。", Location(table="table4"))
    elif t4_values(report) is None:
        yield Issue(f"表四应有 15 个数，实际 {len(report.table4)} 个。", Location(table="table4"))


@rule("BLANK-CELL", "warning")
def blank_cell(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: cells left blank or written "/" or "—" instead of a number, one issue per cell (`check` shows
    them as one finding per table that counts them and lists the rows; `check(every_cell=True)` keeps
    every cell). Rows the report never printed (2021's （六） sub-rows under a one-row （六）) are not blanks.
    Why: the format expects 0 for none; a blank cell keeps every identity it is part of from being
    checked, so it is flagged, but as a warning because many published reports write "/" for 0.
    Example: 表三「（一）予以公开」行「科研机构」列 written as "/".
    """
    unprinted = unprinted_rows(report.table3, report.template)
    for label, row in report.table3.items():
        if label not in unprinted:
            yield from _blanks(row, [t3_cell(label, c) for c in range(len(T3_COLUMNS))])
    yield from _blanks(report.table4, [t4_cell(c) for c in range(len(T4_COLUMNS))])
    columns = {row.text: item.columns for item in TABLE2[report.template] for row in item.rows}
    for label, row in report.table2.items():
        yield from _blanks(row, [t2_cell(label, name) for name in columns.get(label, ())])


def _blanks(values: list[Number | None], cells: list[Location]) -> Iterator[Issue]:
    for value, where in zip(values, cells, strict=False):
        if value is None:
            yield Issue(f"{where.name()}为空白（没有的应填 0）。", where)


def group_blank_cells(findings: list[Finding], report: Report) -> list[Finding]:
    """BLANK-CELL findings as one per table: how many cells, in which rows (and columns)."""
    blanks: dict[TableName, list[Location]] = {}
    kept = []
    for f in findings:
        if f.rule == "BLANK-CELL" and f.where.table and f.where.column:
            blanks.setdefault(f.where.table, []).append(f.where)
        else:
            kept.append(f)
    for table, cells in blanks.items():
        if len(cells) == _cell_count(report, table):
            message = f"{TABLE_NAMES[table]}全部为空白，请填写数字（没有的填 0）。"
        else:
            rows: dict[str, list[str]] = {}
            for cell in cells:
                rows.setdefault(cell.row or "", []).append(cell.column or "")
            listed = "、".join(
                f"「{row}」（{'、'.join(cols)}）" if row else "、".join(cols) for row, cols in rows.items()
            )
            message = f"{TABLE_NAMES[table]}有 {len(cells)} 个单元格为空白（没有的应填 0）：{listed}。"
        kept.append(Finding(rule="BLANK-CELL", severity="warning", message=message, where=Location(table=table)))
    return kept


def _cell_count(report: Report, table: TableName) -> int:
    if table == "table4":
        return len(report.table4)
    unprinted = unprinted_rows(report.table3, report.template) if table == "table3" else ()
    return sum(len(row) for label, row in getattr(report, table).items() if label not in unprinted)


def _count_problem(value: Number, *, signed: bool = False, amount: bool = False) -> str:
    """Why a cell is not a valid count/amount, or "" when it is."""
    if isinstance(value, bool):
        return "不是数字"
    if value < 0 and not signed:
        return "不能为负数"
    if not amount and not float(value).is_integer():
        return "应为整数"
    return ""


@rule("T3-INTEGER", "error")
def t3_integer(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: every 表三 cell is a non-negative whole number.
    Why: 表三 counts applications; 3.5 件 or -1 件 is impossible and always a typing or extraction error.
    Example: 「（一）予以公开」「自然人」 = 3.5.
    """
    for label, row in report.table3.items():
        for col, value in enumerate(row[: len(T3_COLUMNS)]):
            if value is not None and (problem := _count_problem(value)):
                where = t3_cell(label, col)
                yield Issue(f"{where.name()}为 {num(value)}，申请件数{problem}。", where)


@rule("T4-INTEGER", "error")
def t4_integer(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: every 表四 cell is a non-negative whole number.
    Why: 表四 counts cases; a fraction or a negative number is always wrong.
    Example: 「行政复议·结果维持」 = -2.
    """
    for col, value in enumerate(report.table4[: len(T4_COLUMNS)]):
        if value is not None and (problem := _count_problem(value)):
            where = t4_cell(col)
            yield Issue(f"{where.name()}为 {num(value)}，案件数{problem}。", where)


@rule("T2-COUNT", "error")
def t2_count(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: 表二 counts are non-negative whole numbers; 2019's 「本年增/减」 may be negative; amount
    columns (2021 收费金额 in 万元, 2019 采购总金额) may be decimals but not negative.
    Why: a negative 件数 or a fractional count is always a typing or extraction error.
    Example: 「行政许可」「本年处理决定数量」 = 12.5; 「行政事业性收费」 = -3 万元.
    """
    for item in TABLE2[report.template]:
        for row in item.rows:
            for col, value in enumerate(report.table2.get(row.text, [])[: len(item.columns)]):
                problem = value is not None and _count_problem(
                    value, signed=col in item.signed, amount=col in item.amount
                )
                if problem:
                    column = item.columns[col]
                    yield Issue(
                        f"表二「{row.text}」行「{column}」列为 {num(value)}，{problem}。",
                        t2_cell(row.text, column),
                    )


@rule("T3-BALANCE", "error")
def t3_balance(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: per column of 表三, 一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理.
    Why: it is the one identity printed in the official table header (本列数据的勾稽关系); a report
    breaking it is publicly wrong (error).
    Example: 一(23)+二(0)=23, but （七）总计(21)+四(0)=21.
    """
    rows = [t3_row(report, label) for label in (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT)]
    if any(r is None for r in rows):
        return
    new, carried, total, carry_next = rows
    for col, cells in enumerate(zip(new, carried, total, carry_next, strict=True)):
        if not all_known(cells):
            continue
        a, b, c, d = cells
        if a + b != c + d:
            yield Issue(
                f"表三「{T3_COLUMNS[col]}」列勾稽关系不成立：一({num(a)})+二({num(b)})={num(a + b)}，"
                f"而（七）总计({num(c)})+四({num(d)})={num(c + d)}。",
                t3_cell(T3_TOTAL, col),
            )


@rule("T3-ROW-TOTAL", "error")
def t3_row_total(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: per 表三 row, 总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他.
    Why: the 总计 column is the sum of the applicant columns by construction (error).
    Example: 「（一）予以公开」 7+0+0+0+0+1=8, but 总计 7.
    """
    for label in report.table3:
        row = t3_row(report, label)
        if row is None or not all_known(row):
            continue
        parts, total = row[:-1], row[-1]
        if sum(parts) != total:
            where = t3_cell(label, T3_TOTAL_COLUMN)
            yield Issue(
                f"{where.name()}为 {num(total)}，"
                f"而六类申请人之和为 {'+'.join(num(v) for v in parts)}={num(sum(parts))}。",
                where,
            )


@rule("T3-RESULT-SUM", "error")
def t3_result_sum(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: per 表三 column, （七）总计 = the sum of all result rows （一）…（六） with their sub-rows.
    Why: （七）总计 is the total of the handling results; any difference means a result was lost or
    double-counted (error).
    Example: pingtan 2020: the result rows add to 27 while （七）总计 says 21.
    """
    labels = result_rows(report.table3, report.template)
    rows = [t3_row(report, label) for label in labels]
    total = t3_row(report, T3_TOTAL)
    if total is None or any(r is None for r in rows):
        return
    for col in range(len(T3_COLUMNS)):
        cells = [r[col] for r in rows]
        if not all_known([*cells, total[col]]):
            continue
        if sum(cells) != total[col]:
            where = t3_cell(T3_TOTAL, col)
            nonzero = [num(v) for v in cells if v]
            terms = f"{'+'.join(nonzero)}={num(sum(cells))}" if len(nonzero) > 1 else num(sum(cells))
            yield Issue(f"{where.name()}为 {num(total[col])}，而各办理结果行之和为 {terms}。", where)


@rule("T4-GROUP-TOTAL", "error")
def t4_group_total(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: in each of 表四's three groups, 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.
    Why: every case has exactly one outcome or is pending; a group total that differs is wrong (error).
    Example: 行政复议 3+1+0+0=4, but 总计 5.
    """
    values = t4_values(report)
    if values is None:
        return
    for g, group in enumerate(T4_GROUPS):
        cells = values[t4_group(g)]
        if not all_known(cells):
            continue
        parts, total = cells[:-1], cells[-1]
        if sum(parts) != total:
            where = t4_cell(T4_GROUP_TOTALS[g])
            terms = "+".join(f"{o}({num(v)})" for o, v in zip(T4_OUTCOMES, parts, strict=False))
            yield Issue(f"{where.name()}为 {num(total)}，而{group} {terms}={num(sum(parts))}。", where)
