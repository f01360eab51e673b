"""Batch review: a folder of real reports with broken copies, a zip with GBK names, and the workbook it writes."""

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

import assistant
from assistant.checks import check
from assistant.checks.names import RULE_NAMES, rule_name
from assistant.labels import T3_ROWS
from assistant.parser import parse_file
from assistant.review import collect, member_name, review
from assistant.review_export import FINDINGS_HEAD, SHEETS, SUMMARY_HEAD, write_report

REAL = ["pingtan-2019.txt", "pingtan-2020.txt", "pingtan-2021.txt", "weishi-kaifaqu-2022.txt", "huaian-shi-2024.pdf"]


class _GbkName(zipfile.ZipInfo):
    """A member name stored as GBK bytes without the UTF-8 flag, as Windows' built-in zip writes it."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits


@pytest.fixture(scope="module")
def batch(tmp_path_factory, reports) -> Path:
    """Real reports, one with a mutated cell, an unreadable file, a duplicate under another name, and a zip whose
    member names are GBK (as Windows' built-in zip writes them)."""
    folder = tmp_path_factory.mktemp("batch")
    for name in REAL:
        shutil.copy(reports / name, folder / name)
    text = (reports / "pingtan-2022.txt").read_text(encoding="utf-8")
    # 二、上年结转 of 2022 (1 自然人) changed to 0: it no longer matches 2021's 结转下年度 nor 2022's own balance
    mutated = text.replace("二、上年结转政府信息公开申请数量 1000001", "二、上年结转政府信息公开申请数量 0000000")
    assert mutated != text
    (folder / "平潭2022（改）.txt").write_text(mutated, encoding="utf-8")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    shutil.copy(reports / "pingtan-2021.txt", folder / "副本-平潭2021.txt")
    archive = folder / "县直部门.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(_GbkName("平潭2023年报告.txt"), (reports / "pingtan-2023.txt").read_bytes())
    return folder


@pytest.fixture(scope="module")
def results(batch):
    return review([batch], workers=2)


def test_every_file_is_found_including_inside_the_zip(batch):
    sources, failed = collect([batch])
    names = sorted(Path(s.name).name for s in sources)
    assert failed == []
    assert names == sorted([*REAL, "平潭2022（改）.txt", "scan.pdf", "副本-平潭2021.txt", "平潭2023年报告.txt"])


def test_gbk_and_utf8_member_names_are_decoded():
    gbk = zipfile.ZipInfo("x")
    gbk.filename = "淮安市.pdf".encode("gbk").decode("cp437")
    utf8 = zipfile.ZipInfo("淮安市.pdf")
    utf8.flag_bits |= 0x800
    assert member_name(gbk) == member_name(utf8) == "淮安市.pdf"


def test_each_report_is_checked_against_last_years_in_the_batch(results, reports):
    by_name = {Path(r.source.name).name: r for r in results}
    assert Path(by_name["pingtan-2020.txt"].prior).name == "pingtan-2019.txt"
    assert Path(by_name["平潭2023年报告.txt"].prior).name == "平潭2022（改）.txt"
    assert by_name["pingtan-2019.txt"].prior == ""
    # the batch's findings are the checker's own, with the same prior
    alone = check(parse_file(reports / "pingtan-2020.txt"), parse_file(reports / "pingtan-2019.txt"))
    assert [(f.rule, f.message) for f in by_name["pingtan-2020.txt"].findings] == [(f.rule, f.message) for f in alone]


def test_a_mutated_cell_is_found_against_the_batchs_last_year(results):
    mutated = next(r for r in results if r.source.name.endswith("平潭2022（改）.txt"))
    assert Path(mutated.prior).name == "pingtan-2021.txt"
    errors = {(f.rule, f.where.name()) for f in mutated.findings if f.severity == "error"}
    assert ("X-CARRYOVER", "表三「二、上年结转政府信息公开申请数量」行「自然人」列") in errors
    assert ("T3-BALANCE", "表三「（七）总计」行「自然人」列") in errors


def test_unreadable_file_and_duplicate_do_not_stop_the_batch(results):
    by_name = {Path(r.source.name).name: r for r in results}
    scan = by_name["scan.pdf"]
    assert scan.report is None and scan.findings == [] and "scan.pdf" in scan.error
    copy = by_name["副本-平潭2021.txt"]
    assert Path(copy.duplicate_of).name == "pingtan-2021.txt"
    assert sum(r.report is not None for r in results) == 8


def test_workbook_summary_findings_and_figures_cell_by_cell(results, tmp_path, expected_tables):
    path = write_report(results, tmp_path / "审查.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    summary = [list(row) for row in wb["汇总"].iter_rows(values_only=True)]
    assert summary[0] == list(SUMMARY_HEAD)
    rows = {row[0]: row for row in summary[1:]}
    assert len(rows) == len(results)
    pingtan_2020 = rows["pingtan-2020.txt"]
    findings_2020 = next(r for r in results if r.source.name.endswith("pingtan-2020.txt")).findings
    assert pingtan_2020[1:6] == [
        "平潭综合实验区",
        2020,
        "2019 年版",
        sum(f.severity == "error" for f in findings_2020),
        sum(f.severity == "warning" for f in findings_2020),
    ]
    assert pingtan_2020[6] == next(f.message for f in findings_2020 if f.severity == "error")
    assert pingtan_2020[7] == "pingtan-2019.txt"
    assert rows["scan.pdf"][3] == "无法读取" and "scan.pdf" in rows["scan.pdf"][6]
    assert rows["副本-平潭2021.txt"][6].startswith("与“pingtan-2021.txt”重复；")
    # every finding of every report, with its rule named in Chinese and its place
    found = list(wb["全部问题"].iter_rows(values_only=True))
    assert found[0] == FINDINGS_HEAD
    assert len(found) - 1 == sum(len(r.findings) for r in results)
    result_sum = next(row for row in found if row[0] == "pingtan-2020.txt" and row[7] == "T3-RESULT-SUM")
    assert result_sum[3:6] == ("错误", "表三办理结果总计有误", "表三「（七）总计」行「自然人」列")
    # the summary links to the report's first finding
    link = wb["汇总"].cell(list(rows).index("pingtan-2020.txt") + 2, len(SUMMARY_HEAD)).hyperlink
    first_row = next(i for i, row in enumerate(found, 1) if row[0] == "pingtan-2020.txt")
    assert link.location == f"'全部问题'!A{first_row}"
    # 表三/表四 figures side by side equal the reference tables
    figures = list(wb["表三表四数字"].iter_rows(values_only=True))
    head = figures[0]
    row_2021 = next(row for row in figures if row[0] == "pingtan-2021.txt")
    t3 = expected_tables["pingtan-2021.txt"]["table3"]
    group = {row.text: row.group for row in T3_ROWS["2021"]}
    for label, values in t3.items():
        named = f"{group[label]} {label}" if group[label] else label  # "（三）不予公开 1.属于国家秘密"
        assert row_2021[head.index(f"表三·{named}·总计")] == values[-1]
    assert list(row_2021[-15:]) == expected_tables["pingtan-2021.txt"]["table4"]


def test_html_page_is_self_contained_sortable_and_escaped(results, tmp_path):
    path = write_report(results, tmp_path / "审查.html")
    page = path.read_text(encoding="utf-8")
    assert page.count('<table class="sortable">') == 3 and "<script>" in page and "http" not in page
    assert "pingtan-2020.txt" in page and "表三办理结果总计有误" in page


def test_markup_in_a_report_never_reaches_the_page(tmp_path, reports):
    text = (reports / "pingtan-2021.txt").read_text(encoding="utf-8")
    evil = tmp_path / "evil.txt"
    evil.write_text(text.replace("平潭综合实验区", "<script>alert(1)</script>平潭综合实验区", 1), encoding="utf-8")
    page = write_report(review([evil], workers=1), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page


def test_wrong_output_suffix_is_refused(results, tmp_path):
    from assistant.errors import ExportError

    with pytest.raises(ExportError, match="只能写成 审查结果 .xlsx 或 .html"):
        write_report(results, tmp_path / "r.csv")


def test_every_rule_has_a_chinese_name():
    import re

    from assistant.checks import RULES

    package = Path(assistant.__file__).parent
    sources = "".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    emitted = set(re.findall(r'rule="([A-Z0-9-]+)"', sources))  # the parser's, drafting's and the editor's codes
    assert set(RULES) | emitted <= set(RULE_NAMES)
    assert rule_name("T3-BALANCE") == "表三勾稽关系不成立" and rule_name("NEW-CODE") == "NEW-CODE"


def test_pdfs_are_parsed_in_worker_processes_with_the_same_result(tmp_path, reports):
    for name in ("淮安市-2024.pdf", "淮安市-2024-副本.pdf"):
        shutil.copy(reports / "huaian-shi-2024.pdf", tmp_path / name)
    ticks = []
    spread = review([tmp_path], workers=2, progress=lambda done, total, name: ticks.append((done, total)))
    alone = review([tmp_path], workers=1)
    assert ticks == [(1, 2), (2, 2)]
    assert [(r.report.tables_json(), r.duplicate_of) for r in spread] == [
        (r.report.tables_json(), r.duplicate_of) for r in alone
    ]
    # in name order the copy comes first ("-" sorts before "."), so the other file is its duplicate
    assert [Path(r.source.name).name for r in spread] == ["淮安市-2024-副本.pdf", "淮安市-2024.pdf"]
    assert spread[0].duplicate_of == "" and Path(spread[1].duplicate_of).name == "淮安市-2024-副本.pdf"


def test_check_command_reviews_a_folder_and_writes_the_workbook(batch, tmp_path, capsys, monkeypatch):
    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))  # no corpus: pairs come from the batch
    out = tmp_path / "结果.xlsx"
    code = main(["check", str(batch), "--report", str(out)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1  # the published errors of pingtan-2020 and weishi, and the mutated copy
    assert lines[-1] == f"已写入审查结果：{out}" and lines[-2] == "共 9 个文件，3 份有错误。"
    assert openpyxl.load_workbook(out).sheetnames == list(SHEETS)


def test_check_command_batch_json_and_exit_codes(reports, tmp_path, capsys, monkeypatch):
    import json

    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    code = main(["check", str(reports / "pingtan-2021.txt"), str(tmp_path / "scan.pdf"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 2  # no report with errors, one file unreadable
    assert [(Path(d["source"]).name, d["ok"], d["error"] is None) for d in data] == [
        ("pingtan-2021.txt", True, True),
        ("scan.pdf", False, False),
    ]
    assert main(["check", str(reports / "pingtan-2021.txt"), str(reports / "pingtan-2022.txt")]) == 0
    assert main(["check", str(reports), "--report", str(tmp_path / "out.csv")]) == 2
    assert "输出文件须为 .xlsx 或 .html" in capsys.readouterr().err
