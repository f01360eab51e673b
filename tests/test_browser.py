"""The web app in a real browser (Debian's chromium driven by Playwright).

Uploads notes and tables, gets the draft, breaks 表三's 勾稽关系 by editing one cell and sees the cell
marked, downloads the .docx, then restarts the server on the same data folder and finds the draft again.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from assistant.labels import T3_TOTAL
from assistant.parser import parse_file

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = ROOT / "tests" / "artifacts"
ORG = "示例县数据管理局"
TIMEOUT = 30_000


@pytest.fixture()
def browser():
    if not CHROMIUM.exists():
        pytest.fail("找不到 /usr/bin/chromium：请先运行 apt-get install -y chromium fonts-noto-cjk", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_draft_edit_table_download_and_restart(browser, tmp_path, reports, start_app, free_port):
    notes = tmp_path / "要点.txt"
    notes.write_text(
        f"机关：{ORG}\n年度：2021\n- 全年主动公开政府信息860条\n- 开展政务公开培训3次\n- 存在问题：政策解读形式单一\n",
        encoding="utf-8",
    )
    tables = tmp_path / "tables.json"
    tables.write_text(json.dumps(parse_file(reports / "pingtan-2021.txt").tables_json(), ensure_ascii=False))
    data, port = tmp_path / "data", free_port
    demo, url, _ = start_app(data, port)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#chat-input textarea", timeout=TIMEOUT)

        page.get_by_role("tab", name="上传要点").click()
        page.locator("#up-notes input[type=file]").set_input_files(str(notes))
        page.locator("#up-tables input[type=file]").set_input_files(str(tables))
        for box in ("#up-notes", "#up-tables"):  # uploaded: the file's download link is shown
            expect(page.locator(f"{box} a").first).to_be_visible(timeout=TIMEOUT)
        page.locator("#up-go").click()
        expect(page.locator("#up-draft")).to_contain_text(f"{ORG}2021年政府信息公开工作年度报告", timeout=TIMEOUT)
        expect(page.locator("#up-draft")).to_contain_text("全年主动公开政府信息860条")

        page.get_by_role("tab", name="表格填报").click()
        check = page.locator("#table-check")
        expect(check.locator("td.bad")).to_have_count(0, timeout=TIMEOUT)
        cell = page.locator('#table3 [data-testid="cell-0-1"]')  # 一、本年新收 × 自然人
        cell.dblclick()
        page.keyboard.press("Control+A")
        page.keyboard.type("999")
        page.keyboard.press("Enter")
        expect(check.locator("td.bad").first).to_be_visible(timeout=TIMEOUT)
        expect(check).to_contain_text("「自然人」列勾稽关系不成立")
        bad_rows = check.locator("table[data-table=table3] tr:has(td.bad) td:first-child").all_inner_texts()
        assert bad_rows[0].startswith("一、本年新收") and len(bad_rows) == 4
        # the rule's message: as the marked cell's tooltip, and listed under 表三 with the cell it names
        first_bad = check.locator("table[data-table=table3] td.bad").first
        assert "「自然人」列勾稽关系不成立" in first_bad.get_attribute("title")
        expect(check.locator("ul[data-table=table3]")).to_contain_text(
            f"表三「{T3_TOTAL}」行「自然人」列：表三「自然人」列"
        )
        # the official layout: 表三's merged 三、本年度办理结果, 表二's items each with their own columns
        expect(check.locator("table[data-table=table3] td[rowspan]").first).to_have_text("三、本年度办理结果")
        expect(page.locator("#table2")).to_contain_text("第二十条第（五）项")

        page.locator("#tb-export").click()
        link = page.locator("#tb-docx a").first
        expect(link).to_be_visible(timeout=TIMEOUT)
        with page.expect_download() as info:
            link.click()
        docx = tmp_path / "下载.docx"
        info.value.save_as(docx)
        with zipfile.ZipFile(docx) as z:
            body = z.read("word/document.xml").decode("utf-8")
        assert "未通过校验" in body and ORG in body

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-tables.png"), full_page=True)
    finally:
        demo.close()

    # a new server on the same data folder: the browser's session id brings the draft back
    demo, url, _ = start_app(data, port)
    try:
        page.reload(wait_until="load")
        page.wait_for_selector("#chat-input textarea", timeout=TIMEOUT)
        expect(page.locator("#draft-view")).to_contain_text(f"{ORG}2021年", timeout=TIMEOUT)
        page.get_by_role("tab", name="表格填报").click()
        expect(page.locator('#table3 [data-testid="cell-0-1"]')).to_have_text("999", timeout=TIMEOUT)
        page.get_by_role("tab", name="对话起草").click()
        page.screenshot(path=str(ARTIFACTS / "browser-restored.png"))
    finally:
        demo.close()
