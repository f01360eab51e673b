"""The command-line contract of design.md: output forms and exit codes, on real reports and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from assistant.cli import COMMANDS, main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_parse_json_form(capsys, reports):
    code, out, _ = run(capsys, "parse", str(reports / "pingtan-2022.txt"), "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["org"], data["year"], data["template"]) == ("平潭综合实验区", 2022, "2021")
    assert list(data["sections"])[0] == "一、总体情况"
    assert data["tables"]["table3"]["一、本年新收政府信息公开申请数量"] == [71, 3, 0, 0, 0, 0, 74]
    assert data["tables"]["table4"][:5] == [0, 1, 1, 0, 2]
    assert data["tables"]["table2"]["行政规范性文件"] == [None, None, None]  # ambiguous run → null


def test_check_finds_the_real_2020_error_and_names_the_cell(capsys, reports):
    code, out, _ = run(capsys, "check", str(reports / "pingtan-2020.txt"))
    assert code == 1
    line = next(x for x in out.splitlines() if "T3-RESULT-SUM" in x)
    assert "错误" in line and "（七）总计" in line and "自然人" in line


def test_check_json_on_the_clean_pdf_has_no_error(capsys, reports):
    code, out, _ = run(capsys, "check", str(reports / "huaian-shi-2024.pdf"), "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    assert not [f for f in data["findings"] if f["severity"] == "error"]
    assert all(set(f) == {"rule", "severity", "message", "where"} for f in data["findings"])


def test_check_with_prior_uses_cross_year_rules(capsys, reports):
    code, out, _ = run(
        capsys, "check", str(reports / "pingtan-2022.txt"), "--prior", str(reports / "pingtan-2021.txt"), "--json"
    )
    assert code == 0
    assert not [f for f in json.loads(out)["findings"] if f["rule"].startswith("X-")]
    # a prior that is not last year's report is named in a warning; its carry-over does not match either
    code, out, _ = run(
        capsys, "check", str(reports / "pingtan-2022.txt"), "--prior", str(reports / "pingtan-2024.txt"), "--json"
    )
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert "X-PRIOR" in rules


def test_weishi_narrative_errors_found(capsys, reports):
    code, out, _ = run(capsys, "check", str(reports / "weishi-kaifaqu-2022.txt"), "--json")
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "N-PART-EXCEEDS-WHOLE"]
    assert code == 1
    # the claim of each finding, without the quoted sentence that follows "：「"
    assert [(f["severity"], f["message"].split("：「")[0]) for f in found] == [
        ("error", "「其中」各项之和 1600余条+22条+1300余条=2922，超过总数 500余条（次）（单项已超过总数）"),
        ("warning", "「其中」各项之和 30余次+52次=82，超过总数 65人次（如各项有交叉请忽略）"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".doc"),
        ("empty.txt", b"", "空"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<<", "PDF"),
    ],
)
def test_unreadable_input_exits_2_with_a_chinese_message(tmp_path, capsys, name, data, needle):
    path = tmp_path / name
    path.write_bytes(data)
    for command in ("parse", "check"):
        code, out, err = run(capsys, command, str(path))
        assert code == 2
        assert "无法读取" in err and needle in err
        assert "Traceback" not in err + out


def test_missing_file_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "check", str(tmp_path / "nope.txt"))
    assert code == 2 and "nope.txt" in err


def test_check_does_not_import_heavy_libraries(reports):
    probe = (
        "import sys; from assistant.cli import main; "
        f"main(['check', r'{reports / 'pingtan-2024.txt'}']); "
        "print([m for m in ('gradio','chromadb','langchain_core','openai') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_a_text_that_is_no_report_is_refused(tmp_path, capsys):
    path = tmp_path / "note.txt"
    path.write_text("hello world, this is not a report", encoding="utf-8")
    code, _, err = run(capsys, "check", str(path))
    assert code == 2 and "不像是政府信息公开工作年度报告" in err


def test_argument_errors_are_explained_in_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    assert "缺少必需的参数" in capsys.readouterr().err


def test_tables_template_wants_xlsx(tmp_path, capsys):
    code, _, err = run(capsys, "tables-template", "-o", str(tmp_path / "t.csv"))
    assert code == 2 and ".xlsx" in err and not (tmp_path / "t.csv").exists()


def test_a_bug_exits_3_with_the_log_path_and_the_traceback_in_the_log(tmp_path, capsys, monkeypatch, reports):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))

    def broken(*_args: object) -> list[str]:
        raise TypeError("a bug in our own code")

    monkeypatch.setattr("assistant.readers._pdf_rows", broken)
    code, out, err = run(capsys, "check", str(reports / "huaian-shi-2024.pdf"))
    log = tmp_path / "data" / "logs" / "nianbao.log"
    assert code == 3 and out == ""
    assert err == f"内部错误：TypeError（程序缺陷，不是您的输入问题）。详细信息已记录在 {log}\n"
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "a bug in our own code" in text and "_pdf_rows" in text


def test_a_bug_is_logged_in_a_temp_folder_when_the_data_folder_is_not_writable(tmp_path, capsys, monkeypatch, reports):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")  # data_dir/logs cannot be created under a file
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(blocked))
    monkeypatch.setitem(COMMANDS, "parse", (lambda _args: 1 / 0, ""))
    code, _, err = run(capsys, "parse", str(reports / "pingtan-2022.txt"))
    log = Path(err.rsplit("详细信息已记录在 ", 1)[1].strip())
    assert code == 3 and err.startswith("内部错误：ZeroDivisionError（程序缺陷，不是您的输入问题）。")
    assert log.name == "nianbao.log" and log.parent.parent == Path(tempfile.gettempdir())
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8")


def test_user_errors_are_reported_with_their_kind_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    notes = tmp_path / "要点.txt"
    notes.write_text("年度：2024\n- 全年主动公开政府信息1200条\n", encoding="utf-8")
    out = str(tmp_path / "draft.md")
    code, _, err = run(capsys, "draft", str(notes), "-o", out)
    assert (code, err) == (2, "要点有误：未能从要点中识别机关名称，请用 --org 指定\n")
    tables = tmp_path / "bad.json"
    tables.write_text("{}", encoding="utf-8")
    code, _, err = run(capsys, "draft", str(notes), "--org", "测试县", "--tables", str(tables), "-o", out)
    no_tables = "统计表有误：\nbad.json 中没有 table2/table3/table4（应为 parse --json 的输出或其 tables 部分）\n"
    assert (code, err) == (2, no_tables)
    code, _, err = run(capsys, "draft", str(notes), "-o", str(tmp_path / "draft.pdf"))
    assert (code, err) == (2, f"输入有误：输出文件须为 .docx 或 .md：{tmp_path / 'draft.pdf'}\n")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(blocked))
    code, _, err = run(capsys, "ask", "平潭2022年新收了多少申请？")
    assert code == 2 and err.startswith(f"语料库不可用：无法使用数据文件夹 {blocked}：") and err.count("\n") == 1


# ── hardening: special files, output paths, broken pipes, damaged data folders ──────────────────

NOTES = Path(__file__).parent / "data" / "notes-pingtan-2024.md"


def test_special_files_are_refused_with_exit_2(capsys, tmp_path):
    import os

    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        code, _, err = run(capsys, "check", path)
        assert code == 2 and "不是普通文件" in err and not err.startswith("无法读取：无法读取")


def test_a_limit_hit_is_named_with_exit_2(capsys, tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div>" * 5000 + "年度报告" + "</div>" * 5000 + "</body></html>", "utf-8")
    code, _, err = run(capsys, "parse", str(page))
    assert code == 2 and "嵌套层数超过上限 200 层" in err


@pytest.mark.parametrize("output", ["folder.md", "folder.docx/", "file.txt/draft.md"])
def test_draft_output_path_in_the_way_is_exit_2_before_any_work(capsys, data_dir, tmp_path, output):
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "draft", str(NOTES), "-o", f"{tmp_path}/{output}")
    assert code == 2 and "输入有误" in err and "Traceback" not in err
    assert (tmp_path / "folder.md").is_dir() and (tmp_path / "file.txt").read_text(encoding="utf-8") == "x"


def test_tables_template_into_a_folder_is_exit_2(capsys, tmp_path):
    (tmp_path / "t.xlsx").mkdir()
    code, _, err = run(capsys, "tables-template", "-o", str(tmp_path / "t.xlsx"))
    assert code == 2 and "是一个文件夹" in err


def test_parse_into_a_closed_pipe_ends_quietly(reports):
    shell = f"{sys.executable} -m assistant parse {reports / 'huaian-shi-2024.pdf'} --json | head -c 10"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout == '{\n  "title' and done.stderr == ""


def _damage(data_dir: Path) -> None:
    db = data_dir / "corpus.sqlite3"
    data = bytearray(db.read_bytes())
    data[8192:12288] = b"Z" * 4096
    db.write_bytes(bytes(data))


def test_damaged_corpus_is_explained_draft_still_works_and_rebuild_repairs(capsys, data_dir, tmp_path, reports):
    assert run(capsys, "index", str(reports / "pingtan-2023.txt"), str(reports / "pingtan-2022.txt"))[0] == 0
    _damage(data_dir)
    code, _, err = run(capsys, "ask", "平潭2022年新收了多少申请？")
    assert code == 2 and "已损坏" in err and "index --rebuild" in err
    code, out, err = run(capsys, "draft", str(NOTES), "-o", str(tmp_path / "draft.md"))
    assert code in (0, 1) and "语料库不可用" in err and (tmp_path / "draft.md").is_file()
    code, out, _ = run(capsys, "index", "--rebuild")
    assert code == 0 and "已从保存的报告文件重建语料库" in out and "新增 2 份" in out
    code, out, _ = run(capsys, "ask", "平潭2022年新收了多少申请？")
    assert code == 0 and "74" in out


def test_index_restores_a_deleted_vector_folder(capsys, data_dir, reports):
    import shutil

    from chromadb.api.client import SharedSystemClient

    assert run(capsys, "index", str(reports / "pingtan-2022.txt"))[0] == 0
    shutil.rmtree(data_dir / "chroma")
    SharedSystemClient.clear_system_cache()
    code, out, err = run(capsys, "index", str(reports / "pingtan-2022.txt"))
    assert code == 0 and "补建" in err and "未变跳过 1 份" in out
