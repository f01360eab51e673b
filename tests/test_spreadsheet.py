"""The tables spreadsheet: layout, formulas, filling and reading back, every bad cell, JSON import, CLI."""

import json
from pathlib import Path

import openpyxl
import pytest

from assistant.cli import main
from assistant.labels import T3_COLUMNS, T3_ROWS, T4_COLUMNS
from assistant.parser import parse_file
from assistant.spreadsheet import TablesError, load_tables, write_template

NEW, CARRIED = "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"


@pytest.fixture(scope="module")
def pingtan_2023(reports):
    return parse_file(reports / "pingtan-2023.txt")


def test_blank_template_2021_layout_and_formulas(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert wb.sheetnames == ["表二", "表三", "表四"]
    t3 = wb["表三"]
    merged = {str(r) for r in t3.merged_cells.ranges}
    assert {"A1:C3", "D1:J1", "D2:D3", "E2:I2", "J2:J3", "A6:A27", "B8:B15", "B24:B26", "B27:C27", "A4:C4"} <= merged
    assert t3["C26"].value == "3.其他" and t3["A28"].value == "四、结转下年度继续办理"
    assert t3["J4"].value == "=SUM(D4:I4)"
    assert t3["D27"].value == "=SUM(D6:D26)"
    assert t3["D29"].value == "=D4+D5-D27-D28"  # the balance row
    assert t3.conditional_formatting and t3.freeze_panes == "D4"
    assert t3["D4"].protection.locked is False and t3["A4"].protection.locked is True and t3.protection.sheet
    assert t3["D4"].fill.fgColor.rgb.endswith("FFF2CC")
    t4 = wb["表四"]
    assert {"A1:E1", "F1:O1", "A2:A3", "F2:J2", "K2:O2"} <= {str(r) for r in t4.merged_cells.ranges}
    assert [t4["E4"].value, t4["J4"].value, t4["O4"].value] == ["=SUM(A4:D4)", "=SUM(F4:I4)", "=SUM(K4:N4)"]
    t2 = wb["表二"]
    assert t2["D2"].value == "现行有效件数" and "B7:D7" in {str(r) for r in t2.merged_cells.ranges}


def test_template_2019_layout(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", template="2019"))
    t3 = wb["表三"]
    assert "A6:A25" in {str(r) for r in t3.merged_cells.ranges}
    assert t3["B24"].value == "（六）其他处理" and "B24:C24" in {str(r) for r in t3.merged_cells.ranges}
    assert wb["表二"]["A16"].value == "第二十条第（九）项"


def test_filled_cells_read_back_with_recomputed_totals(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    t3 = wb["表三"]
    t3["D4"], t3["E4"], t3["F4"] = 5, "3", "/"  # 一、本年新收: 自然人 5, 商业企业 3, 科研机构 blank
    t3["D6"], t3["D7"], t3["E6"] = 2, 1, 3
    t3["J5"] = 0  # a typed total that agrees with its (blank) parts is kept
    wb["表二"]["B3"], wb["表二"]["B10"] = 4, "—"
    wb["表四"]["A4"], wb["表四"]["B4"] = 1, 2
    wb.save(path)
    tables = load_tables(path)
    assert tables.template == "2021"
    assert tables.table3[NEW] == [5, 3, None, None, None, None, 8]
    assert tables.table3[CARRIED] == [None] * 6 + [0]
    assert tables.table3["（七）总计"] == [3, 3, None, None, None, None, 6]
    assert tables.table2["规章"] == [4, None, None] and tables.table2["行政处罚"] == [None]
    assert tables.table4[:5] == [1, 2, None, None, 3] and tables.table4[5:] == [None] * 10


def test_prefilled_from_report_round_trips(tmp_path: Path, pingtan_2023) -> None:
    tables = load_tables(write_template(tmp_path / "p.xlsx", pingtan_2023))
    assert tables.template == "2021"
    assert tables.table3 == pingtan_2023.table3 and tables.table4 == pingtan_2023.table4
    assert all(tables.table2[k] == v for k, v in pingtan_2023.table2.items())


def test_report_total_that_disagrees_is_kept_and_reported(tmp_path: Path, reports) -> None:
    report = parse_file(reports / "pingtan-2020.txt")  # a real error: 办理结果 rows do not add up to （七）总计
    path = write_template(tmp_path / "p.xlsx", report)
    assert openpyxl.load_workbook(path)["表三"]["D25"].value == report.table3["（七）总计"][0]
    with pytest.raises(
        TablesError, match=r"表三「（七）总计」行「自然人」列（D25）：填写的合计 20 与各项之和 26 不一致"
    ):
        load_tables(path)


def test_every_bad_cell_is_reported(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx", template="2019")
    wb = openpyxl.load_workbook(path)
    t3 = wb["表三"]
    t3["D12"], t3["E4"], t3["F4"], t3["G4"], t3["H4"] = "abc", -1, 2.5, "减4", True
    t3["D6"] = "=1+2"  # a formula openpyxl cannot evaluate, in a cell meant for a number
    wb["表二"]["C7"] = -18  # 2019 本年增/减 may be negative
    wb["表二"]["C18"] = 251000.5  # 采购总金额 is an amount
    wb["表二"]["B3"] = 1.5
    wb.save(path)
    with pytest.raises(TablesError) as err:
        load_tables(path)
    assert err.value.problems == [
        "表二「规章」行「本年新制作数量」列（B3）：1.5 不是整数，此处应为件数",
        "表三「一、本年新收政府信息公开申请数量」行「商业企业」列（E4）：-1 是负数，此处应为非负数",
        "表三「一、本年新收政府信息公开申请数量」行「科研机构」列（F4）：2.5 不是整数，此处应为件数",
        "表三「一、本年新收政府信息公开申请数量」行「社会公益组织」列（G4）：“减4”不是数字",
        "表三「一、本年新收政府信息公开申请数量」行「法律服务机构」列（H4）：“True”不是数字",
        "表三「（一）予以公开」行「自然人」列（D6）：公式没有计算结果，请直接填写数字",
        "表三「5.属于三类内部事务信息」行「自然人」列（D12）：“abc”不是数字",
    ]
    assert "统计表有误" in str(err.value)


def test_wrong_shape_and_bad_files(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["表三"]["C9"] = "改过的标签"
    del wb["表四"]
    wb.save(path)
    with pytest.raises(TablesError) as err:
        load_tables(path)
    assert "缺少工作表「表四」" in str(err.value) and "表三 C9 应为「2.其他法律行政法规禁止公开」" in str(err.value)
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(TablesError, match="不是有效的 .xlsx"):
        load_tables(tmp_path / "bad.xlsx")
    with pytest.raises(TablesError, match="找不到文件"):
        load_tables(tmp_path / "missing.xlsx")
    (tmp_path / "t.csv").write_text("1,2")
    with pytest.raises(TablesError, match="只支持"):
        load_tables(tmp_path / "t.csv")


def test_json_import_whole_output_and_tables_part(tmp_path: Path, pingtan_2023, reports) -> None:
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps(pingtan_2023.to_json(), ensure_ascii=False), encoding="utf-8")
    tables = load_tables(whole)
    assert tables.template == "2021" and tables.table3 == pingtan_2023.table3
    assert tables.table4 == pingtan_2023.table4
    report_2019 = parse_file(reports / "pingtan-2019.txt")
    part = tmp_path / "part.json"
    part.write_text(json.dumps(report_2019.tables_json(), ensure_ascii=False), encoding="utf-8")
    tables = load_tables(part)
    assert tables.template == "2019"  # inferred from the 2019-only rows
    assert tables.table3 == report_2019.table3 and len(tables.table3) == len(T3_ROWS["2019"])


def test_json_bad_cells_and_shapes(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    data = {
        "table2": {"规章": [1, "x", None], "不存在的行": [1]},
        "table3": {NEW: [1, 2, "/", "无", "－", -3, 1], CARRIED: [1, 2]},
        "table4": [0] * 14,
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(TablesError) as err:
        load_tables(path)
    assert err.value.problems == [
        "表二「规章」行「本年废止件数」列：“x”不是数字",
        "表二 没有「不存在的行」这一行（2021 年版格式）",
        f"表三「{NEW}」行「{T3_COLUMNS[5]}」列：-3 是负数，此处应为非负数",
        f"表三「{CARRIED}」行应有 7 个数，实际为 2",
        f"表四应有 {len(T4_COLUMNS)} 个数，实际为 14",
    ]
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(TablesError, match="不是有效的 JSON"):
        load_tables(path)
    path.write_text('{"org": "某局"}', encoding="utf-8")
    with pytest.raises(TablesError, match="没有 table2/table3/table4"):
        load_tables(path)
    path.write_text('{"template": "2018", "tables": {"table4": []}}', encoding="utf-8")
    with pytest.raises(TablesError, match="应为 2019 或 2021"):
        load_tables(path)


def test_cli_tables_template(tmp_path: Path, capsys) -> None:
    out = tmp_path / "t.xlsx"
    assert main(["tables-template", "-o", str(out), "--template", "2019"]) == 0
    assert load_tables(out).template == "2019"
    assert "2019 年版" in capsys.readouterr().out
    assert main(["tables-template", "-o", str(tmp_path / "no" / "t.xlsx")]) == 2
    assert "无法写入文件" in capsys.readouterr().err
