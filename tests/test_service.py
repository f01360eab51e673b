"""The web app's service layer without gradio: drafts, versions, merging two tabs, the key bound to its URL,
who is an administrator, the rewrite guard."""

from __future__ import annotations

import json
import stat

import pytest

from assistant.errors import ConfigError, InputError
from assistant.labels import SECTIONS, T3_NEW
from assistant.parser import parse_file
from assistant.service import DraftStore, LlmConfig, Service, diff_html, lost_facts, merge, with_section
from assistant.settings import Settings, load_settings
from assistant.tables import t2_cell, t3_cell

OVERVIEW, PROBLEMS = SECTIONS[0].text, SECTIONS[4].text


@pytest.fixture()
def svc(tmp_path):
    return Service(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)}))


@pytest.fixture(scope="module")
def pingtan(reports):
    return parse_file(reports / "pingtan-2021.txt")


# ── drafts ──


def test_drafts_roundtrip_atomic_private_and_per_session(tmp_path):
    store = DraftStore(tmp_path)
    a, b = store.new_session_id(), store.new_session_id()
    store.save(a, {"notes": "甲"})
    store.update(b, notes="乙")
    store.update(a, chat=[{"role": "user", "content": "校验"}])
    assert store.load(a)["notes"] == "甲" and store.load(a)["chat"][0]["content"] == "校验"
    assert store.load(b)["notes"] == "乙"
    assert sorted(p.name for p in (tmp_path / "drafts").iterdir()) == sorted([f"{a}.json", f"{b}.json"])
    assert stat.S_IMODE(store.path(a).stat().st_mode) == 0o600


def test_drafts_reject_crafted_ids(tmp_path):
    store = DraftStore(tmp_path)
    assert store.load("../../etc/passwd") == {}
    with pytest.raises(InputError, match="会话编号无效"):
        store.save("../evil", {})


@pytest.mark.parametrize("damage", ["{半截", "[1, 2]", "\x00\x01"])
def test_a_damaged_autosave_is_kept_aside_with_a_message(svc, damage):
    sid = svc.drafts.new_session_id()
    svc.drafts.folder.mkdir(parents=True)
    svc.drafts.path(sid).write_text(damage, encoding="utf-8")
    notice = svc.take_notice(sid)
    [kept] = svc.drafts.folder.glob(f"{sid}.damaged-*.json")
    assert kept.read_text(encoding="utf-8") == damage  # the user's bytes, untouched
    assert notice.startswith("自动保存的草稿文件已损坏") and kept.name in notice
    assert svc.take_notice(sid) == ""  # said once
    assert svc.drafts.load(sid) == {"saved_at": svc.drafts.load(sid)["saved_at"]}


# ── versions ──


def test_every_state_is_a_version_and_undo_and_restore_lose_nothing(svc, pingtan):
    sid = svc.drafts.new_session_id()
    first = svc.save(sid, pingtan, "生成初稿")
    edited = with_section(pingtan, PROBLEMS, "培训不足。")
    second = svc.save(sid, edited, "编辑正文", base=first.report, base_rev=first.rev)
    third = svc.save(sid, with_section(edited, PROBLEMS, "培训不足，明年加强。"), "编辑正文", base_rev=second.rev)
    assert [v["label"] for v in svc.versions(sid)] == ["编辑正文", "生成初稿"]  # a burst of typing is one version
    assert third.report.sections[PROBLEMS] == "培训不足，明年加强。"

    undone = svc.restore(sid)
    assert undone.report.sections[PROBLEMS] == pingtan.sections[PROBLEMS]
    assert [v["current"] for v in svc.versions(sid)] == [False, True]
    with pytest.raises(InputError, match="没有可以撤销的修改了"):
        svc.restore(sid)
    newest = svc.versions(sid)[0]["id"]
    restored = svc.restore(sid, newest)  # the undone edit is still there to restore
    assert restored.report.sections[PROBLEMS] == "培训不足，明年加强。"
    assert svc.report_of(svc.drafts.load(sid)).sections[PROBLEMS] == "培训不足，明年加强。"
    with pytest.raises(InputError, match="找不到这个版本"):
        svc.restore(sid, 999)


# ── two tabs ──


def test_a_second_tab_editing_one_cell_keeps_what_the_first_tab_imported(svc, pingtan):
    """The observed loss: tab B (opened before A imported 表三) edits one 表二 cell; 表三 must survive."""
    sid = svc.drafts.new_session_id()
    blank = svc.save(sid, with_section(pingtan, PROBLEMS, "空"), "生成初稿")
    empty_t3 = blank.report.model_copy(update={"table3": {k: [None] * 7 for k in blank.report.table3}}, deep=True)
    opened = svc.save(sid, empty_t3, "修改表格", base=blank.report, base_rev=blank.rev)  # both tabs show this
    tab_a = svc.save(
        sid, pingtan.model_copy(update={"sections": opened.report.sections}), "导入表格", base_rev=opened.rev
    )
    mine = opened.report.model_copy(deep=True)
    mine.set(t2_cell("规章", "本年制发件数"), 42)
    tab_b = svc.save(sid, mine, "修改表格", base=opened.report, base_rev=opened.rev)
    assert tab_b.merged and tab_b.conflicts == []
    assert tab_b.report.table3 == pingtan.table3 == tab_a.report.table3
    assert tab_b.report.cell(t2_cell("规章", "本年制发件数")) == 42


def test_a_field_both_tabs_changed_keeps_the_earlier_save_and_is_named(pingtan):
    base = pingtan
    theirs, mine = base.model_copy(deep=True), base.model_copy(deep=True)
    theirs.set(t3_cell(T3_NEW, 0), 100)
    mine.set(t3_cell(T3_NEW, 0), 200)
    mine.set(t3_cell(T3_NEW, 1), 7)
    mine = with_section(mine, PROBLEMS, "我的修改")
    merged, conflicts = merge(base, mine, theirs)
    assert merged.cell(t3_cell(T3_NEW, 0)) == 100 and merged.cell(t3_cell(T3_NEW, 1)) == 7
    assert merged.sections[PROBLEMS] == "我的修改"
    assert conflicts == [f"表三「{T3_NEW}」行「自然人」列"]
    same, none = merge(base, mine, mine)  # the same change twice is no conflict
    assert none == [] and same == mine


# ── the LLM key and who may change it ──

ENV = Settings(openai_base_url="https://api.example.com/v1", openai_api_key="sk-env")


def test_the_saved_key_goes_only_to_the_url_it_was_saved_with(tmp_path):
    cfg = LlmConfig(tmp_path)
    cfg.save("http://127.0.0.1:9/v1", "qwen2.5", "sk-秘密", ENV)
    assert stat.S_IMODE(cfg.key_path.stat().st_mode) == 0o600
    assert "sk-" not in cfg.config_path.read_text(encoding="utf-8")
    applied = cfg.apply(ENV)
    assert (applied.openai_base_url, applied.llm_model, applied.openai_api_key) == (
        "http://127.0.0.1:9/v1",
        "qwen2.5",
        "sk-秘密",
    )
    cfg.save("http://127.0.0.1:9/v1/", "qwen-max", "", ENV)  # same URL: an empty key box keeps the key
    assert cfg.apply(ENV).openai_api_key == "sk-秘密"
    assert cfg.key_for("http://attacker.example/v1", ENV) == ""
    with pytest.raises(ConfigError, match="更换接口地址后请重新输入 API 密钥"):
        cfg.save("http://attacker.example/v1", "m", "", ENV)
    assert cfg.apply(ENV).openai_base_url == "http://127.0.0.1:9/v1"  # nothing changed
    cfg.save("http://other.example/v1", "m", "sk-new", ENV)
    assert cfg.key_for("http://127.0.0.1:9/v1", ENV) == "" and cfg.apply(ENV).openai_api_key == "sk-new"
    with pytest.raises(ConfigError, match="http"):
        cfg.save("ftp://x", "m", "", ENV)


def test_the_environment_key_never_goes_to_a_saved_url(tmp_path):
    cfg = LlmConfig(tmp_path)
    assert cfg.apply(ENV).openai_api_key == "sk-env"
    cfg.save("http://elsewhere.example/v1", "m", "", ENV)  # no key saved yet: allowed, but without a key
    applied = cfg.apply(ENV)
    assert (applied.openai_base_url, applied.openai_api_key) == ("http://elsewhere.example/v1", "")


def test_a_key_file_of_an_earlier_version_belongs_to_the_url_saved_beside_it(tmp_path):
    cfg = LlmConfig(tmp_path)
    cfg.config_path.write_text(json.dumps({"base_url": "http://old.example/v1", "model": "m"}), encoding="utf-8")
    cfg.key_path.write_text("sk-old\n", encoding="utf-8")
    assert cfg.key_for("http://old.example/v1", ENV) == "sk-old"
    assert cfg.key_for("http://new.example/v1", ENV) == ""


def test_connection_test_with_an_empty_key_box_sends_no_saved_key_to_another_url(tmp_path):
    svc = Service(Settings(data_dir=tmp_path))
    svc.save_settings("http://127.0.0.1:9/v1", "m", "sk-秘密")
    assert svc.trial_settings("http://127.0.0.1:9/v1", "", "").openai_api_key == "sk-秘密"
    assert svc.trial_settings("http://evil.example/v1", "", "").openai_api_key == ""
    assert svc.trial_settings("http://evil.example/v1", "", "sk-typed").openai_api_key == "sk-typed"


@pytest.mark.parametrize(
    ("auth", "user", "host", "allowed"),
    [
        (False, None, "127.0.0.1", True),
        (False, None, "::1", True),
        (False, None, "192.168.1.20", False),
        (False, None, None, False),
        (True, "admin", "192.168.1.20", True),
        (True, "clerk", "127.0.0.1", False),
        (True, None, "127.0.0.1", False),
    ],
)
def test_who_may_change_the_model_settings(tmp_path, auth, user, host, allowed):
    svc = Service(Settings(data_dir=tmp_path), admin="admin" if auth else None, auth=auth)
    assert svc.is_admin(user, host) is allowed


# ── rewrites ──


def test_a_rewrite_that_drops_parts_or_figures_is_named(pingtan):
    before = pingtan.sections[OVERVIEW]
    assert "（一）" in before
    lost = lost_facts(before, "我们全面加强政务公开工作，取得明显成效。")
    assert "（一）" in lost and "（五）" in lost
    assert any(n.isdigit() for n in lost)
    assert lost_facts("收到申请15件。", "共收到申请15件，均已答复。") == []


def test_the_diff_escapes_both_sides():
    shown = diff_html("原文<b>粗</b>", "新文<img src=x>")
    assert "<img" not in shown and "<b>" not in shown
    assert shown.startswith("<del>原</del><ins>新</ins>文&lt;") and "<ins>img src=x</ins>&gt;" in shown
