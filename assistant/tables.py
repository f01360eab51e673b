"""表二/表三/表四 as one value type, the places in them, which cells total which, and their official layout.

`Tables` is what a report, a spreadsheet, a JSON file and the web editor all hold; `Location` names a place
(a cell, a row, a table, a section) for findings and for the grids; `total_rules` says which cells sum to
which; `grids` is the official merged layout of the 2021 template (and its column widths), drawn by the
.docx and Markdown export, the spreadsheet and the web app alike, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

from .cells import Kind, Number
from .labels import (
    T3_COLUMNS,
    T3_HEADER_RULE,
    T3_RESULTS,
    T3_ROWS,
    T3_TOTAL,
    T3_TOTAL_COLUMN,
    T4_COLUMNS,
    T4_GROUP_SIZE,
    T4_GROUP_TOTALS,
    T4_GROUPS,
    T4_OUTCOMES,
    TABLE2,
    Table2Item,
    Template,
    t3_result_rows,
    t4_group,
)

TableName = Literal["table2", "table3", "table4"]
TABLE_NAMES: dict[TableName, str] = {"table2": "表二", "table3": "表三", "table4": "表四"}
TABLE_TITLES: dict[TableName, str] = {
    "table2": "表二 主动公开政府信息情况",
    "table3": "表三 收到和处理政府信息公开申请情况",
    "table4": "表四 政府信息公开行政复议、行政诉讼情况",
}


class Location(BaseModel):
    """Where a finding is: a table cell, row or whole table; a narrative section; or an aspect of the report
    that is no place in it (its statistics period, last year's report). Unset fields are "all of it"."""

    model_config = ConfigDict(frozen=True)

    table: TableName | None = None
    row: str | None = None  # the official row label (表四 has one row and no label)
    column: str | None = None  # the official column name (表四: "行政复议·结果维持" …)
    section: str | None = None  # an official section heading
    aspect: Literal["period", "prior"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_legacy(cls, data: object) -> object:
        """Drafts autosaved by earlier versions stored "table3:<row>:<column>" / "section:<heading>" strings."""
        if not isinstance(data, str):
            return data
        head, _, rest = data.partition(":")
        if head in TABLE_NAMES:
            row, _, column = rest.partition(":")
            if head == "table4":
                row, column = "", row
            return {"table": head, "row": row or None, "column": column or None}
        if head == "section":
            return {"section": rest}
        return {"aspect": head} if head in ("period", "prior") else {"section": data or None}

    @model_serializer(mode="wrap")
    def _compact(self, handler):  # noqa: ANN001, ANN202 (pydantic's serializer protocol)
        """Only the fields that are set: {"table": "table3", "row": "（七）总计", "column": "自然人"}."""
        return {k: v for k, v in handler(self).items() if v is not None}

    def name(self) -> str:
        """The place as a reader names it: 表三「（七）总计」行「自然人」列, 表四「行政复议·总计」, 「五、…」."""
        if self.table:
            row = f"「{self.row}」行" if self.row else ""
            column = f"「{self.column}」" + ("列" if self.row else "") if self.column else ""
            return TABLE_NAMES[self.table] + row + column
        if self.section:
            return f"「{self.section}」"
        return {"period": "统计期限", "prior": "上年报告"}.get(self.aspect or "", "全文")

    def covers(self, cell: Location) -> bool:
        """Whether this place includes a value cell (a row covers its cells; a whole table covers none)."""
        return (
            self.table == cell.table
            and (self.row is not None or self.column is not None)
            and self.row in (None, cell.row)
            and self.column in (None, cell.column)
        )


def t3_cell(row: str, col: int) -> Location:
    return Location(table="table3", row=row, column=T3_COLUMNS[col])


def t4_cell(col: int) -> Location:
    return Location(table="table4", column=T4_COLUMNS[col])


def t2_cell(row: str, column: str) -> Location:
    return Location(table="table2", row=row, column=column)


def table2_item(template: Template, row: str) -> Table2Item | None:
    """The 第二十条 item of 表二 a row belongs to (None for a row not in the template)."""
    return next((item for item in TABLE2[template] for r in item.rows if r.text == row), None)


def columns(template: Template, table: TableName, row: str | None = None) -> tuple[str, ...]:
    """The official column names of a table's row (表二's differ per 第二十条 item)."""
    if table == "table3":
        return T3_COLUMNS
    if table == "table4":
        return T4_COLUMNS
    item = table2_item(template, row or "")
    return item.columns if item else ()


def column_kind(template: Template, cell: Location) -> Kind:
    """What a cell may hold: counts everywhere but 表二's signed (2019 本年增/减) and amount columns."""
    item = table2_item(template, cell.row or "") if cell.table == "table2" else None
    if item is None or cell.column not in item.columns:
        return "count"
    i = item.columns.index(cell.column)
    return "signed" if i in item.signed else "amount" if i in item.amount else "count"


class Tables(BaseModel):
    """The three statistics tables of one report (None = a blank cell, never 0), rows keyed by official label.

    A `Report` is its tables plus the narrative, so every function that takes tables takes a report too.
    """

    template: Template = "2021"
    table2: dict[str, list[Number | None]] = Field(default_factory=dict)
    # counts, but a published table may print 21.7: kept as printed, for T3-/T4-INTEGER to report
    table3: dict[str, list[Number | None]] = Field(default_factory=dict)
    table4: list[Number | None] = Field(default_factory=list)

    @classmethod
    def blank(cls, template: Template) -> Tables:
        """Every official row of the template with every cell blank, e.g. a form to fill in."""
        return cls(
            template=template,
            table2={row.text: [None] * len(item.columns) for item in TABLE2[template] for row in item.rows},
            table3={row.text: [None] * len(T3_COLUMNS) for row in T3_ROWS[template]},
            table4=[None] * len(T4_COLUMNS),
        )

    def tables(self) -> Tables:
        """Just the tables (of a report, say), as their own value."""
        return Tables(template=self.template, table2=self.table2, table3=self.table3, table4=self.table4)

    def tables_json(self) -> dict:
        """The "tables" part of `parse --json`."""
        return {"table2": self.table2, "table3": self.table3, "table4": self.table4}

    def _row(self, cell: Location) -> tuple[list, int] | None:
        """The stored list holding a cell and the cell's index in it."""
        if cell.table is None:
            return None
        names = columns(self.template, cell.table, cell.row)
        values = self.table4 if cell.table == "table4" else getattr(self, cell.table).get(cell.row or "")
        i = names.index(cell.column) if cell.column in names else -1
        return (values, i) if values is not None and 0 <= i < len(values) else None

    def cell(self, cell: Location) -> Number | None:
        """A cell's value (None when blank or missing)."""
        found = self._row(cell)
        return found[0][found[1]] if found else None

    def set(self, cell: Location, value: Number | None) -> None:
        """Change a cell of an official row (the row must exist, as in `blank`)."""
        found = self._row(cell)
        if found is None:
            raise KeyError(cell)
        found[0][found[1]] = value

    def t3_total(self, row: str) -> int | None:
        """A 表三 row's 总计 (None when blank or missing)."""
        values = self.table3.get(row)
        return values[T3_TOTAL_COLUMN] if values and len(values) == len(T3_COLUMNS) else None

    def t4_totals(self) -> tuple[int | None, int | None, int | None] | None:
        """表四's three group totals (行政复议, 未经复议直接起诉, 复议后起诉), or None when 表四 is incomplete."""
        if len(self.table4) != len(T4_COLUMNS):
            return None
        review, direct, after = (self.table4[i] for i in T4_GROUP_TOTALS)
        return review, direct, after

    def t4_groups(self) -> list[list[int | None]]:
        """表四 as its three groups of five (four outcomes, then the total); [] when 表四 is incomplete."""
        if len(self.table4) != len(T4_COLUMNS):
            return []
        return [self.table4[t4_group(g)] for g in range(len(T4_GROUPS))]

    def with_totals(self) -> tuple[Self, list[str]]:
        """A copy with every total filled from its parts (`total_rules`), and the totals left alone.

        A total is only filled when all its parts are filled, so a blank never silently counts as 0; the
        totals left alone are named with their count of blank parts (a wholly blank table in one line).
        """
        filled = self.model_copy(deep=True)
        skipped: list[str] = []
        blank_tables = {
            name for name, values in (("table3", list(_flat(filled.table3))), ("table4", filled.table4))
            if all(v is None for v in values)
        }  # fmt: skip
        skipped += [f"{TABLE_NAMES[name]}的全部合计（整张表都是空白）" for name in sorted(blank_tables)]
        for total, parts in total_rules(self.template):
            if total.table in blank_tables or filled._row(total) is None:
                continue
            values = [filled.cell(p) for p in parts]
            if blanks := sum(v is None for v in values):
                skipped.append(f"{total.name()}（{blanks} 个组成项空白）")
            else:
                filled.set(total, sum(values))  # type: ignore[arg-type]
        return filled, skipped


def _flat(table: dict[str, list]) -> list:
    return [v for values in table.values() for v in values]


def total_rules(template: Template) -> list[tuple[Location, list[Location]]]:
    """(total cell, its parts) in computing order (a later total may sum earlier ones): 表三's （七）总计 row
    sums the result rows, each row's 总计 its six applicant columns, 表四's group totals their outcomes."""
    rules = [(t3_cell(T3_TOTAL, c), [t3_cell(r, c) for r in t3_result_rows(template)]) for c in range(T3_TOTAL_COLUMN)]
    rules += [
        (t3_cell(row.text, T3_TOTAL_COLUMN), [t3_cell(row.text, c) for c in range(T3_TOTAL_COLUMN)])
        for row in T3_ROWS[template]
    ]
    rules += [(t4_cell(t), [t4_cell(c) for c in range(t - T4_GROUP_SIZE + 1, t)]) for t in T4_GROUP_TOTALS]
    return rules


# ── the official grids ──────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class GridCell:
    """One cell of an official table, listed at its top-left position; `ref` marks a value cell."""

    row: int
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    ref: Location | None = None
    header: bool = False


@dataclass(frozen=True)
class Grid:
    """An official table: its size, its cells and its column widths in mm (text width on A4 is 156 mm)."""

    name: TableName
    rows: int
    cols: int
    cells: tuple[GridCell, ...]
    widths_mm: tuple[float, ...]

    @property
    def title(self) -> str:
        return TABLE_NAMES[self.name]

    @property
    def value_cells(self) -> tuple[GridCell, ...]:
        return tuple(c for c in self.cells if c.ref is not None)


def table2_grid(template: Template) -> Grid:
    """表二: per 第二十条 item a title row, a header row and data rows; the last value spans the rest."""
    cols = 1 + max(len(item.columns) for item in TABLE2[template])
    cells: list[GridCell] = []
    r = 0
    for item in TABLE2[template]:
        cells.append(GridCell(r, 0, item.heading, colspan=cols, header=True))
        spans = [1] * (len(item.columns) - 1) + [cols - len(item.columns)]
        cells.append(GridCell(r + 1, 0, "信息内容", header=True))
        c = 1
        for name, span in zip(item.columns, spans, strict=True):
            cells.append(GridCell(r + 1, c, name, colspan=span, header=True))
            c += span
        r += 2
        for label in item.rows:
            cells.append(GridCell(r, 0, label.text))
            c = 1
            for name, span in zip(item.columns, spans, strict=True):
                cells.append(GridCell(r, c, colspan=span, ref=t2_cell(label.text, name)))
                c += span
            r += 1
    return Grid("table2", r, cols, tuple(cells), (48, 36, 36, 36))


def table3_grid(template: Template) -> Grid:
    """表三: 3 label columns + 7 value columns under a 3-row header, as in the official template."""
    cells = [
        GridCell(0, 0, T3_HEADER_RULE, rowspan=3, colspan=3, header=True),
        GridCell(0, 3, "申请人情况", colspan=7, header=True),
        GridCell(1, 3, T3_COLUMNS[0], rowspan=2, header=True),
        GridCell(1, 4, "法人或其他组织", colspan=5, header=True),
        GridCell(1, 9, T3_COLUMNS[T3_TOTAL_COLUMN], rowspan=2, header=True),
        *(GridCell(2, 4 + i, name, header=True) for i, name in enumerate(T3_COLUMNS[1:T3_TOTAL_COLUMN])),
    ]
    rows = T3_ROWS[template]
    results = t3_result_rows(template)
    first, last = (next(i for i, row in enumerate(rows) if row.text == label) for label in (results[0], T3_TOTAL))
    base = 3
    for i, row in enumerate(rows):
        r = base + i
        if i < first or i > last:
            cells.append(GridCell(r, 0, row.text, colspan=3))
        elif row.group:
            if rows[i - 1].group != row.group:
                size = sum(1 for g in rows if g.group == row.group)
                cells.append(GridCell(r, 1, row.group, rowspan=size))
            cells.append(GridCell(r, 2, row.text))
        else:
            if i == first:
                cells.append(GridCell(r, 0, T3_RESULTS, rowspan=last - first + 1))
            cells.append(GridCell(r, 1, row.text, colspan=2))
        cells.extend(GridCell(r, 3 + j, ref=t3_cell(row.text, j)) for j in range(len(T3_COLUMNS)))
    return Grid("table3", base + len(rows), 10, tuple(cells), (9, 19, 44, *[12] * 7))


def table4_grid() -> Grid:
    """表四: 行政复议 (5 columns) and 行政诉讼 (10 columns) under a 3-row header, one row of numbers."""
    size = T4_GROUP_SIZE
    cells = [
        GridCell(0, 0, "行政复议", colspan=size, header=True),
        GridCell(0, size, "行政诉讼", colspan=2 * size, header=True),
        *(GridCell(1, i, name, rowspan=2, header=True) for i, name in enumerate(T4_OUTCOMES)),
        GridCell(1, size, "未经复议直接起诉", colspan=size, header=True),
        GridCell(1, 2 * size, "复议后起诉", colspan=size, header=True),
        *(GridCell(2, size + i, T4_OUTCOMES[i % size], header=True) for i in range(2 * size)),
        *(GridCell(3, i, ref=t4_cell(i)) for i in range(len(T4_COLUMNS))),
    ]
    return Grid("table4", 4, len(T4_COLUMNS), tuple(cells), (10.4,) * len(T4_COLUMNS))


def grids(template: Template) -> tuple[Grid, Grid, Grid]:
    return table2_grid(template), table3_grid(template), table4_grid()
