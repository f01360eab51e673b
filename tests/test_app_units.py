"""The web app's parts without a server: drafts store, chat routing and handler, table grids, LLM settings, app.py."""

from __future__ import annotations

import html.parser
import http.server
import json
import logging
import stat
import threading
import warnings

import gradio as gr
import pytest

import app
from assistant.cells import format_number
from assistant.drafts import DraftStore
from assistant.errors import ConfigError
from assistant.labels import (
    T3_CARRIED,
    T3_CARRY_NEXT,
    T3_COLUMNS,
    T3_HEADER_RULE,
    T3_NEW,
    T3_ROWS,
    T3_TOTAL,
    TABLE2,
    TEMPLATES,
    t3_result_rows,
)
from assistant.llm import PLACEHOLDER_KEY
from assistant.parser import parse_file
from assistant.readers import UnreadableError
from assistant.report import Report
from assistant.settings import Settings, load_settings
from assistant.tables import Tables, grids, t3_cell, t4_cell
from assistant.webapp import WebApp, build_app, passage_markdown
from assistant.webapp_chat import NEEDS_LLM, route
from assistant.webapp_settings import LlmConfig, check_connection
from assistant.webapp_tables import failing_cells, from_frames, render_html, to_frames
from assistant.webapp_workspace import Workspace

from .fake_openai import FakeOpenAI as ScriptedOpenAI
from .fake_openai import Reply

NOTES = "机关：测试县人民政府办公室\n年度：2024\n- 全年主动公开政府信息1200条\n- 存在问题：政策解读形式单一\n"


# ── drafts.py ──


def test_drafts_roundtrip_atomic_and_per_session(tmp_path):
    store = DraftStore(tmp_path)
    a, b = store.new_session_id(), store.new_session_id()
    store.save(a, {"notes": "甲"})
    store.update(b, notes="乙")
    store.update(a, chat=[{"role": "user", "content": "校验"}])
    assert store.load(a)["notes"] == "甲" and store.load(a)["chat"][0]["content"] == "校验"
    assert store.load(b)["notes"] == "乙"
    assert sorted(p.name for p in (tmp_path / "drafts").iterdir()) == sorted([f"{a}.json", f"{b}.json"])


def test_drafts_reject_crafted_ids_and_survive_damage(tmp_path):
    store = DraftStore(tmp_path)
    assert store.load("../../etc/passwd") == {}
    with pytest.raises(ValueError, match="会话编号无效"):
        store.save("../evil", {})
    sid = store.new_session_id()
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / f"{sid}.json").write_text("{半截", encoding="utf-8")
    assert store.load(sid) == {}


# ── chat routing ──


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


@pytest.fixture(scope="module")
def webapp(tmp_path_factory):
    return WebApp(Workspace(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("data"))})))


def _say(webapp: WebApp, message: str, history: list, sid: str) -> tuple:
    *_, last = webapp.chat(message, history, sid)
    return last


def test_chat_drafts_checks_shows_replaces_and_needs_llm(webapp):
    sid = webapp.ws.drafts.new_session_id()
    _, history, chat_draft, *_ = _say(webapp, NOTES, [], sid)
    assert "初稿已生成" in history[-1]["content"]
    assert "全年主动公开政府信息1200条" in chat_draft

    _, history, *_ = _say(webapp, "把第五部分替换为：培训不足，明年将组织专题培训。", history, sid)
    assert history[-1]["content"].startswith("已替换“五、存在的主要问题及改进情况”")
    _, history, *_ = _say(webapp, "显示第五部分", history, sid)
    assert "培训不足，明年将组织专题培训。" in history[-1]["content"]
    _, history, *_ = _say(webapp, "把第三部分替换为：没有申请", history, sid)
    assert "表格填报" in history[-1]["content"]
    _, history, *_ = _say(webapp, "校验", history, sid)
    assert "TABLE-MISSING" in history[-1]["content"]
    _, history, *_ = _say(webapp, "把第一部分写得更具体", history, sid)
    assert history[-1]["content"] == NEEDS_LLM

    # autosaved: a reload of the page gets the same chat and draft back
    loaded_sid, chat, loaded_draft, *_ = webapp.on_load(sid)
    assert loaded_sid == sid and chat == history
    assert "培训不足，明年将组织专题培训。" in loaded_draft


def test_chat_without_a_draft_says_what_to_do(webapp):
    _, history, *_ = _say(webapp, "校验", [], webapp.ws.drafts.new_session_id())
    assert "还没有草稿" in history[-1]["content"]


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


def test_edited_cell_breaks_the_balance_and_is_marked(webapp, pingtan_2021):
    t2, t3, t4 = to_frames(pingtan_2021)
    t3.iloc[0, 1] = t3.iloc[0, 1] + 5  # 一、本年新收 × 自然人
    edited, bad = from_frames(pingtan_2021, t2, t3, t4)
    findings = webapp.ws.check(edited)
    balance = [f for f in findings if f.rule == "T3-BALANCE"]
    assert len(balance) == 1
    assert set(failing_cells(balance, edited.template)) == {
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
    assert f"错误 表三「{T3_TOTAL}」行「自然人」列：{balance[0].message}" in parsed.lists["table3"]
    # the parser's warning about 表二's run-together digits: that row's cells yellow, listed under 表二
    warned = [row[0]["text"] for row in _expand(parsed.tables["table2"]) if any("warn" in c["class"] for c in row)]
    assert warned == ["行政规范性文件"]
    assert [item.split("的数字")[0] for item in parsed.lists["table2"]] == ["警告 表二「行政规范性文件」行"]
    assert "table4" not in parsed.lists


def test_non_numbers_are_findings_not_tracebacks(pingtan_2021):
    t2, t3, t4 = (frame.astype(object) for frame in to_frames(pingtan_2021))  # as typed in the browser
    t3.iloc[2, 3] = "十二"
    t4.iloc[0, 1] = "1.5"
    _, bad = from_frames(pingtan_2021, t2, t3, t4)
    assert [f.rule for f in bad] == ["UI-NOT-A-NUMBER", "UI-NOT-A-NUMBER"]
    assert [f.message for f in bad] == [
        f"表三「{T3_ROWS['2021'][2].text}」行「科研机构」列：“十二”不是数字",
        "表四「行政复议·结果维持」：1.5 不是整数，此处应为件数",
    ]
    marks = failing_cells(bad, pingtan_2021.template)
    assert set(marks) == {t3_cell(T3_ROWS["2021"][2].text, 2), t4_cell(0)}


def test_totals_are_computed_from_their_parts(webapp, reports):
    report = parse_file(reports / "pingtan-2020.txt")  # its result rows add to 27 while （七）总计 says 21
    assert "T3-RESULT-SUM" in {f.rule for f in webapp.ws.check(report)}
    fixed, skipped = report.with_totals()
    assert fixed.table3[T3_TOTAL][-1] == 27 and skipped == []
    assert "T3-RESULT-SUM" not in {f.rule for f in webapp.ws.check(fixed)}


def test_totals_with_blank_parts_are_left_alone_and_named(webapp, pingtan_2021):
    t2, t3, t4 = to_frames(pingtan_2021)
    given = pingtan_2021.table3[T3_TOTAL]
    first_result = t3_result_rows("2021")[0]
    row = [r.text for r in T3_ROWS["2021"]].index(first_result)
    t3.iloc[row, 2] = None  # （一）予以公开 × 商业企业 emptied
    t4.iloc[0, 1] = None  # 行政复议 · 结果维持 emptied
    sid = webapp.ws.drafts.new_session_id()
    verdict = _fill_totals(webapp, (t2, t3, t4), sid)
    notice = verdict.split("\n\n")[0]  # above the findings
    assert notice.startswith("**以下合计未计算：**") and "空白不等于 0" in notice and notice.count("\n- ") == 3
    for name in (
        f"表三「{first_result}」行「总计」列（1 个组成项空白）",
        f"表三「{T3_TOTAL}」行「商业企业」列（1 个组成项空白）",
        "表四「行政复议·总计」（1 个组成项空白）",
    ):
        assert f"- {name}" in notice
    # the totals with a blank part keep what they were; the others are computed
    saved = webapp.ws.report_of(webapp.ws.drafts.load(sid))
    assert saved.table3[first_result][-1] == pingtan_2021.table3[first_result][-1]
    assert saved.table3[T3_TOTAL][1] == given[1] and saved.table4[4] == pingtan_2021.table4[4]
    assert saved.table3[T3_NEW][-1] == sum(pingtan_2021.table3[T3_NEW][:-1])
    # a table filled throughout: nothing to say
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="部分合计")  # no toast either
        *_, verdict = webapp.fill_totals(*to_frames(pingtan_2021), sid)
    assert "未计算" not in verdict
    # blank tables are named in one line each
    verdict = _fill_totals(webapp, to_frames(_blank_tables()), sid)
    assert "- 表三的全部合计（整张表都是空白）\n- 表四的全部合计（整张表都是空白）\n\n" in verdict
    # only 一、本年新收 filled: every other row of 表三 is named, the list cut short after twelve
    t2, t3, t4 = (frame.astype(object) for frame in to_frames(_blank_tables()))  # as typed in the browser
    t3.iloc[0, 1:7] = pingtan_2021.table3[T3_NEW][:-1]
    verdict = _fill_totals(webapp, (t2, t3, t4), sid)
    count = len(T3_ROWS["2021"]) - 1 + len(T3_COLUMNS) - 1 + 1
    assert f"表三「{T3_NEW}」" not in verdict and f"- ……等共 {count} 项" in verdict
    assert webapp.ws.report_of(webapp.ws.drafts.load(sid)).table3[T3_NEW][-1] == sum(t3.iloc[0, 1:7])


def _fill_totals(webapp: WebApp, frames: tuple, sid: str) -> str:
    """计算合计 with some totals left alone: the toast points below the tables; the findings box text."""
    with pytest.warns(UserWarning, match="部分合计因组成项有空白而未计算"):
        *_, verdict = webapp.fill_totals(*frames, sid)
    return verdict


def _blank_tables() -> Report:
    return Report(**Tables.blank("2021").model_dump())


# ── LLM settings ──


def test_llm_settings_saved_privately_and_key_never_in_config(tmp_path):
    cfg = LlmConfig(tmp_path)
    cfg.save("http://127.0.0.1:9/v1", "qwen2.5", "sk-秘密")
    assert stat.S_IMODE(cfg.key_path.stat().st_mode) == 0o600
    assert "sk-" not in cfg.config_path.read_text(encoding="utf-8")
    applied = cfg.apply(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)}))
    assert (applied.openai_base_url, applied.llm_model, applied.openai_api_key) == (
        "http://127.0.0.1:9/v1",
        "qwen2.5",
        "sk-秘密",
    )
    cfg.save("http://127.0.0.1:9/v1", "qwen2.5", "")  # an empty key box keeps the saved key
    assert cfg.saved_key() == "sk-秘密"
    with pytest.raises(ConfigError, match="http"):
        cfg.save("ftp://x", "m")


def test_settings_view_never_returns_the_key(webapp):
    webapp.ws.llm.save("", "", "sk-不显示")
    try:
        url, model, key_box, state = webapp.settings_view()
        assert key_box == "" and "已设置" in state and "sk-" not in url + model + state
    finally:
        webapp.ws.llm.clear_key()


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


# ── app.py and settings ──


def test_app_flags_and_environment(capsys):
    assert app.parse_auth("admin:pa:ss") == ("admin", "pa:ss")
    assert app.parse_auth("") is None
    with pytest.raises(ValueError, match="用户名:密码"):
        app.parse_auth("admin")
    assert app.main(["--auth", "nopassword"]) == 2
    assert "设置有误" in capsys.readouterr().err
    s = load_settings(env={"GRADIO_SERVER_PORT": "9001", "GRADIO_SERVER_NAME": "0.0.0.0", "ASSISTANT_AUTH": "a:b"})
    assert (s.server_name, s.server_port, s.auth) == ("0.0.0.0", 9001, "a:b")
    assert (load_settings(env={}).server_name, load_settings(env={}).server_port) == ("127.0.0.1", 7860)


def test_chart_of_a_figure_across_years(webapp, reports, expected_tables):
    expected = expected_tables
    files = [reports / f"pingtan-{y}.txt" for y in (2021, 2022)]
    webapp.ws.index(files)
    frame = webapp.chart_frame("平潭综合实验区", "本年新收申请数（总计）")
    assert frame["年度"].tolist() == ["2021", "2022"]
    assert frame["数量"].tolist() == [expected[f.name]["table3"][T3_NEW][-1] for f in files]
    assert str(frame["数量"].dtype).startswith("int")
    assert webapp.chart_choices().value == "平潭综合实验区"


def test_chart_of_a_single_year_is_a_bar_on_a_whole_number_axis(webapp, reports, expected_tables):
    expected = expected_tables
    webapp.ws.index([reports / "weishi-kaifaqu-2022.txt"])
    org = "尉氏县先进制造业开发区"
    for metric, value in (
        ("本年新收申请数（总计）", expected["weishi-kaifaqu-2022.txt"]["table3"][T3_NEW][-1]),
        ("行政复议（总计）", expected["weishi-kaifaqu-2022.txt"]["table4"][4]),
    ):
        spec = webapp.chart(org, metric).to_dict()
        [rows] = spec["datasets"].values()
        assert rows == [{"年度": "2022", "数量": value}]
        bars, labels = spec["layer"]
        assert bars["mark"]["type"] == "bar" and labels["mark"]["type"] == "text"  # the value is printed too
        assert labels["encoding"]["text"] == {"field": "数量", "format": "d", "type": "quantitative"}
        y = bars["encoding"]["y"]
        # ticks at whole numbers from 0, however small the count: no more ticks asked for than the count
        assert y["axis"]["format"] == "d" and y["axis"]["tickMinStep"] == 1 and y["scale"]["zero"] is True
        assert 1 <= y["axis"]["tickCount"] <= max(value, 1)
    assert webapp.chart(org, "不存在的指标") is None and webapp.chart(None, "行政复议（总计）") is None


def test_an_answer_about_one_org_selects_it_in_the_chart(webapp, reports):
    webapp.ws.index([reports / "weishi-kaifaqu-2022.txt", reports / "pingtan-2022.txt"])
    *_, org_box = webapp.ask("尉氏开发区2022年行政复议有多少件")
    assert org_box.value == "尉氏县先进制造业开发区"
    assert {"尉氏县先进制造业开发区", "平潭综合实验区"} <= {value for _, value in org_box.choices}
    *_, org_box = webapp.ask("平潭2022年新收了多少申请？")
    assert org_box.value == "平潭综合实验区"
    *_, org_box = webapp.ask("北京市2022年新收了多少申请？")  # no answer: the box is left as it is
    assert org_box == gr.skip()


def test_cited_passage_shows_no_markdown_marks(webapp, reports):
    webapp.ws.index([reports / "pingtan-2022.txt"])
    answer, _, cite_box, cites, passage = webapp.ask("平潭2022年的问题和改进是怎么写的？")[:5]
    quote = cites[0]["quote"]
    body = passage.split("\n\n", 1)[1]
    # the quote highlighted by a tag that renders beside any punctuation, not by ** that stays raw next to "；"
    assert f"<mark>{quote}</mark>" in body and "**" not in body
    assert webapp.show_citation(cite_box.value, cites) == passage
    # a Markdown source (a draft read back): its own heading and bold marks are not shown
    source = f"## 五、存在的主要问题及改进情况\n一是培训不足；**{quote}**下一步将加强培训。"
    shown = passage_markdown(source, quote)
    assert shown == f"五、存在的主要问题及改进情况\n一是培训不足；<mark>{quote}</mark>下一步将加强培训。"
    assert passage_markdown("比例 1*2 与 a<b", "a<b") == "比例 1\\*2 与 <mark>a&lt;b</mark>"


def test_page_widgets(webapp, reports):
    webapp.ws.index([reports / "pingtan-2022.txt"])
    demo = build_app(webapp.ws)
    by_label = {getattr(b, "label", None): b for b in demo.blocks.values()}
    year = by_label["报告年度（可选）"]
    assert isinstance(year, gr.Textbox) and year.value == "" and year.placeholder  # empty, not "0"
    chart = next(b for b in demo.blocks.values() if b.elem_id == "chart")
    assert isinstance(chart, gr.Plot)
    assert chart.postprocess(webapp.chart("平潭综合实验区", "本年新收申请数（总计）")).type == "altair"


def test_upload_year_box_empty_means_the_notes_year(webapp, tmp_path):
    notes = tmp_path / "要点.txt"
    notes.write_text(NOTES, encoding="utf-8")  # says 年度：2024
    sid = webapp.ws.drafts.new_session_id()

    def upload(year: str | None) -> str:
        return webapp.upload_draft(notes, None, None, "", year, sid, progress=lambda *a, **k: None)[3]

    for empty in ("", None, "  "):
        assert "测试县人民政府办公室2024年政府信息公开工作年度报告" in upload(empty)
    assert "测试县人民政府办公室2023年政府信息公开工作年度报告" in upload(" 2023 ")
    for bad in ("0", "二〇二四", "24"):
        with pytest.raises(gr.Error, match=f"报告年度“{bad}”应为四位数字的年份"):
            upload(bad)


def test_user_errors_name_an_upload_by_its_file_name_only(webapp):
    from assistant.webapp import user_error

    shown = user_error(UnreadableError("“/tmp/gradio/0a1b2c/扫描件.pdf”是扫描件（没有文字层）"), webapp.ws)
    assert (shown.title, shown.message) == ("无法读取", "“扫描件.pdf”是扫描件（没有文字层）")


def test_a_user_error_shows_its_kind_and_message(webapp):
    with pytest.raises(gr.Error) as info:
        webapp.save_settings("ftp://x", "m", "")
    assert (info.value.title, info.value.message) == ("设置有误", "接口地址应以 http:// 或 https:// 开头")
    with pytest.raises(gr.Error) as info:
        webapp.api_index(None)
    assert (info.value.title, info.value.message) == ("输入有误", "请提供报告文件。")


def test_a_bug_in_a_handler_is_logged_and_named_an_internal_error(webapp, monkeypatch):
    log = webapp.ws.data_dir / "logs" / "webapp.log"
    sid = webapp.ws.drafts.new_session_id()

    def broken(*_args: object) -> list:
        raise TypeError("a bug in our own code")

    monkeypatch.setattr(webapp.ws, "check", broken)
    monkeypatch.setattr(webapp.ws, "ask", broken)
    expected = f"内部错误：TypeError（程序缺陷，不是您的输入问题）。详细信息已记录在 {log}"
    for handler in (lambda: webapp.export_report(sid), lambda: webapp.fill_totals(None, None, None, sid)):
        with pytest.raises(gr.Error) as info:
            handler()
        assert (info.value.title, info.value.message) == ("内部错误", expected)
    with pytest.raises(gr.Error) as info:  # a generator handler (the chat) the same way
        _say(webapp, "平潭综合实验区2022年收到多少申请？", [], sid)
    assert info.value.message == expected
    text = log.read_text(encoding="utf-8")
    assert text.count("Traceback") == 3 and text.count("TypeError: a bug in our own code") == 3
    handlers = logging.Logger.manager.loggerDict  # the file logger is outside logging's tree
    assert not [name for name in handlers if "webapp.log" in name]


def test_a_bug_while_indexing_in_the_background_is_logged_on_the_status_line(tmp_path, monkeypatch):
    ws = Workspace(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)}))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("a bug in our own code")

    monkeypatch.setattr(ws, "index", broken)
    ws.index_bundled(tmp_path).join(timeout=30)
    log = tmp_path / "logs" / "webapp.log"
    assert ws.status == f"语料库：索引失败：内部错误：KeyError（程序缺陷，不是您的输入问题）。详细信息已记录在 {log}"
    assert "a bug in our own code" in log.read_text(encoding="utf-8")
