"""The web app scripted with gradio_client against a live server on a free port and a temporary data folder."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant.labels import T3_NEW
from assistant.service import BUNDLED_CORPUS, DraftStore

NOTES = "机关：测试县人民政府办公室\n年度：2024\n- 全年主动公开政府信息1200条\n- 收到政府信息公开申请15件，均按时答复\n"


@pytest.fixture(scope="module")
def live(tmp_path_factory, start_app):
    demo, url, ws = start_app(tmp_path_factory.mktemp("data"), corpus_dir=BUNDLED_CORPUS)
    yield Client(url, verbose=False), ws
    demo.close()


def test_startup_indexes_the_bundled_corpus_in_background(live):
    _, ws = live
    deadline = time.monotonic() + 30
    while "已收录" not in ws.status and time.monotonic() < deadline:
        time.sleep(0.2)
    # ten files, nine reports: pingtan-2024.txt is the web page's report again, with fewer figures readable
    assert ws.status == "语料库：已收录 9 份报告（3 个机关）。"
    listed = {(r["org"], r["year"], Path(r["source"]).name) for r in ws.corpus().list_reports()}
    assert listed == {
        ("淮安市人民政府", 2024, "huaian-shi-2024.pdf"),
        ("尉氏县先进制造业开发区", 2022, "weishi-kaifaqu-2022.txt"),
        ("平潭综合实验区", 2024, "pingtan-2024.html"),
        *{("平潭综合实验区", y, f"pingtan-{y}.txt") for y in range(2019, 2026) if y != 2024},
    }


def test_endpoints_are_named(live):
    client, _ = live
    names = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/draft", "/check", "/ask", "/index"} <= set(names)


def test_draft_from_notes(live):
    client, _ = live
    markdown, findings = client.predict(NOTES, "", None, "", api_name="/draft")
    assert markdown.startswith("# 测试县人民政府办公室2024年政府信息公开工作年度报告")
    assert "全年主动公开政府信息1200条" in markdown
    # no tables were given, so the draft cannot pass and says so
    assert findings["ok"] is False
    assert "TABLE-MISSING" in {f["rule"] for f in findings["findings"]}
    assert "未通过校验" in markdown


def test_draft_with_bad_notes_gives_a_chinese_message(live, capfd):
    client, _ = live
    with pytest.raises(AppError, match="要点为空"):
        client.predict("   ", "", None, "", api_name="/draft")
    with pytest.raises(AppError, match="报告年度"):
        client.predict("机关：某局\n- 主动公开信息10条", "", None, "", api_name="/draft")
    assert "Traceback" not in capfd.readouterr().err  # an expected user error is no crash in the console


def test_check_finds_the_real_error_of_pingtan_2020(live, reports):
    client, _ = live
    result = client.predict(handle_file(str(reports / "pingtan-2020.txt")), None, api_name="/check")
    assert result["ok"] is False
    sums = [f for f in result["findings"] if f["rule"] == "T3-RESULT-SUM"]
    assert [(f["severity"], f["message"]) for f in sums] == [
        ("error", "表三「（七）总计」行「自然人」列为 20，而各办理结果行之和为 6+6+4+3+3+4=26。"),
        ("error", "表三「（七）总计」行「总计」列为 21，而各办理结果行之和为 7+6+4+3+3+4=27。"),
    ]


def test_check_with_prior_year(live, reports):
    client, _ = live
    result = client.predict(
        handle_file(str(reports / "pingtan-2022.txt")),
        handle_file(str(reports / "pingtan-2021.txt")),
        api_name="/check",
    )
    assert result["ok"] is True


def test_check_unreadable_file(live, tmp_path, capfd):
    client, _ = live
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"\x00\x01 not a pdf at all")
    with pytest.raises(AppError, match="坏文件.pdf"):
        client.predict(handle_file(str(bad)), None, api_name="/check")
    assert "Traceback" not in capfd.readouterr().err


def _as_body(tmp_path: Path, reports: Path, name: str, org: str) -> Path:
    """A bundled report as another body's (its title names `org`): a report the corpus does not hold yet."""
    text = (reports / name).read_text(encoding="utf-8").replace("标题: 平潭综合实验区", f"标题: {org}", 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_upload_then_ask(live, expected_tables, reports, tmp_path):
    client, _ = live
    # the bundled report uploaded again is the same report: not indexed twice, and said so
    again = client.predict(handle_file(str(reports / "pingtan-2023.txt")), api_name="/index")
    assert again["added"] == [] and again["duplicates"] == [{"file": "pingtan-2023.txt", "same_as": "pingtan-2023.txt"}]
    assert "重复未收录 1 份" in again["message"]
    other_body = _as_body(tmp_path, reports, "pingtan-2023.txt", "永泰县")
    summary = client.predict(handle_file(str(other_body)), api_name="/index")
    assert [Path(p).name for p in summary["added"]] == ["pingtan-2023.txt"]
    assert "新增 1 份" in summary["message"]
    answer = client.predict("永泰县2023年本年新收政府信息公开申请多少件？", api_name="/ask")
    expected = expected_tables["pingtan-2023.txt"]["table3"][T3_NEW][-1]
    assert str(expected) in answer["answer"]
    assert answer["citations"][0]["year"] == 2023
    assert answer["citations"][0]["org"] == "永泰县"


def test_concurrent_uploads_are_both_indexed(live, reports, tmp_path):
    client, ws = live
    files = ["pingtan-2021.txt", "pingtan-2022.txt"]
    results: dict[str, dict] = {}

    def upload(name: str) -> None:
        path = _as_body(tmp_path, reports, name, "闽清县")
        results[name] = Client(client.src, verbose=False).predict(handle_file(str(path)), api_name="/index")

    threads = [threading.Thread(target=upload, args=(name,)) for name in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(len(results[name]["added"]) == 1 for name in files)
    assert ws.corpus().years("闽清县") == [2021, 2022]


def test_two_sessions_keep_their_own_draft(live):
    client, _ = live
    a, b = DraftStore.new_session_id(), DraftStore.new_session_id()
    client.predict(NOTES, "", None, a, api_name="/draft")
    client.predict(NOTES.replace("测试县人民政府办公室", "示例市交通运输局"), "", None, b, api_name="/draft")
    assert "测试县人民政府办公室" in client.predict(a, api_name="/saved_draft")
    assert "示例市交通运输局" in client.predict(b, api_name="/saved_draft")
    assert client.predict(DraftStore.new_session_id(), api_name="/saved_draft") == ""


def test_autosaved_draft_survives_a_restart(tmp_path, start_app, free_port):
    session = DraftStore.new_session_id()
    port = free_port
    demo, url, _ = start_app(tmp_path, port)
    try:
        saved, _ = Client(url, verbose=False).predict(NOTES, "", None, session, api_name="/draft")
    finally:
        demo.close()
    demo, url, _ = start_app(tmp_path, port)
    try:
        restored = Client(url, verbose=False).predict(session, api_name="/saved_draft")
    finally:
        demo.close()
    assert restored == saved
    assert "测试县人民政府办公室" in restored
