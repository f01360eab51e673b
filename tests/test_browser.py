"""The web app in a real browser (Debian's chromium driven by Playwright), at desktop and phone widths, with the
browser set to Chinese as an officer's would be.

- A draft from uploaded notes and tables; one 表三 cell broken and marked in the grid being edited and in the
  official view; the .docx downloaded; the server restarted and the draft found again.
- Two tabs of one browser: the later save merges by cell instead of wiping the earlier; 21 cells typed fast
  are all kept; the official tables offer no row to add or delete.
- The saved key is never sent to another URL; markup in notes, chat and corpus text fetches nothing.
- A section edited in place, undone and restored; a finished report checked in 校验报告.
- A phone: every tab reachable and the grids scroll.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from assistant.labels import SECTIONS, T3_ROWS, T3_TOTAL
from assistant.llm import PLACEHOLDER_KEY
from assistant.parser import parse_file
from assistant.tables import t2_cell, t3_cell

from .conftest import ROOT
from .fake_openai import FakeOpenAI, Reply

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = ROOT / "tests" / "artifacts"
ORG = "示例县数据管理局"
TIMEOUT = 30_000
DESKTOP, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}
# what must never be on screen: gradio's English words, our rule codes, command-line flags
ENGLISH = re.compile(
    r"\b(Error|Info|Warning|Invalid file type|File is not a zip file)\b|--[a-z]+|\b[A-Z]\d?-[A-Z-]{3,}\b"
)
TRACKER_HITS: list[str] = []


@pytest.fixture()
def browser():
    if not CHROMIUM.exists():
        pytest.fail("找不到 /usr/bin/chromium：请先运行 apt-get install -y chromium fonts-noto-cjk", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def tracker():
    """An HTTP server that records every request: any hit means the page fetched something from user text."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            TRACKER_HITS.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    TRACKER_HITS.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def open_page(browser, url: str, viewport: dict = DESKTOP, context=None) -> Page:
    context = context or browser.new_context(locale="zh-CN", accept_downloads=True, viewport=viewport)
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_selector("#chat-input textarea", timeout=TIMEOUT)
    page.wait_for_timeout(500)  # the session's draft arrives after the page
    return page


def tab(page: Page, name: str) -> None:
    page.bring_to_front()  # a background tab of the same browser is throttled
    page.get_by_role("tab", name=name).click()


def type_cell(page: Page, grid: str, row: int, col: int, value: str) -> None:
    """Type into one grid cell as a user does: double-click until its editor is open, then type.

    On a loaded machine a double-click that lands while the grid redraws after the previous Enter opens no
    editor (a user would double-click again); keys are typed only into the open editor of this cell."""
    cell = page.locator(f'#{grid} [data-testid="cell-{row}-{col}"]')
    editor = cell.locator("textarea")
    for _ in range(5):
        cell.dblclick()
        try:
            expect(editor).to_be_focused(timeout=3000)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError(f"{grid} cell {row},{col}: no editor opened after 5 double-clicks")
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def visible_text_is_chinese(page: Page) -> None:
    text = page.locator("body").inner_text()
    assert not ENGLISH.search(text), ENGLISH.search(text)


def saved(ws):
    """The one session's autosaved report."""
    [path] = ws.drafts.folder.glob("*.json")
    return ws.report_of(json.loads(path.read_text(encoding="utf-8")))


def notes_file(tmp_path: Path, extra: str = "") -> Path:
    notes = tmp_path / "要点.txt"
    notes.write_text(
        f"机关：{ORG}\n年度：2021\n- 全年主动公开政府信息860条{extra}\n- 开展政务公开培训3次\n"
        "- 存在问题：政策解读形式单一\n",
        encoding="utf-8",
    )
    return notes


def tables_file(tmp_path: Path, reports: Path) -> Path:
    tables = tmp_path / "tables.json"
    tables.write_text(json.dumps(parse_file(reports / "pingtan-2021.txt").tables_json(), ensure_ascii=False))
    return tables


def _draft_from_upload(page, notes: Path, tables: Path) -> None:
    """上传要点: notes and tables in, a first draft out, its tables in the official layout."""
    tab(page, "上传要点")
    expect(page.locator("#up-docx")).to_be_hidden()  # no empty download boxes
    page.locator("#up-notes input[type=file]").set_input_files(str(notes))
    page.locator("#up-tables input[type=file]").set_input_files(str(tables))
    for box in ("#up-notes", "#up-tables"):  # uploaded: the file's download link is shown
        expect(page.locator(f"{box} a").first).to_be_visible(timeout=TIMEOUT)
    page.locator("#up-go").click()
    expect(page.locator("#up-draft")).to_contain_text(f"{ORG}2021年政府信息公开工作年度报告", timeout=TIMEOUT)
    expect(page.locator("#up-draft")).to_contain_text("全年主动公开政府信息860条")
    expect(page.locator("#up-notice")).to_contain_text("已生成初稿，由离线引擎起草")
    t4 = page.locator("#up-draft table[data-table=table4]")  # rendered in the official layout, not Markdown
    expect(t4.locator("td")).to_have_count(15)
    expect(t4.locator("th[colspan]").first).to_have_text("行政复议")


def _edit_a_cell_and_see_it_marked(page) -> None:
    """表格填报: a typed cell breaks 表三's balance; the failing cells are marked in both views."""
    tab(page, "表格填报")
    check = page.locator("#table-check")
    expect(check.locator("td.bad")).to_have_count(0, timeout=TIMEOUT)
    type_cell(page, "table3", 0, 1, "999")  # 一、本年新收 × 自然人
    expect(check.locator("td.bad").first).to_be_visible(timeout=TIMEOUT)
    expect(check).to_contain_text("「自然人」列勾稽关系不成立")
    bad_rows = check.locator("table[data-table=table3] tr:has(td.bad) td:first-child").all_inner_texts()
    assert bad_rows[0].startswith("一、本年新收") and len(bad_rows) == 4
    first_bad = check.locator("table[data-table=table3] td.bad").first
    assert "「自然人」列勾稽关系不成立" in first_bad.get_attribute("title")
    expect(check.locator("ul[data-table=table3]")).to_contain_text(
        f"表三勾稽关系不成立：表三「{T3_TOTAL}」行「自然人」列"
    )
    assert check.locator("ul[data-table=table3] li").first.get_attribute("title").startswith("规则代码 T3-")
    # marked in the grid being edited, too: the four cells of the identity
    rows = [r.text for r in T3_ROWS["2021"]]
    for row in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", T3_TOTAL):
        grid_cell = page.locator(f'#table3 [data-testid="cell-{rows.index(row)}-1"]')
        expect(grid_cell).to_have_css("background-color", "rgb(255, 221, 221)")
    expect(page.locator('#table3 [data-testid="cell-2-1"]')).not_to_have_css("background-color", "rgb(255, 221, 221)")
    expect(check.locator("table[data-table=table3] td[rowspan]").first).to_have_text("三、本年度办理结果")
    expect(page.locator("#table2")).to_contain_text("第二十条第（五）项")
    visible_text_is_chinese(page)


def _download_the_unchecked_docx(page, tmp_path: Path) -> None:
    """The draft with an error downloads as a .docx marked 未通过校验."""
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


def test_draft_edit_table_download_and_restart(browser, tmp_path, reports, start_app, free_port):
    notes, tables = notes_file(tmp_path), tables_file(tmp_path, reports)
    data, port = tmp_path / "data", free_port
    demo, url, _ = start_app(data, port)
    try:
        page = open_page(browser, url)
        _draft_from_upload(page, notes, tables)
        _edit_a_cell_and_see_it_marked(page)
        _download_the_unchecked_docx(page, tmp_path)
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
        tab(page, "表格填报")
        expect(page.locator('#table3 [data-testid="cell-0-1"]')).to_contain_text("999", timeout=TIMEOUT)
        tab(page, "对话起草")
        page.screenshot(path=str(ARTIFACTS / "browser-restored.png"))
    finally:
        demo.close()


def test_two_tabs_fast_typing_and_fixed_rows(browser, tmp_path, reports, start_app):
    tables = tables_file(tmp_path, reports)
    pingtan = parse_file(reports / "pingtan-2021.txt")
    demo, url, ws = start_app(tmp_path / "data")
    try:
        context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
        first = open_page(browser, url, context=context)
        second = open_page(browser, url, context=context)  # same browser, same session, opened before the import
        tab(first, "表格填报")
        tab(second, "表格填报")
        first.bring_to_front()
        first.locator("#tb-import input[type=file]").set_input_files(str(tables))
        expect(first.locator('#table3 [data-testid="cell-0-7"]')).to_have_text("70", timeout=TIMEOUT)
        # the second tab, still showing blank tables, edits one 表二 cell: 表三 must survive
        second.bring_to_front()
        type_cell(second, "table2", 3, 1, "42")  # 行政规范性文件 × 本年制发件数, blank in the import
        # the official view of the second tab shows the merged draft at once
        t3_view = second.locator("#table-check table[data-table=table3] tr").nth(3)
        expect(t3_view).to_contain_text("70", timeout=TIMEOUT)
        report = saved(ws)
        assert report.table3 == pingtan.table3 and report.cell(t2_cell("行政规范性文件", "本年制发件数")) == 42
        # a cell both tabs changed: the earlier save stays, the user is told and sees it
        first.bring_to_front()
        type_cell(first, "table2", 2, 1, "7")  # 规章 × 本年制发件数 in the first tab
        first.wait_for_timeout(1500)
        assert saved(ws).cell(t2_cell("规章", "本年制发件数")) == 7
        second.bring_to_front()
        type_cell(second, "table2", 2, 1, "8")  # the second tab, which still shows 0 there
        notice = second.get_by_text("另一个窗口同时修改了表二「规章」行「本年制发件数」列").first
        expect(notice).to_be_visible(timeout=TIMEOUT)
        assert saved(ws).cell(t2_cell("规章", "本年制发件数")) == 7
        second.reload(wait_until="load")  # a reload shows the draft as saved, in the grids too
        tab(second, "表格填报")
        expect(second.locator('#table2 [data-testid="cell-2-1"]')).to_contain_text("7", timeout=TIMEOUT)
        expect(second.locator('#table3 [data-testid="cell-0-7"]')).to_contain_text("70", timeout=TIMEOUT)

        # 21 cells typed one after another, each as soon as the grid shows the one before: every one is kept
        first.bring_to_front()
        values = {(r, c): str(100 + 10 * r + c) for r in range(7) for c in range(1, 4)}
        for (r, c), value in values.items():
            type_cell(first, "table3", r, c, value)
            expect(first.locator(f'#table3 [data-testid="cell-{r}-{c}"]')).to_contain_text(value, timeout=TIMEOUT)
        rows = [row.text for row in T3_ROWS["2021"]]
        for (r, c), value in values.items():
            expect(first.locator(f'#table3 [data-testid="cell-{r}-{c}"]')).to_contain_text(value, timeout=TIMEOUT)
        first.wait_for_timeout(2000)  # the last saves land
        report = saved(ws)
        assert {k: report.cell(t3_cell(rows[k[0]], k[1] - 1)) for k in values} == {k: int(v) for k, v in values.items()}

        # the official tables have fixed rows and columns: no 添加行/删除行 in the grid's menu
        first.locator('#table3 [data-testid="cell-3-2"]').click(button="right")
        first.wait_for_timeout(300)
        menu = first.locator("body").inner_text()
        assert not re.search(r"删除行|添加行|删除列|添加列|Delete row|Add row", menu)
    finally:
        demo.close()


def test_the_key_and_user_text_stay_where_they_belong(browser, tmp_path, reports, start_app, tracker):
    demo, url, ws = start_app(tmp_path / "data")
    with FakeOpenAI([Reply("好")]) as saved_server, FakeOpenAI([Reply("好")]) as other:
        try:
            page = open_page(browser, url)
            tab(page, "设置")
            page.locator("#st-url textarea, #st-url input").first.fill(saved_server.base_url)
            page.locator("#st-model textarea, #st-model input").first.fill("fake")
            page.locator("#st-key textarea, #st-key input").first.fill("sk-browser-secret")
            page.locator("#st-save").click()
            expect(page.locator("#st-msg")).to_contain_text("设置已保存", timeout=TIMEOUT)
            expect(page.locator("#st-key textarea, #st-key input").first).to_have_value("")
            # another URL typed, key box left empty: the test goes without the saved key; saving is refused
            page.locator("#st-url textarea, #st-url input").first.fill(other.base_url)
            page.locator("#st-test").click()
            expect(page.locator("#st-msg")).to_contain_text("连接成功", timeout=TIMEOUT)
            assert other.auth_headers == [f"Bearer {PLACEHOLDER_KEY}"]
            page.locator("#st-save").click()
            expect(page.get_by_text("更换接口地址后请重新输入 API 密钥")).to_be_visible(timeout=TIMEOUT)
            expect(page.locator("#st-url textarea, #st-url input").first).to_have_value(
                other.base_url
            )  # the input is kept
            assert ws.settings.openai_base_url == saved_server.base_url
            assert "sk-browser-secret" not in page.content()
            ws.llm.clear_key()
            ws.llm.config_path.unlink()

            # markup in notes, in a chat message and in a corpus report: shown as text, nothing fetched
            img = f'<img src="{tracker}/notes.png"><a href="{tracker}/link">链接</a>'
            tab(page, "对话起草")
            page.locator("#chat-input textarea").fill(notes_file(tmp_path, img).read_text(encoding="utf-8"))
            page.locator("#chat-send").click()
            expect(page.locator("#draft-view")).to_contain_text(f"{ORG}2021年", timeout=TIMEOUT)
            expect(page.locator("#draft-view")).to_contain_text("<img src=")
            page.locator("#chat-input textarea").fill(
                f'你好<h1 style="color:red">大</h1><img src="{tracker}/chat.png">'
            )
            page.locator("#chat-send").click()
            expect(page.locator("#chatbot")).to_contain_text('你好<h1 style="color:red">大</h1>', timeout=TIMEOUT)
            page.wait_for_timeout(1500)  # whatever the reply, it has been rendered
            poisoned = tmp_path / "pingtan-2022.txt"
            source = (reports / "pingtan-2022.txt").read_text(encoding="utf-8")
            heading = SECTIONS[4].text
            poisoned.write_text(source.replace(heading, f"{heading}\n一是{img}培训不足。", 1), encoding="utf-8")
            ws.index([poisoned])
            tab(page, "往年报告问答")
            page.locator("#ask-q textarea").fill("平潭2022年的问题和改进是怎么写的？")
            page.locator("#ask-go").click()
            # the poisoned sentence is shown as text where the cited passage is (the answer leads with its figure)
            expect(page.locator("#ask-passage")).to_contain_text("<img src=", timeout=TIMEOUT)
            tab(page, "编辑正文")
            page.wait_for_timeout(1000)
            for selector in ("#draft-view", "#chatbot", "#ask-answer", "#ask-passage"):
                assert page.locator(f"{selector} img, {selector} a[href*='127.0.0.1'], {selector} h1").count() == 0
            assert TRACKER_HITS == []
            visible_text_is_chinese(page)
        finally:
            demo.close()


def test_edit_in_place_undo_restore_and_check_a_finished_report(browser, tmp_path, reports, start_app):
    demo, url, _ = start_app(tmp_path / "data")
    try:
        page = open_page(browser, url)
        page.locator("#chat-input textarea").fill(notes_file(tmp_path).read_text(encoding="utf-8"))
        page.locator("#chat-send").click()
        expect(page.locator("#draft-view")).to_contain_text(f"{ORG}2021年", timeout=TIMEOUT)
        tab(page, "编辑正文")
        box = page.locator("#sec-4 textarea")
        expect(box).not_to_have_value("", timeout=TIMEOUT)
        original = box.input_value()
        assert "请补充" in original
        expect(page.locator("#sec-5-findings")).to_contain_text("仍有待补充的占位语句", timeout=TIMEOUT)
        box.fill("")
        box.type("一是政策解读形式单一。下一步将丰富解读形式。", delay=15)
        expect(page.locator("#sec-4-findings")).to_contain_text("本部分未发现问题", timeout=TIMEOUT)
        tab(page, "对话起草")
        expect(page.locator("#draft-view")).to_contain_text("下一步将丰富解读形式。", timeout=TIMEOUT)
        tab(page, "编辑正文")
        page.locator("#undo").click()
        expect(box).to_have_value(original, timeout=TIMEOUT)
        page.locator("#versions input").click()
        page.get_by_role("option", name=re.compile("编辑正文")).click()
        page.locator("#restore").click()
        expect(box).to_have_value("一是政策解读形式单一。下一步将丰富解读形式。", timeout=TIMEOUT)

        tab(page, "校验报告")
        page.locator("#rv-report input[type=file]").set_input_files(str(reports / "pingtan-2020.txt"))
        expect(page.locator("#rv-report a").first).to_be_visible(timeout=TIMEOUT)
        page.locator("#rv-go").click()
        result = page.locator("#rv-result")
        expect(result.locator("table[data-table=table3] td.bad").first).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#rv-summary")).to_contain_text("平潭综合实验区2020年报告")
        expect(result).to_contain_text("表三办理结果总计有误")
        assert result.locator(".nb-review-row").count() == len(SECTIONS)
        visible_text_is_chinese(page)
        page.screenshot(path=str(ARTIFACTS / "browser-review.png"), full_page=True)
        # another file chosen: the results about the first go at once, and a file that cannot be read leaves
        # nothing that could be taken for its results
        junk = tmp_path / "坏文件.pdf"
        junk.write_bytes(b"%PDF-1.4 not really")
        page.locator("#rv-report").get_by_role("button", name="清除").click()
        expect(result.locator("table")).to_have_count(0, timeout=TIMEOUT)
        page.locator("#rv-report input[type=file]").set_input_files(str(junk))
        expect(page.locator("#rv-summary")).not_to_contain_text("平潭综合实验区2020年报告")
        page.locator("#rv-go").click()
        expect(page.get_by_text("坏文件.pdf").first).to_be_visible(timeout=TIMEOUT)
        expect(result.locator("table")).to_have_count(0)
    finally:
        demo.close()


def test_phone_reaches_every_tab_and_grid(browser, tmp_path, start_app):
    demo, url, _ = start_app(tmp_path / "data")
    try:
        page = open_page(browser, url, PHONE)
        names = ["对话起草", "上传要点", "编辑正文", "表格填报", "校验报告", "往年报告问答", "语料库", "设置"]
        for name in names:
            button = page.get_by_role("tab", name=name)
            expect(button).to_be_visible()
            box = button.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        tab(page, "表格填报")
        last = page.locator('#table3 [data-testid="cell-0-7"]')  # 表三's 总计 column, far right
        last.scroll_into_view_if_needed()
        box = last.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        type_cell(page, "table3", 0, 7, "5")
        expect(last).to_contain_text("5", timeout=TIMEOUT)
        page.screenshot(path=str(ARTIFACTS / "browser-phone.png"), full_page=True)
    finally:
        demo.close()


def test_body_names_are_merged_and_the_alias_table_is_edited_in_the_corpus_tab(browser, tmp_path, reports, start_app):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(reports / "pingtan-2022.txt", folder)
    text = (reports / "pingtan-2023.txt").read_text(encoding="utf-8")
    (folder / "pingtan-2023.txt").write_text(text.replace("标题: 平潭", "标题: 福建省平潭", 1), encoding="utf-8")
    demo, url, ws = start_app(tmp_path / "data", corpus_dir=folder)
    try:
        page = open_page(browser, url)
        tab(page, "语料库")
        expect(page.locator("#index-status")).to_contain_text("已收录 2 份报告（1 个机关）", timeout=TIMEOUT)
        page.get_by_role("button", name="刷新").click()
        page.get_by_text("机关名称对照表").first.click()
        merged = page.locator("#co-merged")
        expect(merged).to_contain_text("平潭综合实验区 → 福建省平潭综合实验区", timeout=TIMEOUT)
        box = page.locator("#co-aliases textarea")
        expect(box).to_have_value(re.compile("别名 = 规范名称"))
        box.fill("# 说明\n<b>平潭</b> 福建省平潭综合实验区")  # not "别名 = 规范名称": refused by line, nothing saved
        page.locator("#co-aliases-save").click()
        notice = page.get_by_text("第 2 行应写成").first
        expect(notice).to_be_visible(timeout=TIMEOUT)
        expect(notice).to_contain_text("<b>平潭</b>")  # the line quoted as text, not drawn as markup
        assert not (ws.settings.data_dir / "aliases.txt").exists()
        box.fill("平潭综合实验区 = 平潭综合实验区")  # pinned: two bodies at once, no re-indexing
        page.locator("#co-aliases-save").click()
        expect(page.locator("#co-result")).to_contain_text("机关名称对照表已保存", timeout=TIMEOUT)
        expect(merged).to_contain_text("目前没有合并的机关名称")
        expect(page.locator("#index-status")).to_contain_text("已收录 2 份报告（2 个机关）")
        page.reload(wait_until="load")
        tab(page, "语料库")
        page.get_by_text("机关名称对照表").first.click()
        expect(page.locator("#co-aliases textarea")).to_have_value("平潭综合实验区 = 平潭综合实验区\n", timeout=TIMEOUT)
        visible_text_is_chinese(page)
        # the 历年变化 chart, drawn while its tab was hidden, shows at its size once the tab is opened
        tab(page, "往年报告问答")
        chart = page.locator("#chart canvas, #chart svg.marks").first
        expect(chart).to_be_visible(timeout=TIMEOUT)
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, box
    finally:
        demo.close()
