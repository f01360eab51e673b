"""批量审查 and 年度对比 in the web app: handlers called as gradio calls them, over a real service."""

import shutil
import zipfile

import openpyxl
import pytest

from assistant.errors import InputError
from assistant.review_export import SUMMARY_HEAD
from assistant.service import Service
from assistant.settings import load_settings
from assistant.web.batch import BatchTab
from assistant.web.common import Page, path_of


@pytest.fixture()
def tab(tmp_path):
    return BatchTab(Page(Service(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})), None, None))


def no_progress(*_args, **_kwargs) -> None:
    return None


def test_a_batch_with_a_zip_is_summarised_and_one_report_opens(tab, tmp_path, reports):
    archive = tmp_path / "报告.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(reports / "pingtan-2019.txt", "pingtan-2019.txt")
        zf.write(reports / "pingtan-2020.txt", "pingtan-2020.txt")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    frame, pick, book, results = tab.review([str(archive), str(scan)], progress=no_progress)
    assert list(frame.columns) == list(SUMMARY_HEAD[:-1])
    rows = {row["文件"]: row for row in frame.to_dict("records")}
    assert set(rows) == {"pingtan-2019.txt", "pingtan-2020.txt", "scan.pdf"}
    assert rows["pingtan-2020.txt"]["对照的上年报告"] == "pingtan-2019.txt" and rows["pingtan-2020.txt"]["错误"] == 2
    assert rows["scan.pdf"]["格式"] == "无法读取"
    assert sorted(pick.choices) == sorted((name, name) for name in rows)
    assert openpyxl.load_workbook(path_of(book.value)).sheetnames == ["汇总", "全部问题", "表三表四数字"]
    detail = tab.open_one("pingtan-2020.txt", results)
    assert 'data-table="table3"' in detail and "表三办理结果总计有误" in detail
    assert "scan.pdf" in tab.open_one("scan.pdf", results)


def test_report_text_is_escaped_in_the_detail(tab, tmp_path, reports):
    evil = tmp_path / "evil.txt"
    text = (reports / "pingtan-2021.txt").read_text(encoding="utf-8")
    evil.write_text(
        text.replace("五、存在的主要问题及改进情况", "五、存在的主要问题及改进情况<img src=x onerror=alert(1)>", 1)
    )
    *_, results = tab.review([str(evil)], progress=no_progress)
    assert "<img" not in tab.open_one("evil.txt", results)


def test_nothing_chosen_is_a_chinese_message(tab):
    with pytest.raises(InputError, match="请先选择要审查的报告文件"):
        tab.review([], progress=no_progress)
    with pytest.raises(InputError, match="请上传两份报告"):
        tab.compare(None, "x")


def test_two_years_side_by_side(tab, tmp_path, reports):
    old, new = tmp_path / "2024.txt", tmp_path / "2025.txt"
    shutil.copy(reports / "pingtan-2024.txt", old)
    shutil.copy(reports / "pingtan-2025.txt", new)
    shown = tab.compare(str(old), str(new))
    assert "与上年相比有变化的数字 55 项" in shown and "<mark>2025年，平潭综合实验区坚持" in shown


def test_a_section_that_is_only_its_table_is_not_called_missing(reports):
    from assistant.labels import SECTIONS
    from assistant.parser import parse_file
    from assistant.web.review import review_html

    report = parse_file(reports / "pingtan-2024.txt")
    sections = {k: v for k, v in report.sections.items() if k != SECTIONS[2].text}  # 三 printed as its table only
    shown = review_html(report.model_copy(update={"sections": sections}), [])
    part = shown.split(f'data-section="{SECTIONS[2].text}"', 1)[1].split("nb-review-row", 1)[0]
    assert "（本部分只有统计表，见下方）" in part and "没有这一部分" not in part
