"""One cell parser for every entry point: the report parser, the .xlsx and JSON import, the web table editor.

Each mark or number form goes through all four and must mean the same everywhere (cells.py decides it once).
"""

import json
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from assistant.cells import format_number, parse_cell
from assistant.errors import CellError, TablesError
from assistant.export import to_markdown
from assistant.labels import T3_ROWS
from assistant.parser import parse_text
from assistant.report import Report
from assistant.spreadsheet import load_tables, write_template
from assistant.tables import Tables, grids, t3_cell
from assistant.web.tables import from_frames, to_frames

ROW = T3_ROWS["2021"][2].text  # （一）予以公开
CELL = t3_cell(ROW, 1)  # 商业企业
SENTINEL = 987654

BLANK_MARKS = [
    "", " ", "/", "／", "\\", "＼", "-", "－", "–", "—", "——", "―", "─", "_", "＿", "无", "nan", "NaN", "None", "null",
]  # fmt: skip
NUMBERS = [("12", 12), ("１２", 12), ("1,234", 1234), ("1，234", 1234), (" 7 ", 7), ("0", 0), ("3件", 3)]
NOT_NUMBERS = ["约5", "二", "3万", "1.2.3", "five", "12/3", "1e400", "inf"]


def _zeros() -> Report:
    """A balanced 2021 report: every cell 0."""
    tables = Tables.blank("2021")
    tables.table2 = {k: [0] * len(v) for k, v in tables.table2.items()}
    tables.table3 = {k: [0] * len(v) for k, v in tables.table3.items()}
    tables.table4 = [0] * len(tables.table4)
    return Report(org="测试局", year=2024, **tables.model_dump())


def via_parser(raw: str, tmp_path) -> tuple[object, list[str]]:
    report = _zeros()
    report.set(CELL, SENTINEL)
    text = to_markdown(report).replace(f"| {SENTINEL} |", f"| {raw} |")
    report = parse_text(text)
    problems = [f.message for f in report.parse_findings if f.where.row == ROW]
    return report.cell(CELL), problems


def via_xlsx(raw: str, tmp_path) -> tuple[object, list[str]]:
    path = write_template(tmp_path / "t.xlsx", _zeros())
    wb = load_workbook(path)
    place = next(c for c in grids("2021")[1].value_cells if c.ref == CELL)
    wb["表三"].cell(place.row + 1, place.col + 1).value = raw
    wb.save(path)
    try:
        return load_tables(path).cell(CELL), []
    except TablesError as exc:
        return None, exc.problems


def via_json(raw: str, tmp_path) -> tuple[object, list[str]]:
    data = _zeros().to_json()
    data["tables"]["table3"][ROW][1] = raw
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    try:
        return load_tables(path).cell(CELL), []
    except TablesError as exc:
        return None, exc.problems


def via_web_editor(raw: str, tmp_path) -> tuple[object, list[str]]:
    report = _zeros()
    t2, t3, t4 = (frame.astype(object) for frame in to_frames(report))  # as typed in the browser
    t3.iloc[2, 2] = raw
    back, bad = from_frames(report, t2, t3, t4)
    return back.cell(CELL), [f.message for f in bad]


ENTRY_POINTS: dict[str, Callable] = {
    "parser": via_parser,
    "xlsx": via_xlsx,
    "json": via_json,
    "web": via_web_editor,
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("mark", BLANK_MARKS)
def test_a_blank_mark_is_blank_in_every_entry_point(entry, mark, tmp_path):
    assert ENTRY_POINTS[entry](mark, tmp_path) == (None, [])


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("raw", "value"), NUMBERS)
def test_a_number_reads_the_same_in_every_entry_point(entry, raw, value, tmp_path):
    assert ENTRY_POINTS[entry](raw, tmp_path) == (value, [])


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_a_non_number_is_refused_by_name_in_every_entry_point(entry, raw, tmp_path):
    value, problems = ENTRY_POINTS[entry](raw, tmp_path)
    assert value is None and len(problems) == 1
    # the parser says it could not read the row; the import paths and the editor name the cell and the text
    assert (ROW in problems[0]) and (raw.strip() in problems[0] or entry == "parser")
    if entry != "parser":
        assert "商业企业" in problems[0] and f"“{raw.strip()}”不是数字" in problems[0]


def test_pandas_nan_is_blank_and_floats_that_are_whole_become_int():
    assert parse_cell(float("nan")) is None
    assert parse_cell(3.0) == 3 and isinstance(parse_cell(3.0), int)
    assert parse_cell("12.50", "amount") == 12.5
    assert parse_cell("-18", "signed") == -18
    assert parse_cell("-18", kind=None) == -18  # as printed: the checker judges it


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("-1", "count", "-1 是负数，此处应为非负数"),
        ("-3", "amount", "-3 是负数，此处应为非负数"),
        ("2.5", "count", "2.5 不是整数，此处应为件数"),
        ("2.5", "signed", "2.5 不是整数，此处应为件数"),
        (True, "count", "“True”不是数字"),
        (float("inf"), "amount", "数值过大（14 位以上），请检查是否多打了数字"),
        ("9" * 5000, "count", "数值过大（14 位以上），请检查是否多打了数字"),
        (10**13, None, "数值过大（14 位以上），请检查是否多打了数字"),
        ([1], "count", "“[1]”不是数字"),
    ],
)
def test_a_value_its_column_cannot_hold_is_refused(raw, kind, message):
    with pytest.raises(CellError) as caught:
        parse_cell(raw, kind)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "blank", "shown"),
    [(None, "", ""), (None, "空白", "空白"), (3, "", "3"), (3.0, "", "3"), (12.5, "", "12.5"), (0.1 + 0.2, "", "0.3")],
)
def test_one_number_formatter(value, blank, shown):
    assert format_number(value, blank) == shown
