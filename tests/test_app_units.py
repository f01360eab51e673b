"""The web package's parts without a server: chat routing and handlers, escaping, table grids, settings
for the administrator only, the error guard, app.py."""

from __future__ import annotations

import html.parser
import http.server
import json
import logging
import threading
from types import SimpleNamespace

import gradio as gr
import pytest

import app
from assistant.cells import format_number
from assistant.checks import check
from assistant.errors import ConfigError, InputError, UnreadableError
from assistant.labels import (
    SECTIONS,
    T3_CARRIED,
    T3_CARRY_NEXT,
    T3_COLUMNS,
    T3_HEADER_RULE,
    T3_NEW,
    T3_ROWS,
    T3_TOTAL,
    T4_COLUMNS,
    TABLE2,
    TEMPLATES,
    t3_result_rows,
)
from assistant.llm import PLACEHOLDER_KEY
from assistant.parser import parse_file
from assistant.ratelimit import LoginThrottle, throttled_auth
from assistant.report import Report
from assistant.service import Service, blank_report, check_connection
from assistant.settings import Settings, load_settings
from assistant.tables import Tables, grids, t3_cell, t4_cell
from assistant.web.app import build_app, load
from assistant.web.ask import AskTab, passage_html
from assistant.web.chat import NEEDS_LLM, ChatTab, route
from assistant.web.common import (
    Page,
    doc_state,
    draft_html,
    failing_cells,
    findings_in,
    guard,
    md_html,
    plain,
    render_html,
)
from assistant.web.edit import EditTab
from assistant.web.settings import SettingsTab
from assistant.web.tables import TablesTab, from_frames, grid_marks, to_frames, with_all_totals, with_zeros
from assistant.web.upload import UploadTab

from .fake_openai import FakeOpenAI as ScriptedOpenAI
from .fake_openai import Reply

NOTES = "机关：测试县人民政府办公室\n年度：2024\n- 全年主动公开政府信息1200条\n- 存在问题：政策解读形式单一\n"
TRACKER = '<img src="http://127.0.0.1:9/track.png">'
HOSTILE = [
    TRACKER,
    '<a href="http://x.example">点我</a>',
    '<h1 style="color:red">大标题</h1>',
    "![t](http://x.example/t.png)",
]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """The tabs over one service, with no widgets built: their handlers called as gradio would."""
    svc = Service(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("data"))}))
    page = Page(svc, None, None)
    tabs = {
        name: cls(page)
        for name, cls in (
            ("chat", ChatTab),
            ("tables", TablesTab),
            ("upload", UploadTab),
            ("edit", EditTab),
            ("ask", AskTab),
            ("settings", SettingsTab),
        )
    }
    return SimpleNamespace(svc=svc, page=page, **tabs)


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.found.append((tag, {name for name, _ in attrs}))


def no_markup(html_text: str) -> bool:
    """No element that fetches, links, styles or runs anything survived (escaped text is fine)."""
    parser = _Elements()
    parser.feed(html_text)
    bad_tags = {"img", "a", "script", "iframe", "h1", "style", "link", "object", "svg"}
    return not any(
        tag in bad_tags or "style" in attrs or any(a.startswith("on") for a in attrs) for tag, attrs in parser.found
    )


# ── chat ──


@pytest.mark.parametrize(
    ("message", "kind", "section"),
    [
        ("把第五部分替换为：我们将加强培训。", "replace", 4),
        ("将总体情况改为：全年工作平稳。", "replace", 0),
        ("显示第六部分", "show", 5),
        ("校验", "check", None),
        ("检查一下勾稽关系", "check", None),
        ("把第一部分写得更具体", "revise", 0),
        ("平潭综合实验区2023年收到多少件申请？", "ask", None),
        (NOTES, "notes", None),
        ("你好", "help", None),
    ],
)
def test_route(message, kind, section):
    intent = route(message)
    assert (intent.kind, intent.section) == (kind, section)


def _say(web, message: str, history: list, sid: str, doc: dict) -> tuple[list, dict]:
    """One chat message; (history, this tab's draft state after it)."""
    steps = list(web.chat.chat(message, history, sid, doc))
    for step in steps:
        if isinstance(step[2], dict) and "rev" in step[2]:
            doc = step[2]
    return steps[-1][1], doc


def test_chat_drafts_checks_shows_replaces_and_needs_llm(web):
    sid = web.svc.drafts.new_session_id()
    history, doc = _say(web, NOTES, [], sid, {})
    assert "初稿已生成" in history[-1]["content"]
    assert "全年主动公开政府信息1200条" in web.chat.show(doc)

    history, doc = _say(web, "把第五部分替换为：培训不足，明年将组织专题培训。", history, sid, doc)
    assert history[-1]["content"].startswith("<p>已替换“五、存在的主要问题及改进情况”")
    history, doc = _say(web, "显示第五部分", history, sid, doc)
    assert "培训不足，明年将组织专题培训。" in history[-1]["content"]
    history, doc = _say(web, "把第三部分替换为：没有申请", history, sid, doc)
    assert "表格填报" in history[-1]["content"]
    history, doc = _say(web, "校验", history, sid, doc)
    reply = history[-1]["content"]
    assert "统计表缺失或不完整" in reply and 'title="规则代码 TABLE-MISSING"' in reply
    assert "TABLE-MISSING" not in reply.replace('title="规则代码 TABLE-MISSING"', "")  # the code only as a tooltip
    history, doc = _say(web, "把第一部分写得更具体", history, sid, doc)
    assert history[-1]["content"] == NEEDS_LLM

    # autosaved: a reload of the page gets the same chat and draft back
    loaded_sid, loaded, _, chat, *_ = load(web.svc)(sid)
    assert loaded_sid == sid and chat == history
    assert "培训不足，明年将组织专题培训。" in web.chat.show(loaded)


def test_chat_without_a_draft_says_what_to_do(web):
    history, _ = _say(web, "校验", [], web.svc.drafts.new_session_id(), {})
    assert "还没有草稿" in history[-1]["content"]


def test_failed_drafting_keeps_the_pasted_notes_in_the_box(web):
    """Notes without a 机关 line: the message in Chinese words (no command-line flag), the input kept."""
    notes = "年度：2024\n- 全年主动公开政府信息1200条\n- 开展培训3次，覆盖全部科室\n"
    handler = guard(web.svc, web.chat.chat, 5)
    with pytest.warns(UserWarning) as caught:
        steps = list(handler(notes, [], web.svc.drafts.new_session_id(), {}))
    assert [step[0] for step in steps[:-1]] == [notes.strip()] * (len(steps) - 1)
    assert steps[-1] == tuple(gr.skip() for _ in range(5))  # nothing is overwritten, the input stays
    [message] = [str(w.message) for w in caught]
    assert "--" not in message and "机关" in message


# ── escaping: user text, corpus text, model text ──


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markup_in_a_chat_message_is_shown_as_text(web, hostile):
    _, history, *_ = next(web.chat.chat(f"你好 {hostile}", [], web.svc.drafts.new_session_id(), {}))
    assert no_markup(history[0]["content"]) and "你好" in history[0]["content"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markup_in_notes_is_text_in_every_draft_view(web, hostile):
    sid = web.svc.drafts.new_session_id()
    history, doc = _say(web, NOTES + f"- 开展培训3次{hostile}\n", [], sid, {})
    report = web.svc.report_of(web.svc.drafts.load(sid))
    assert any("开展培训3次" in t for t in report.sections.values())
    for shown in (
        web.chat.show(doc),
        web.upload.show(doc),
        *web.edit.show(doc)[len(SECTIONS) : 2 * len(SECTIONS)],
        history[-1]["content"],
    ):
        assert no_markup(shown)
    assert "&lt;img" in web.chat.show(doc) or "track.png" not in web.chat.show(doc)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markdown_rendering_drops_fetches_links_and_styles(hostile):
    assert no_markup(md_html(f"**答复**：{hostile}"))


def test_corpus_text_in_an_answer_and_its_passage_is_text(web, reports, tmp_path):
    """A report uploaded by one user reaches every user's 往年报告问答: its markup must stay text."""
    source = (reports / "pingtan-2022.txt").read_text(encoding="utf-8")
    heading = SECTIONS[4].text
    poisoned = source.replace(heading, f"{heading}\n一是{TRACKER}<a href='http://x.example'>链接</a>培训不足。", 1)
    path = tmp_path / "pingtan-2022.txt"
    path.write_text(poisoned, encoding="utf-8")
    web.svc.index([path])
    answer, _, cite_box, cites, passage, _ = web.ask.ask("平潭2022年的问题和改进是怎么写的？")
    assert "track.png" in answer + passage  # the poisoned text is shown, as text
    assert no_markup(answer) and no_markup(passage)
    assert no_markup(web.ask.show_citation(cite_box.value, cites))
    web.svc.index([reports / "pingtan-2022.txt"])  # the clean report back for the other tests


# ── table grids ──


@pytest.fixture(scope="module")
def pingtan_2021(reports):
    return parse_file(reports / "pingtan-2021.txt")


class _Tables(html.parser.HTMLParser):
    """The <table data-table=…> elements of render_html as rows of cells (tag, text, spans, class, title),
    and the <ul data-table=…> lists under them as their items' text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[dict]]] = {}
        self.lists: dict[str, list[str]] = {}
        self._cell: dict | None = None
        self._item: list[str] | None = None
        self._name = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in ("table", "ul"):
            self._name = a["data-table"]
            (self.tables if tag == "table" else self.lists)[self._name] = []
        elif tag == "tr":
            self.tables[self._name].append([])
        elif tag in ("td", "th"):
            span = {"rowspan": int(a.get("rowspan", 1)), "colspan": int(a.get("colspan", 1))}
            self._cell = {"tag": tag, "text": "", "class": a.get("class", ""), "title": a.get("title", ""), **span}
            self.tables[self._name][-1].append(self._cell)
        elif tag == "li":
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "li":
            self.lists[self._name].append("".join(self._item))
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        if self._item is not None:
            self._item.append(data)


def _parsed(report, findings) -> _Tables:
    parsed = _Tables()
    parsed.feed(render_html(report, findings))
    return parsed


def _expand(rows: list[list[dict]]) -> list[list[dict]]:
    """An HTML table as a full matrix: a merged cell fills every position it covers."""
    matrix: dict[tuple[int, int], dict] = {}
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in matrix:
                c += 1
            for dr in range(cell["rowspan"]):
                for dc in range(cell["colspan"]):
                    matrix[(r + dr, c + dc)] = cell
    height, width = max(r for r, _ in matrix) + 1, max(c for _, c in matrix) + 1
    return [[matrix.get((r, c)) for c in range(width)] for r in range(height)]


def _grid_matrix(grid, report) -> list[list[str]]:
    """export's grid as a full matrix of texts, the way the .docx draws it."""
    out = [[None] * grid.cols for _ in range(grid.rows)]
    for cell in grid.cells:
        text = format_number(report.cell(cell.ref)) if cell.ref else cell.text
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                out[cell.row + dr][cell.col + dc] = (text, cell.row, cell.col)
    return out


def test_grids_roundtrip_a_real_report(pingtan_2021):
    t2, t3, t4 = to_frames(pingtan_2021)
    assert (
        t3.iloc[0, 0] == T3_NEW and len(t3) == len(T3_ROWS["2021"]) == 25 and list(t3.columns[1:]) == list(T3_COLUMNS)
    )
    back, bad = from_frames(pingtan_2021, t2, t3, t4)
    assert bad == []
    assert back.table3 == pingtan_2021.table3 and back.table4 == pingtan_2021.table4
    assert back.table2 == pingtan_2021.table2  # blank (None) cells stay blank, not 0


@pytest.mark.parametrize("template", TEMPLATES)
def test_table2_editor_is_laid_out_per_item(template):
    """Each 第二十条 item: its title row, its own column names, then its rows; unused cells blank."""
    t2, _, _ = to_frames(Report(template=template))
    lines = t2.values.tolist()
    r = 0
    for item in TABLE2[template]:
        width = 1 + len(item.columns)
        assert lines[r][0] == item.heading and set(lines[r][1:]) == {""}
        assert lines[r + 1][:width] == ["信息内容", *item.columns]
        for k, row in enumerate(item.rows):
            assert lines[r + 2 + k][0] == row.text and set(lines[r + 2 + k][1:]) == {""}
        r += 2 + len(item.rows)
    assert r == len(lines)


def test_table2_editor_reads_only_value_cells(pingtan_2021):
    t2, t3, t4 = (frame.astype(object) for frame in to_frames(pingtan_2021))  # as typed in the browser
    labels = t2.iloc[:, 0].tolist()
    licence, rules = labels.index("行政许可"), labels.index("规章")
    t2.iloc[licence, 1] = "2300"
    t2.iloc[licence, 2] = "5"  # 行政许可 has one column: this cell is not an input
    t2.iloc[rules - 1, 1] = "本年新增件数"  # a column name is a label, not an input
    t2.iloc[rules, 2] = "十二"
    back, bad = from_frames(pingtan_2021, t2, t3, t4)
    assert [(f.rule, f.message) for f in bad] == [
        ("UI-NOT-A-NUMBER", "表二「规章」行「本年废止件数」列：“十二”不是数字")
    ]
    assert back.table2["行政许可"] == [2300] and back.table2["规章"] == [0, None, 0]
    unchanged = set(back.table2) - {"行政许可", "规章"}
    assert {k: back.table2[k] for k in unchanged} == {k: pingtan_2021.table2[k] for k in unchanged}
    assert isinstance(back.table2["行政事业性收费"][0], float)  # an amount in 万元 keeps its decimals


@pytest.mark.parametrize("name", ["pingtan-2021.txt", "pingtan-2019.txt"])
def test_tables_html_is_the_official_layout(name, reports):
    report = parse_file(reports / name)
    parsed = _parsed(report, [])
    assert list(parsed.tables) == ["table2", "table3", "table4"]
    for (table, rows), grid in zip(parsed.tables.items(), grids(report.template), strict=True):
        shown = _expand(rows)
        expected = _grid_matrix(grid, report)
        assert [[cell["text"] for cell in row] for row in shown] == [[t for t, *_ in row] for row in expected], table
        assert _same_merges(shown, expected), table  # merged exactly where the official table merges
    t3 = parsed.tables["table3"]
    assert (t3[0][0]["text"], t3[0][0]["rowspan"], t3[0][0]["colspan"]) == (T3_HEADER_RULE, 3, 3)
    results = next(c for row in t3 for c in row if c["text"] == "三、本年度办理结果")
    assert results["rowspan"] == len(t3_result_rows(report.template)) + 1  # the result rows and （七）总计
    t4 = parsed.tables["table4"]
    assert [(c["text"], c["colspan"]) for c in t4[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [c["text"] for c in t4[-1]] == [format_number(v) for v in report.table4]
    assert parsed.lists == {}  # no findings, no lists and no marked cell
    assert "bad" not in json.dumps(parsed.tables) and "warn" not in json.dumps(parsed.tables)


def _same_merges(shown: list[list[dict]], expected: list[list[tuple]]) -> bool:
    """Two positions share one HTML cell exactly when they share one grid cell."""
    positions = [(r, c) for r in range(len(expected)) for c in range(len(expected[0]))]
    return all(
        (shown[a][b] is shown[x][y]) == (expected[a][b][1:] == expected[x][y][1:])
        for a, b in positions
        for x, y in positions
    )


def test_edited_cell_breaks_the_balance_and_is_marked(web, pingtan_2021):
    t2, t3, t4 = to_frames(pingtan_2021)
    t3.iloc[0, 1] = t3.iloc[0, 1] + 5  # 一、本年新收 × 自然人
    edited, bad = from_frames(pingtan_2021, t2, t3, t4)
    findings = web.svc.check(edited)
    balance = [f for f in findings if f.rule == "T3-BALANCE"]
    assert len(balance) == 1
    assert set(failing_cells(balance, edited)) == {
        t3_cell(row, 0) for row in (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT)
    }

    parsed = _parsed(edited, findings)
    shown = _expand(parsed.tables["table3"])
    marked = {
        (row[2]["text"], shown[2][c]["text"]): cell["title"]
        for row in shown
        for c, cell in enumerate(row)
        if "bad" in cell["class"]
    }
    # the four cells of the 勾稽关系, and the row's 总计 that no longer adds up (T3-ROW-TOTAL)
    balance_cells = {(row, "自然人") for row in (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT)}
    assert set(marked) == balance_cells | {(T3_NEW, "总计")}
    assert {marked[cell] for cell in balance_cells} == {balance[0].message}
    assert "「自然人」列勾稽关系不成立" in balance[0].message
    row_total = next(f for f in findings if f.rule == "T3-ROW-TOTAL")
    assert marked[(T3_NEW, "总计")] == row_total.message
    assert f"错误 表三勾稽关系不成立：表三「{T3_TOTAL}」行「自然人」列：{balance[0].message}" in parsed.lists["table3"]
    # the parser's warning about 表二's run-together digits: that row's cells yellow, listed under 表二
    warned = [row[0]["text"] for row in _expand(parsed.tables["table2"]) if any("warn" in c["class"] for c in row)]
    assert warned == ["行政规范性文件"]
    assert [item.split("的数字")[0] for item in parsed.lists["table2"]] == [
        "警告 数字粘连无法确定：表二「行政规范性文件」行"
    ]
    assert "table4" not in parsed.lists


def test_non_numbers_are_findings_not_tracebacks(pingtan_2021):
    t2, t3, t4 = (frame.astype(object) for frame in to_frames(pingtan_2021))  # as typed in the browser
    t3.iloc[2, 3] = "十二"
    t4.iloc[0, 0] = "1.5"
    _, bad = from_frames(pingtan_2021, t2, t3, t4)
    assert [f.rule for f in bad] == ["UI-NOT-A-NUMBER", "UI-NOT-A-NUMBER"]
    assert [f.message for f in bad] == [
        f"表三「{T3_ROWS['2021'][2].text}」行「科研机构」列：“十二”不是数字",
        "表四「行政复议·结果维持」：1.5 不是整数，此处应为件数",
    ]
    marks = failing_cells(bad, pingtan_2021)
    assert set(marks) == {t3_cell(T3_ROWS["2021"][2].text, 2), t4_cell(0)}


def test_totals_fill_every_total_they_can(web, reports):
    report = parse_file(reports / "pingtan-2020.txt")  # its result rows add to 27 while （七）总计 says 21
    assert "T3-RESULT-SUM" in {f.rule for f in web.svc.check(report)}
    fixed, skipped = with_all_totals(report)
    assert fixed.table3[T3_TOTAL][-1] == 27 and skipped == []
    assert "T3-RESULT-SUM" not in {f.rule for f in web.svc.check(fixed)}


def test_blank_parts_filled_with_zero_then_every_total_computed(web, pingtan_2021):
    t2, t3, t4 = (frame.astype(object) for frame in to_frames(blank_report()))  # a new user's grids
    t3.iloc[0, 1:7] = pingtan_2021.table3[T3_NEW][:-1]  # only 一、本年新收 typed
    typed, _ = from_frames(blank_report(), t2, t3, t4)
    _, skipped = with_all_totals(typed)
    assert len(skipped) > 12  # blank is not 0: nothing else can be computed yet
    filled, skipped = with_all_totals(with_zeros(typed))
    assert skipped == []
    assert filled.table3[T3_NEW][-1] == sum(pingtan_2021.table3[T3_NEW][:-1])
    assert filled.table3[T3_TOTAL] == [0] * len(T3_COLUMNS) and filled.table4 == [0] * len(T4_COLUMNS)
    assert {f.rule for f in web.svc.check(filled)} & {"T3-ROW-TOTAL", "T3-RESULT-SUM", "T4-GROUP-TOTAL"} == set()
    assert "BLANK-CELL" not in {f.rule for f in web.svc.check(filled) if f.where.table == "table3"}


def test_fill_totals_names_what_it_left_alone(web, pingtan_2021):
    first_result = t3_result_rows("2021")[0]
    report = pingtan_2021.model_copy(deep=True)
    report.set(t3_cell(first_result, 1), None)  # （一）予以公开 × 商业企业 emptied
    sid = web.svc.drafts.new_session_id()
    web.svc.save(sid, report, "修改表格")
    with pytest.warns(UserWarning, match="空白不等于 0") as caught:
        doc = web.tables.fill_totals(sid, {})
    assert f"表三「{first_result}」行「总计」列（1 个组成项空白）" in str(caught[0].message)
    saved = web.svc.latest(sid)
    assert saved.table3[first_result][-1] == pingtan_2021.table3[first_result][-1]
    assert doc["rev"] == 2 and [v["label"] for v in web.svc.versions(sid)] == ["计算合计", "修改表格"]


def test_failing_cells_are_marked_in_the_grid_being_edited(web, pingtan_2021):
    t2, t3, t4 = to_frames(pingtan_2021)
    t3.iloc[0, 1] = t3.iloc[0, 1] + 5  # 一、本年新收 × 自然人
    edited, _ = from_frames(pingtan_2021, t2, t3, t4)
    css = grid_marks(web.svc.check(edited), edited)
    rows = [r.text for r in T3_ROWS["2021"]]
    for row in (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT):
        assert f'#table3 [data-testid="cell-{rows.index(row)}-1"]{{background:#fdd' in css
    assert '#table3 [data-testid="cell-0-7"]' in css  # the row total that no longer adds up
    assert grid_marks([], Tables.blank("2021")) == ""


def _typed(row: int, col: int, value: str, previous: str) -> SimpleNamespace:
    """What gradio's grid sends when a cell is left after typing (gr.EditData)."""
    return SimpleNamespace(index=(row, col), value=value, previous_value=previous)


def test_a_typed_cell_is_saved_alone_and_the_grid_is_not_redrawn(web, pingtan_2021):
    sid = web.svc.drafts.new_session_id()
    first = web.svc.save(sid, pingtan_2021, "导入表格")
    doc = doc_state(sid, first.report, first.findings, first.rev)
    edit = web.tables._cell_editor("table3")
    doc = edit(_typed(0, 1, "999", str(pingtan_2021.cell(t3_cell(T3_NEW, 0)))), sid, doc)
    assert web.svc.latest(sid).cell(t3_cell(T3_NEW, 0)) == 999
    template, *grids_shown, marks, check = web.tables.show(doc)
    assert grids_shown == [gr.skip()] * 3 and 'td class="num bad"' in check and marks
    reloaded = web.tables.show({**doc, "origin": ""})
    assert reloaded[2]["value"].iloc[0, 1] == 999 and reloaded[2]["row_count"] == (len(T3_ROWS["2021"]), "fixed")
    # a label cell is no input; a word is a finding, not a saved value
    assert edit(_typed(0, 0, "改了标签", T3_NEW), sid, doc) == gr.skip()
    doc = edit(_typed(2, 3, "十二", "0"), sid, doc)
    assert web.svc.latest(sid).cell(t3_cell(T3_ROWS["2021"][2].text, 2)) is None
    not_a_number = f"表三「{T3_ROWS['2021'][2].text}」行「科研机构」列：“十二”不是数字"
    assert findings_in(doc)[0].message == not_a_number
    # it stays named, and red, while other cells are typed; typed again as a number it goes
    doc = edit(_typed(0, 2, "3", "0"), sid, doc)
    assert not_a_number in [f.message for f in findings_in(doc)] and 'data-testid="cell-2-3"' in web.tables.show(doc)[4]
    doc = edit(_typed(2, 3, "12", "十二"), sid, doc)
    assert not [f for f in findings_in(doc) if f.rule == "UI-NOT-A-NUMBER"]
    # a blank mark is taken as blank, and the user is told so
    with pytest.warns(UserWarning, match="“—”按空白处理（空白不等于 0）"):
        edit(_typed(0, 3, "—", "0"), sid, doc)
    assert web.svc.latest(sid).cell(t3_cell(T3_NEW, 2)) is None


def test_a_cell_another_tab_changed_keeps_the_earlier_value(web, pingtan_2021):
    sid = web.svc.drafts.new_session_id()
    first = web.svc.save(sid, pingtan_2021, "导入表格")
    stale = doc_state(sid, first.report, first.findings, first.rev)
    edit = web.tables._cell_editor("table3")
    old = str(pingtan_2021.cell(t3_cell(T3_NEW, 0)))
    edit(_typed(0, 1, "7", old), sid, stale)  # the first tab
    with pytest.warns(UserWarning, match="另一个窗口同时修改了表三「一、本年新收政府信息公开申请数量」行「自然人」列"):
        doc = edit(_typed(0, 1, "8", old), sid, stale)  # the second tab saw the old value
    assert web.svc.latest(sid).cell(t3_cell(T3_NEW, 0)) == 7 and doc["origin"] == ""  # redrawn with the 7


def test_section_findings_wait_for_a_narrative(web):
    report = blank_report()
    findings = web.svc.check(report)
    assert any(f.where.section for f in findings)
    doc = doc_state("", report, findings, 0)
    assert "缺少规定部分" not in draft_html(report, findings) and "缺少规定部分" not in web.tables.show(doc)[-1]
    written = report.model_copy(update={"sections": {SECTIONS[0].text: "全年工作平稳。"}})
    assert "缺少规定部分" in draft_html(written, web.svc.check(written))


def test_table_editors_have_a_fixed_shape(web):
    demo = build_app(web.svc)
    editors = {b.elem_id: b for b in demo.blocks.values() if isinstance(b, gr.Dataframe) and b.interactive}
    assert set(editors) == {"table2", "table3", "table4"}
    for editor in editors.values():
        assert editor.row_count[1] == "fixed" and editor.col_count[1] == "fixed"
    assert editors["table4"].row_count == (1, "fixed") and editors["table4"].col_count == (15, "fixed")


# ── settings: the administrator only ──


def _request(user: str | None, host: str) -> SimpleNamespace:
    return SimpleNamespace(username=user, client=SimpleNamespace(host=host))


def test_settings_view_never_returns_the_key(web):
    web.svc.save_settings("http://127.0.0.1:9/v1", "m", "sk-不显示")
    try:
        state, box, url, model, key_box = web.settings.view(_request(None, "127.0.0.1"))
        assert key_box == "" and "已设置" in state and "sk-" not in url + model + state
        assert box["visible"] is True
    finally:
        _forget_settings(web.svc)


def _forget_settings(svc: Service) -> None:
    svc.llm.clear_key()
    svc.llm.config_path.unlink(missing_ok=True)


def test_only_the_administrator_sees_or_changes_the_model_settings(web, request):
    web.svc.save_settings("http://127.0.0.1:9/v1", "secret-model", "")
    request.addfinalizer(lambda: _forget_settings(web.svc))
    remote = _request(None, "192.168.1.20")
    state, box, url, model, _ = web.settings.view(remote)
    assert box["visible"] is False and url == model == "" and "管理员" in state and "127.0.0.1" not in state
    for handler in (
        lambda: web.settings.save_settings("http://evil.example/v1", "m", "", remote),
        lambda: web.settings.test_settings("http://evil.example/v1", "m", "", remote),
        lambda: web.settings.clear_key(remote),
    ):
        with pytest.raises(ConfigError, match="只有管理员"):
            handler()
    assert web.svc.settings.openai_base_url == "http://127.0.0.1:9/v1"


def test_login_attempts_are_limited_per_user():
    now = [0.0]
    check = throttled_auth([("admin", "right")], LoginThrottle(clock=lambda: now[0]))
    assert check("admin", "right")
    for _ in range(5):
        assert not check("admin", "wrong")
    assert not check("admin", "right")  # locked out, even with the right password
    assert not check("nobody", "x")
    now[0] = 301.0
    assert check("admin", "right")


# ── connection test ──


class _FakeOpenAI(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Authorization") != "Bearer good":
            self.send_response(401)
            body = {"error": {"message": "bad key"}}
        else:
            self.send_response(200)
            body = {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "fake-model",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "好"}, "finish_reason": "length"}],
            }
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args: object) -> None:
        pass


def test_connection_test_against_a_local_endpoint(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/v1"
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": base}
    try:
        assert "连接成功" in check_connection(load_settings(env={**env, "OPENAI_API_KEY": "good"}))
        assert "401" in check_connection(load_settings(env={**env, "OPENAI_API_KEY": "bad"}))
    finally:
        server.shutdown()
        server.server_close()
    refused = check_connection(load_settings(env={**env, "OPENAI_API_KEY": "good"}), timeout=2)
    # the address ends at a space, so the Markdown box links the address and not the "。" after it
    assert f"无法连接到 {base} （" in refused
    assert "未配置大模型" in check_connection(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)}))


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (401, "连接失败：大模型鉴权失败（HTTP 401）：密钥无效或无权访问，请检查 API 密钥。"),
        (404, "连接失败：大模型接口地址或模型“fake”不存在（HTTP 404）。"),
        (429, "连接失败：大模型请求过于频繁或额度不足（HTTP 429）。"),
        (400, "连接失败：大模型服务出错（HTTP 400）。"),
        (503, "连接失败：大模型服务出错（HTTP 503）。"),
    ],
)
def test_connection_test_never_shows_a_key_the_server_echoes(status, verdict):
    key = "sk-test-DO-NOT-LEAK-4242"
    with ScriptedOpenAI([Reply(status=status)]) as server:
        settings = Settings(openai_api_key=key, openai_base_url=server.base_url, llm_model="fake")
        assert check_connection(settings) == verdict
    assert server.auth_headers == [f"Bearer {key}"]  # the server had the key, and its error body quoted it


def test_connection_test_sends_the_placeholder_key_and_reports_a_timeout():
    with ScriptedOpenAI([Reply("好"), Reply(delay=1.0)]) as server:
        settings = Settings(openai_base_url=server.base_url, llm_model="fake")
        assert check_connection(settings) == "连接成功：模型“fake”已响应。"
        assert check_connection(settings, timeout=0.2) == "连接失败：大模型响应超时（超过 0.2 秒）。"
    assert server.auth_headers == [f"Bearer {PLACEHOLDER_KEY}"] * 2


# ── app.py ──


def test_app_flags_and_environment(capsys):
    assert app.parse_auth("admin:pa:ss") == [("admin", "pa:ss")]
    assert app.parse_auth("admin:a, clerk:b") == [("admin", "a"), ("clerk", "b")]
    assert app.parse_auth("") == []
    with pytest.raises(ValueError, match="用户名:密码"):
        app.parse_auth("admin")
    assert app.main(["--auth", "nopassword"]) == 2
    assert "设置有误" in capsys.readouterr().err
    assert app.main(["--auth", "a:b", "--admin", "c"]) == 2
    assert "不在 --auth 的用户中" in capsys.readouterr().err
    s = load_settings(env={"GRADIO_SERVER_PORT": "9001", "GRADIO_SERVER_NAME": "0.0.0.0", "ASSISTANT_AUTH": "a:b"})
    assert (s.server_name, s.server_port, s.auth) == ("0.0.0.0", 9001, "a:b")
    assert (load_settings(env={}).server_name, load_settings(env={}).server_port) == ("127.0.0.1", 7860)


# ── 往年报告问答 ──


def test_chart_of_a_figure_across_years(web, reports, expected_tables):
    files = [reports / f"pingtan-{y}.txt" for y in (2021, 2022)]
    web.svc.index(files)
    frame = web.ask.chart_frame("平潭综合实验区", "本年新收申请数（总计）")
    assert frame["年度"].tolist() == ["2021", "2022"]
    assert frame["数量"].tolist() == [expected_tables[f.name]["table3"][T3_NEW][-1] for f in files]
    assert str(frame["数量"].dtype).startswith("int")
    assert web.ask.chart_choices().value == "平潭综合实验区"


def test_chart_of_a_single_year_is_a_bar_on_a_whole_number_axis(web, reports, expected_tables):
    web.svc.index([reports / "weishi-kaifaqu-2022.txt"])
    org = "尉氏县先进制造业开发区"
    for metric, value in (
        ("本年新收申请数（总计）", expected_tables["weishi-kaifaqu-2022.txt"]["table3"][T3_NEW][-1]),
        ("行政复议（总计）", expected_tables["weishi-kaifaqu-2022.txt"]["table4"][4]),
    ):
        spec = web.ask.draw(org, metric).to_dict()
        [rows] = spec["datasets"].values()
        assert rows == [{"年度": "2022", "数量": value}]
        bars, labels = spec["layer"]
        assert bars["mark"]["type"] == "bar" and labels["mark"]["type"] == "text"  # the value is printed too
        assert labels["encoding"]["text"] == {"field": "数量", "format": "d", "type": "quantitative"}
        y = bars["encoding"]["y"]
        assert y["axis"]["format"] == "d" and y["axis"]["tickMinStep"] == 1 and y["scale"]["zero"] is True
        assert 1 <= y["axis"]["tickCount"] <= max(value, 1)
    assert web.ask.draw(org, "不存在的指标") is None and web.ask.draw(None, "行政复议（总计）") is None


def test_an_answer_about_one_org_selects_it_in_the_chart(web, reports):
    web.svc.index([reports / "weishi-kaifaqu-2022.txt", reports / "pingtan-2022.txt"])
    *_, org_box = web.ask.ask("尉氏开发区2022年行政复议有多少件")
    assert org_box.value == "尉氏县先进制造业开发区"
    assert {"尉氏县先进制造业开发区", "平潭综合实验区"} <= {value for _, value in org_box.choices}
    *_, org_box = web.ask.ask("平潭2022年新收了多少申请？")
    assert org_box.value == "平潭综合实验区"
    *_, org_box = web.ask.ask("北京市2022年新收了多少申请？")  # no answer: the box is left as it is
    assert org_box == gr.skip()


def test_cited_passage_shows_no_markdown_marks(web, reports):
    web.svc.index([reports / "pingtan-2022.txt"])
    _, _, cite_box, cites, passage, _ = web.ask.ask("平潭2022年的问题和改进是怎么写的？")
    quote = cites[0]["quote"]
    assert f"<mark>{quote}</mark>" in passage and "**" not in passage
    assert web.ask.show_citation(cite_box.value, cites) == passage
    source = f"## 五、存在的主要问题及改进情况\n一是培训不足；**{quote}**下一步将加强培训。"
    shown = passage_html(source, quote)
    assert shown == f"<p>五、存在的主要问题及改进情况</p><p>一是培训不足；<mark>{quote}</mark>下一步将加强培训。</p>"
    assert passage_html("比例 1*2 与 a<b", "a<b") == "<p>比例 1*2 与 <mark>a&lt;b</mark></p>"


def test_page_widgets(web, reports):
    web.svc.index([reports / "pingtan-2022.txt"])
    demo = build_app(web.svc)
    by_label = {getattr(b, "label", None): b for b in demo.blocks.values()}
    year = by_label["报告年度（可选）"]
    assert isinstance(year, gr.Textbox) and year.value == "" and year.placeholder  # empty, not "0"
    chart = next(b for b in demo.blocks.values() if b.elem_id == "chart")
    assert isinstance(chart, gr.Plot)
    assert chart.postprocess(web.ask.draw("平潭综合实验区", "本年新收申请数（总计）")).type == "altair"
    downloads = [b for b in demo.blocks.values() if isinstance(b, gr.File) and b.interactive is False]
    assert downloads and all(b.visible is False for b in downloads)  # no empty download boxes


# ── 上传要点 ──


def test_upload_year_box_empty_means_the_notes_year(web, tmp_path):
    notes = tmp_path / "要点.txt"
    notes.write_text(NOTES, encoding="utf-8")  # says 年度：2024
    sid = web.svc.drafts.new_session_id()

    def upload(year: str | None) -> str:
        head, *_, doc = web.upload.upload_draft(notes, None, None, "", year, sid, progress=lambda *a, **k: None)
        assert head.startswith("<p><b>已生成初稿，由离线引擎起草。</b></p>")
        return web.upload.show(doc)

    for empty in ("", None, "  "):
        assert "测试县人民政府办公室2024年政府信息公开工作年度报告" in upload(empty)
    assert "测试县人民政府办公室2023年政府信息公开工作年度报告" in upload(" 2023 ")
    for bad in ("0", "二〇二四", "24"):
        with pytest.raises(InputError, match=f"报告年度“{bad}”应为四位数字的年份"):
            upload(bad)


def test_a_fallback_to_the_offline_engine_is_not_called_an_llm_draft(tmp_path):
    """An LLM configured but unreachable (nothing listens on port 9): the head says what really happened."""
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": ""}
    upload = UploadTab(Page(Service(load_settings(env=env)), None, None))
    notes = tmp_path / "要点.txt"
    notes.write_text(NOTES, encoding="utf-8")
    head, *_ = upload.upload_draft(notes, None, None, "", "", "", progress=lambda *a, **k: None)
    # every unit fell back: the offline engine wrote the whole draft, and the notice says why
    assert head.startswith("<p><b>已生成初稿，由离线引擎起草。</b></p>")
    assert "无法连接到 http://127.0.0.1:9/v1" in head and "已改用离线引擎" in head


@pytest.mark.parametrize(("name", "hint"), [("要点.doc", "另存为” .docx"), ("统计表.xls", "另存为” .xlsx")])
def test_old_office_files_are_told_how_to_convert(web, tmp_path, name, hint):
    old = tmp_path / name
    old.write_bytes(b"\xd0\xcf\x11\xe0 old office")
    notes = old if name.endswith(".doc") else tmp_path / "要点.txt"
    notes.write_text(NOTES, encoding="utf-8") if notes.suffix == ".txt" else None
    tables = old if name.endswith(".xls") else None
    with pytest.raises(InputError, match=hint):
        web.upload.upload_draft(notes, tables, None, "", "", "", progress=lambda *a, **k: None)


# ── one guard for every handler ──


def test_messages_use_the_web_apps_words():
    assert plain("请用 --org 指定机关") == "请用 “机关名称” 指定机关"
    assert plain("“/tmp/gradio/0a1b2c/扫描件.pdf”是扫描件（没有文字层）") == "“扫描件.pdf”是扫描件（没有文字层）"
    assert "File is not a zip" not in plain("无法读取：File is not a zip file")


def test_a_user_error_is_a_notice_that_leaves_every_output_alone(web):
    def refuse(*_args: object) -> None:
        raise UnreadableError("“/tmp/gradio/0a1b2c/扫描件.pdf”是扫描件（没有文字层）")

    with pytest.warns(UserWarning, match="^“扫描件.pdf”是扫描件"):
        assert guard(web.svc, refuse, 3)() == (gr.skip(), gr.skip(), gr.skip())


def test_a_bug_in_a_handler_is_logged_and_named_an_internal_error(web, monkeypatch):
    log = web.svc.data_dir / "logs" / "webapp.log"
    before = log.read_text(encoding="utf-8").count("Traceback") if log.exists() else 0
    sid = web.svc.drafts.new_session_id()

    def broken(*_args: object) -> list:
        raise TypeError("a bug in our own code")

    monkeypatch.setattr(web.svc, "check", broken)
    monkeypatch.setattr(web.svc, "ask", broken)
    expected = f"内部错误：TypeError（程序缺陷，不是您的输入问题）。详细信息已记录在 {log}"
    web.svc.drafts.save(sid, {"report": blank_report().model_dump(mode="json")})
    for handler, n in ((lambda: web.tables.export_report(sid), 2), (lambda: web.tables.fill_totals(sid, {}), 1)):
        with pytest.warns(UserWarning, match=expected.split("。")[0]):
            guard(web.svc, handler, n)()
    with pytest.warns(UserWarning, match="内部错误"):  # a generator handler (the chat) the same way
        list(guard(web.svc, web.chat.chat, 5)("平潭综合实验区2022年收到多少申请？", [], sid, {}))
    text = log.read_text(encoding="utf-8")
    assert text.count("Traceback") - before == 3 and text.count("TypeError: a bug in our own code") >= 3
    handlers = logging.Logger.manager.loggerDict  # the file logger is outside logging's tree
    assert not [name for name in handlers if "webapp.log" in name]


def test_a_bug_while_indexing_in_the_background_is_logged_on_the_status_line(tmp_path, monkeypatch):
    svc = Service(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)}))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("a bug in our own code")

    monkeypatch.setattr(svc, "index", broken)
    svc.index_bundled(tmp_path).join(timeout=30)
    log = tmp_path / "logs" / "webapp.log"
    assert svc.status == f"语料库：索引失败：内部错误：KeyError（程序缺陷，不是您的输入问题）。详细信息已记录在 {log}"
    assert "a bug in our own code" in log.read_text(encoding="utf-8")


def test_a_tables_one_blank_cell_warning_marks_each_blank_cell():
    """BLANK-CELL is one warning per table in the list; in the grids every blank cell it counts is marked."""
    report = Report(**Tables.blank("2021").model_dump())
    report.table3 = {k: [0] * len(v) for k, v in report.table3.items()}
    report.set(t3_cell(T3_NEW, 2), None)
    report.set(t3_cell(T3_CARRIED, 4), None)
    blank = [f for f in check(report) if f.rule == "BLANK-CELL" and f.where.table == "table3"]
    assert len(blank) == 1
    marked = {cell for cell in failing_cells(blank, report) if cell.table == "table3"}
    assert marked == {t3_cell(T3_NEW, 2), t3_cell(T3_CARRIED, 4)}
