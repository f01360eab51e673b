"""A batch review written for the reviewer: an .xlsx workbook or one self-contained, sortable web page.

Both hold the same three views, built once here as rows: a summary (one row per report), every finding, and the
parsed 表三/表四 figures of all reports side by side.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path

from .cells import format_number
from .checks.names import rule_name
from .export import write_as
from .labels import T3_ROWS, T4_COLUMNS
from .report import SEVERITY_ZH
from .review import Reviewed, main_problem

SUMMARY_HEAD = ("文件", "机关", "年度", "格式", "错误", "警告", "主要问题", "对照的上年报告", "明细")
FINDINGS_HEAD = ("文件", "机关", "年度", "严重程度", "问题类型", "位置", "说明", "规则代码")
# 表三's rows of both formats in order (2019's single （六）其他处理 row before 2021's sub-rows), each row's 总计;
# a numbered sub-row is named with its group ("（三）不予公开 1.属于国家秘密"), since several share "1."
_T3_ROWS = list(dict.fromkeys(row for t in ("2019", "2021") for row in T3_ROWS[t]))
FIGURES_HEAD = (
    "文件",
    "机关",
    "年度",
    *(f"表三·{(r.group + ' ') if r.group else ''}{r.text}·总计" for r in _T3_ROWS),
    *(f"表四·{c}" for c in T4_COLUMNS),
)
SHEETS = ("汇总", "全部问题", "表三表四数字")


def _name(result: Reviewed) -> str:
    return Path(result.source.name).name


def _who(result: Reviewed) -> list[object]:
    report = result.report
    return [_name(result), report.org if report else "", report.year if report else ""]


def summary_rows(results: list[Reviewed]) -> list[list[object]]:
    rows = []
    for r in results:
        template = f"{r.report.template} 年版" if r.report else "无法读取"
        problem = f"与“{Path(r.duplicate_of).name}”重复；" if r.duplicate_of else ""
        counts = [r.errors, r.warnings] if not r.error else ["", ""]
        rows.append([*_who(r), template, *counts, problem + main_problem(r), Path(r.prior).name, ""])
    return rows


def finding_rows(results: list[Reviewed]) -> list[list[object]]:
    return [
        [*_who(r), SEVERITY_ZH[f.severity], rule_name(f.rule), f.where.name(), f.message, f.rule]
        for r in results
        for f in r.findings
    ]


def figure_rows(results: list[Reviewed]) -> list[list[object]]:
    rows = []
    for r in results:
        if r.report is None:
            continue
        t3 = [r.report.t3_total(row.text) for row in _T3_ROWS]
        t4 = r.report.table4 if len(r.report.table4) == len(T4_COLUMNS) else [None] * len(T4_COLUMNS)
        rows.append([*_who(r), *t3, *t4])
    return rows


def write_report(results: list[Reviewed], path: str | Path) -> Path:
    """The batch as .xlsx or .html, chosen by the file's suffix."""
    writers = {".xlsx": _write_xlsx, ".html": _write_html}
    return write_as(path, {suffix: partial(w, results) for suffix, w in writers.items()}, "审查结果 .xlsx 或 .html")


def _write_xlsx(results: list[Reviewed], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    tables = (
        (SUMMARY_HEAD, summary_rows(results)),
        (FINDINGS_HEAD, finding_rows(results)),
        (FIGURES_HEAD, figure_rows(results)),
    )
    for title, (head, rows) in zip(SHEETS, tables, strict=True):
        ws = wb.create_sheet(title)
        ws.append(list(head))
        for row in rows:
            ws.append(row)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{len(rows) + 1}"
        for i, width in enumerate(_widths(head), 1):
            ws.column_dimensions[get_column_letter(i)].width = width
    _link_findings(wb, results)
    wb.save(path)


def _widths(head: tuple[str, ...]) -> list[int]:
    wide = {"主要问题": 60, "说明": 70, "位置": 30, "文件": 28, "机关": 24, "对照的上年报告": 24}
    return [wide.get(name, 12) for name in head]


def _link_findings(wb: object, results: list[Reviewed]) -> None:
    """The summary's 明细 cell links to the report's first row in 全部问题."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    summary, found = wb[SHEETS[0]], wb[SHEETS[1]]  # type: ignore[index]
    row = 2
    for i, r in enumerate(results, 2):
        if r.findings:
            cell = summary.cell(i, len(SUMMARY_HEAD), f"查看 {len(r.findings)} 条")
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{found.title}'!A{row}")
            cell.style = "Hyperlink"
        row += len(r.findings)


_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0], rows = Array.from(body.rows), asc = th.dataset.asc !== '1';
    th.dataset.asc = asc ? '1' : '0';
    rows.sort(function (a, b) {
      var x = a.cells[col].innerText, y = b.cells[col].innerText, nx = parseFloat(x), ny = parseFloat(y);
      var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, 'zh');
      return asc ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""
_STYLE = (
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 2em;font-size:13px}"
    "th,td{border:1px solid #bbb;padding:3px 6px;vertical-align:top}"
    "th{background:#e8eef5;cursor:pointer;white-space:nowrap}tr.bad td{background:#fdecea}"
)


def _html_table(head: tuple[str, ...], rows: list[list[object]], flag: int | None = None) -> str:
    """A sortable table; with `flag`, rows whose column `flag` is a positive number are highlighted."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = []
    for row in rows:
        bad = flag is not None and isinstance(row[flag], int) and row[flag] > 0
        cells = "".join(f"<td>{html.escape(_text(v))}</td>" for v in row)
        body.append(f'<tr class="bad">{cells}</tr>' if bad else f"<tr>{cells}</tr>")
    return f'<table class="sortable"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _text(value: object) -> str:
    return format_number(value) if isinstance(value, int | float) or value is None else str(value)


def _write_html(results: list[Reviewed], path: Path) -> None:
    reports = sum(r.report is not None for r in results)
    with_errors = sum(r.errors > 0 for r in results)
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>年度报告批量审查结果</title>',
        f"<style>{_STYLE}</style></head><body><h1>年度报告批量审查结果</h1>",
        f"<p>共 {len(results)} 个文件，读出 {reports} 份报告，其中 {with_errors} 份有错误。点击表头可排序。</p>",
        f"<h2>{SHEETS[0]}</h2>",
        _html_table(SUMMARY_HEAD[:-1], [row[:-1] for row in summary_rows(results)], flag=4),
        f"<h2>{SHEETS[1]}</h2>",
        _html_table(FINDINGS_HEAD, finding_rows(results)),
        f"<h2>{SHEETS[2]}</h2>",
        _html_table(FIGURES_HEAD, figure_rows(results)),
        f"<script>{_SORT_JS}</script></body></html>",
    ]
    path.write_text("".join(parts), encoding="utf-8")
