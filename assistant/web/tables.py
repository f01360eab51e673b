"""表格填报: 表二/表三/表四 as editable grids of fixed shape, with the checker's findings marked in them.

表二's editor is the official grid flattened (each merged cell in its top-left position, so every 第二十条
item keeps its own title and column row); 表三's is the official rows with their group in front; 表四's is
its official single row of 15 cells. Grids map back to the report by position and every cell is read by
`cells.parse_cell`. Which cells fail comes from the checker's findings, never from arithmetic of our own.

Typing never has the grid redrawn under the user: an edit saves the cells that changed (merged with what
another tab saved meanwhile) and only the marks, the official view and the findings follow.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from ..cells import parse_cell
from ..errors import CellError, InputError
from ..labels import T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_OUTCOMES, TEMPLATES, Template
from ..report import Finding, Number, Report
from ..service import Service, blank_report
from ..tables import TABLE_TITLES, Grid, Location, Tables, column_kind, t3_cell, t4_cell, table2_grid, total_rules
from .common import (
    Tab,
    download,
    failing_cells,
    findings_in,
    info,
    on,
    path_of,
    render_html,
    report_in,
    saved_state,
    severity_class,
    warn,
)
from .upload import TABLE_TYPES, refuse_old_format

_T2_WIDTH = max(table2_grid(t).cols for t in TEMPLATES)
T2_HEAD = ("项目", *(f"第{n}栏" for n in "一二三四五六"[: _T2_WIDTH - 1]))
T3_HEAD = ("项目", *T3_COLUMNS)
_T4_SHORT = ("行政复议", "直接起诉", "复议后起诉")
T4_HEAD = tuple(f"{g}·{o}" for g in _T4_SHORT for o in T4_OUTCOMES)
TOTALS_SHOWN = 12
MARK_COLOURS = {"bad": "#fdd", "warn": "#fff3c4"}


def t3_row_labels(template: Template) -> list[str]:
    """表三 row labels as the official table shows them, a sub-row with its group heading in front."""
    return [f"{row.group} {row.text}" if row.group else row.text for row in T3_ROWS[template]]


def _shown(value: Number | None) -> Number | str:
    return "" if value is None else value


def _flatten(grid: Grid, report: Tables, width: int) -> list[list]:
    """A grid as rows of `width` cells: labels as text, values as numbers, covered cells blank."""
    rows: list[list] = [[""] * width for _ in range(grid.rows)]
    for c in grid.cells:
        rows[c.row][c.col] = _shown(report.cell(c.ref)) if c.ref else c.text
    return rows


def to_frames(report: Tables) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The report's three tables as editor grids (blank cells stay blank, not 0)."""
    t = report.template
    t2 = _flatten(table2_grid(t), report, _T2_WIDTH)
    t3 = []
    for row, shown in zip(T3_ROWS[t], t3_row_labels(t), strict=True):
        values = report.table3.get(row.text) or [None] * len(T3_COLUMNS)
        t3.append([shown, *map(_shown, values)])
    t4 = [list(map(_shown, report.table4 or [None] * len(T4_COLUMNS)))]
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


def editor_cells(template: Template) -> list[tuple[str, int, int, Location]]:
    """Every value cell of the three editors: (editor, row, column, the cell it holds)."""
    out = [("table2", c.row, c.col, c.ref) for c in table2_grid(template).value_cells if c.ref]
    out += [
        ("table3", r, col + 1, t3_cell(row.text, col))
        for r, row in enumerate(T3_ROWS[template])
        for col in range(len(T3_COLUMNS))
    ]
    return out + [("table4", 0, col, t4_cell(col)) for col in range(len(T4_COLUMNS))]


def from_frames(report: Report, t2: object, t3: object, t4: object) -> tuple[Report, list[Finding]]:
    """A copy of the report with the grids' numbers; cells that are not numbers become findings.

    Only value cells are read: 表二's titles, column names and unused cells are labels, not input."""
    template = report.template
    bad: list[Finding] = []
    rows = {"table2": _rows(t2), "table3": _rows(t3), "table4": _rows(t4)}
    tables = Tables.blank(template)
    for editor, r, c, cell in editor_cells(template):
        try:
            value = parse_cell(_at(rows[editor], r, c), column_kind(template, cell))
        except CellError as exc:
            bad.append(Finding(rule="UI-NOT-A-NUMBER", severity="error", message=f"{cell.name()}：{exc}", where=cell))
            value = None
        tables.set(cell, value)
    update = {"table2": tables.table2, "table3": tables.table3, "table4": tables.table4}
    return report.model_copy(update=update, deep=True), bad


def grid_marks(findings: list[Finding], tables: Tables) -> str:
    """CSS colouring the failing cells in the grids being edited (by their position in the editor)."""
    marks = failing_cells(findings, tables)
    rules = []
    for editor, r, c, cell in editor_cells(tables.template):
        if hit := marks.get(cell):
            rules.append(
                f'#{editor} [data-testid="cell-{r}-{c}"]{{background:{MARK_COLOURS[severity_class(hit)]}!important}}'
            )
    return f"<style>{''.join(rules)}</style>" if rules else ""


def with_all_totals(tables: Report) -> tuple[Report, list[str]]:
    """Every total that can be computed from its parts, repeated until nothing changes (a total of totals
    is filled once its parts are); the totals left alone, named."""
    filled, _ = tables.with_totals()
    while True:
        again, skipped_again = filled.with_totals()
        if again == filled:
            return filled, skipped_again
        filled = again


def with_zeros(report: Report) -> Report:
    """Every blank part filled with 0 (a total stays for 计算合计 to compute from its parts)."""
    totals = {total for total, _ in total_rules(report.template)}
    filled = report.model_copy(deep=True)
    for _, _, _, cell in editor_cells(report.template):
        if cell not in totals and filled.cell(cell) is None:
            filled.set(cell, 0)
    return filled


def totals_notice(skipped: list[str]) -> str:
    """Which totals 计算合计 left alone and why."""
    shown = "、".join(skipped[:TOTALS_SHOWN]) + (f"等共 {len(skipped)} 项" if len(skipped) > TOTALS_SHOWN else "")
    return f"以下合计的组成项有空白（空白不等于 0），未计算：{shown}。没有发生的可点“空白填0”。"


def _table_editor(key: str, head: tuple[str, ...], rows: int, note: str = "") -> gr.Dataframe:
    """An editable statistics table of fixed shape: no row or column can be added or deleted."""
    return gr.Dataframe(
        headers=list(head),
        label=TABLE_TITLES[key] + note,
        interactive=True,
        static_columns=[0] if key != "table4" else [],
        elem_id=key,
        max_height=900,
        # a (count, "fixed") pair is what gradio 6's grid honours (its row_limits/column_limits are not built yet)
        row_count=(rows, "fixed"),  # type: ignore[arg-type]
        column_count=(len(head), "fixed"),  # type: ignore[arg-type]
        elem_classes="nb-scroll",
    )


class TablesTab(Tab):
    def build(self) -> None:
        t = "2021"
        with gr.Tab("表格填报", id="tables"):
            gr.Markdown(
                "填写三张统计表；修改后立即校验：出错的单元格标红（警告标黄），下方按官方格式显示三张表，鼠标悬停可看说明。"
                "空白不等于 0；没有发生的事项可点“空白填0”。"
            )
            self.template = gr.Radio(list(TEMPLATES), value=t, label="报告格式（年版）", elem_id="tb-template")
            self.marks = gr.HTML(elem_id="grid-marks")
            self.t2 = _table_editor("table2", T2_HEAD, table2_grid(t).rows, "（在各项的数值栏填写）")
            self.t3 = _table_editor("table3", T3_HEAD, len(T3_ROWS[t]))
            self.t4 = _table_editor("table4", T4_HEAD, 1)
            with gr.Row():
                self.totals = gr.Button("计算合计", elem_id="tb-totals")
                self.zeros = gr.Button("空白填0", elem_id="tb-zeros")
                self.export = gr.Button("导出报告（.docx/.md）", elem_id="tb-export")
                self.export_xlsx = gr.Button("导出表格（.xlsx）", elem_id="tb-xlsx-go")
            with gr.Row():
                self.upload = gr.File(label="导入表格（.xlsx/.json）", file_types=TABLE_TYPES, elem_id="tb-import")
                self.docx = gr.File(label="报告 .docx", interactive=False, visible=False, elem_id="tb-docx")
                self.md = gr.File(label="报告 .md", interactive=False, visible=False, elem_id="tb-md")
                self.xlsx = gr.File(label="表格 .xlsx", interactive=False, visible=False, elem_id="tb-xlsx")
            self.check = gr.HTML(elem_id="table-check")
        self.views = [self.template, self.t2, self.t3, self.t4, self.marks, self.check]

    def wire(self) -> None:
        page, svc = self.page, self.page.svc
        # one queue for every change of the tables, so a click on 计算合计 lands after the cell typed before it
        serial: dict = {"concurrency_id": "table-edits", "concurrency_limit": 1}
        for name, grid in (("table2", self.t2), ("table3", self.t3), ("table4", self.t4)):
            on(
                svc,
                [grid.edit],
                self._cell_editor(name),
                [page.session, page.doc, page.tab],
                [page.doc],
                show_progress="hidden",
                trigger_mode="multiple",  # every typed cell is its own save: none may be dropped while one runs
                **serial,
            )
        state = [page.session, page.doc]
        on(svc, [self.totals.click], self.fill_totals, state, [page.doc], **serial)
        on(svc, [self.zeros.click], self.fill_zeros, state, [page.doc], **serial)
        on(svc, [self.template.input], self.switch_template, [self.template, *state], [page.doc], **serial)
        on(svc, [self.upload.upload], self.import_tables, [self.upload, *state], [page.doc], **serial)
        on(svc, [self.export.click], self.export_report, [page.session], [self.docx, self.md])
        on(svc, [self.export_xlsx.click], self.export_tables, [page.session], [self.xlsx])

    def show(self, doc: dict) -> tuple:
        report = report_in(doc) or blank_report()
        findings = findings_in(doc)
        shown = [f for f in findings if f.where.table is not None or f.rule in ("TABLE-MISSING", "UI-NOT-A-NUMBER")]
        if doc.get("origin") == "grid":
            grids: tuple = tuple(gr.skip() for _ in range(3))
        else:
            grids = tuple(gr.update(value=f, row_count=(len(f), "fixed")) for f in to_frames(report))
        return report.template, *grids, grid_marks(shown, report), render_html(report, shown)

    # ── handlers ──

    @property
    def svc(self) -> Service:
        return self.page.svc

    def _latest(self, session_id: str, doc: dict, template: str | None = None) -> Report:
        """What the tables act on: the latest saved draft (typed cells are saved one by one)."""
        return self.svc.latest(session_id) or report_in(doc) or blank_report(template or "2021")

    def _save(self, report: Report, label: str, session_id: str) -> dict:
        return saved_state(self.svc, session_id, self.svc.save(session_id, report, label))

    def _cell_editor(self, editor: str) -> Any:
        def edited(evt: gr.EditData, session_id: str, doc: dict, tab: str = "") -> dict:
            """One typed cell saved at once (never the whole grid, which may be older than the draft)."""
            template = (report_in(doc) or blank_report()).template
            cells = {(e, r, c): cell for e, r, c, cell in editor_cells(template)}
            row, col = evt.index  # type: ignore[misc]
            cell = cells.get((editor, row, col))
            if cell is None:  # a label: nothing to save
                return gr.skip()
            kind = column_kind(template, cell)
            bad: list[Finding] = []
            try:
                value = parse_cell(evt.value, kind)
            except CellError as exc:
                bad.append(
                    Finding(rule="UI-NOT-A-NUMBER", severity="error", message=f"{cell.name()}：{exc}", where=cell)
                )
                value = None
            try:
                previous = parse_cell(evt.previous_value, kind)
            except CellError:
                previous = None
            if value is None and not bad and str(evt.value or "").strip():
                warn(f"“{str(evt.value).strip()}”按空白处理（空白不等于 0）；没有发生的事项请填 0。")
            saved = self.svc.set_cell(session_id, cell, value, previous, template, int(doc.get("rev", 0)), tab or "")
            # a cell that is not a number stays named until it is typed again (it is saved as blank meanwhile)
            # (a redraw after another tab's save shows the saved blanks instead)
            earlier = [f for f in findings_in(doc) if f.rule == "UI-NOT-A-NUMBER" and f.where != cell]
            saved.findings = bad + ([] if saved.merged else earlier) + saved.findings
            return saved_state(self.svc, session_id, saved, origin="grid")

        edited.__name__ = f"edit_{editor}"
        return edited

    def fill_totals(self, session_id: str, doc: dict) -> dict:
        report, skipped = with_all_totals(self._latest(session_id, doc))
        if skipped:
            warn(totals_notice(skipped))
        return self._save(report, "计算合计", session_id)

    def fill_zeros(self, session_id: str, doc: dict) -> dict:
        report, _ = with_all_totals(with_zeros(self._latest(session_id, doc)))
        info("空白单元格已填 0，合计已重新计算。")
        return self._save(report, "空白填0", session_id)

    def switch_template(self, template: str, session_id: str, doc: dict) -> dict:
        """Rebuild the grids for the other format; rows both formats share keep their numbers."""
        report = self._latest(session_id, doc, template)
        if report.template == template:
            return gr.skip()
        blank = Tables.blank(template)  # type: ignore[arg-type]
        t2 = {k: report.table2.get(k, v) for k, v in blank.table2.items()}
        t3 = {k: report.table3.get(k, v) for k, v in blank.table3.items()}
        update = {"template": template, "table2": t2, "table3": t3, "table4": report.table4 or blank.table4}
        return self._save(report.model_copy(update=update), "切换格式", session_id)

    def import_tables(self, file: Any, session_id: str, doc: dict) -> dict:
        from ..spreadsheet import load_tables

        if not file:
            raise InputError("请选择 .xlsx 或 .json 表格文件。")
        refuse_old_format(file)
        tables = load_tables(path_of(file))
        report = self._latest(session_id, doc, tables.template).model_copy(update=tables.tables().model_dump())
        info("表格已导入。")
        return self._save(report, "导入表格", session_id)

    def export_tables(self, session_id: str) -> Any:
        from ..spreadsheet import write_template

        report = self.svc.latest(session_id) or blank_report()
        path = Path(tempfile.mkdtemp(prefix="nianbao-tables-")) / "统计表.xlsx"
        return download(write_template(path, report, report.template))

    def export_report(self, session_id: str) -> tuple:
        report = self.svc.latest(session_id)
        if report is None:
            raise InputError("还没有草稿：请先填写统计表或生成初稿。")
        docx, md = self.svc.export(report, self.svc.check(report))
        return download(docx), download(md)
