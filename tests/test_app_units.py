"""The web app's parts without a server: drafts store, chat routing and handler, table grids, LLM settings, app.py."""

from __future__ import annotations

import http.server
import json
import stat
import threading
from pathlib import Path

import pytest

import app
from assistant.drafts import DraftStore
from assistant.labels import T3_COLUMNS, T3_NEW, T3_ROWS, T3_TOTAL
from assistant.parser import parse_file
from assistant.settings import load_settings
from assistant.webapp import WebApp
from assistant.webapp_chat import NEEDS_LLM, route
from assistant.webapp_settings import LlmConfig, check_connection
from assistant.webapp_tables import failing_cells, from_frames, render_html, to_frames, with_totals
from assistant.webapp_workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / ".." / "shared" / "reports"
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
def pingtan_2021():
    return parse_file(REPORTS / "pingtan-2021.txt")


def test_grids_roundtrip_a_real_report(pingtan_2021):
    t2, t3, t4 = to_frames(pingtan_2021)
    assert (
        t3.iloc[0, 0] == T3_NEW and len(t3) == len(T3_ROWS["2021"]) == 25 and list(t3.columns[1:]) == list(T3_COLUMNS)
    )
    back, bad = from_frames(pingtan_2021, t2, t3, t4)
    assert bad == []
    assert back.table3 == pingtan_2021.table3 and back.table4 == pingtan_2021.table4
    assert back.table2 == pingtan_2021.table2  # blank (None) cells stay blank, not 0


def test_edited_cell_breaks_the_balance_and_is_marked(webapp, pingtan_2021):
    t2, t3, t4 = to_frames(pingtan_2021)
    t3.iloc[0, 1] = t3.iloc[0, 1] + 5  # 一、本年新收 × 自然人
    edited, bad = from_frames(pingtan_2021, t2, t3, t4)
    findings = webapp.ws.check(edited)
    cells = failing_cells([f for f in findings if f.rule == "T3-BALANCE"], edited.template)
    rows = sorted({r for (_, r, c) in cells})
    assert {c for (_, _, c) in cells} == {1} and rows[0] == 0 and len(rows) == 4
    html = render_html(edited, findings)
    assert 'class="bad"' in html and "「自然人」列勾稽关系不成立" in html


def test_non_numbers_are_findings_not_tracebacks(pingtan_2021):
    t2, t3, t4 = (frame.astype(object) for frame in to_frames(pingtan_2021))  # as typed in the browser
    t3.iloc[2, 3] = "十二"
    t4.iloc[0, 1] = "1.5"
    _, bad = from_frames(pingtan_2021, t2, t3, t4)
    assert [f.rule for f in bad] == ["UI-NOT-A-NUMBER", "UI-NOT-A-NUMBER"]
    assert "“十二”不是数字" in bad[0].message and "应为整数" in bad[1].message


def test_totals_are_computed_from_their_parts(webapp):
    report = parse_file(REPORTS / "pingtan-2020.txt")  # its result rows add to 27 while （七）总计 says 21
    assert "T3-RESULT-SUM" in {f.rule for f in webapp.ws.check(report)}
    fixed = with_totals(report)
    assert fixed.table3[T3_TOTAL][-1] == 27
    assert "T3-RESULT-SUM" not in {f.rule for f in webapp.ws.check(fixed)}


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
    with pytest.raises(ValueError, match="http"):
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
    assert "无法连接" in check_connection(load_settings(env={**env, "OPENAI_API_KEY": "good"}), timeout=2)
    assert "未配置大模型" in check_connection(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)}))


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


def test_chart_of_a_figure_across_years(webapp):
    expected = json.loads((REPORTS / "expected-tables.json").read_text(encoding="utf-8"))
    files = [REPORTS / f"pingtan-{y}.txt" for y in (2021, 2022)]
    webapp.ws.index(files)
    frame = webapp.chart("平潭综合实验区", "本年新收申请数（总计）")
    assert frame["年度"].tolist() == [2021, 2022]
    assert frame["数量"].tolist() == [expected[f.name]["table3"][T3_NEW][-1] for f in files]
    assert webapp.chart_choices().value == "平潭综合实验区"
