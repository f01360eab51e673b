"""`check` from the command line: last year's report from the corpus when --prior is absent, every blank
cell kept in --json while the text output has one line per table."""

from __future__ import annotations

import json

from assistant import cli
from assistant.parser import parse_file


class _Corpus:
    """A corpus holding pingtan 2023 (what `Corpus.get_report` returns for the body and year asked)."""

    def __init__(self, reports):
        self.report = parse_file(reports / "pingtan-2023.txt")
        self.asked: list[tuple[str, int]] = []

    def get_report(self, org: str, year: int):
        self.asked.append((org, year))
        return self.report if (org, year) == (self.report.org, self.report.year) else None


def test_check_takes_last_years_report_from_the_corpus(capsys, monkeypatch, reports, data_dir, tmp_path):
    corpus = _Corpus(reports)
    monkeypatch.setattr(cli, "_open_corpus", lambda settings: corpus)
    text = (reports / "pingtan-2024.txt").read_text(encoding="utf-8")
    # the 2024 report states a change that last year's report (2023: 新收 81) contradicts
    path = tmp_path / "pingtan-2024.txt"
    path.write_text(text.replace("一、总体情况", "一、总体情况共收到政府信息公开申请218件，同比增长20%。", 1), "utf-8")
    code = cli.main(["check", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert corpus.asked == [("平潭综合实验区", 2023)]
    assert code == 1 and [f["rule"] for f in out["findings"] if f["severity"] == "error"] == ["X-CHANGE"]
    # the unchanged report agrees with last year's, carry-over included
    assert cli.main(["check", str(reports / "pingtan-2024.txt")]) == 0


def test_check_without_a_corpus_compares_nothing(capsys, reports, data_dir):
    assert cli.main(["check", str(reports / "pingtan-2024.txt"), "--json"]) == 0
    assert not [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"].startswith("X-")]


def test_blank_cells_one_line_per_table_and_every_cell_in_json(capsys, tmp_path, reports, data_dir):
    # huaian's numbers with "/" written for 0 in 表三: the text output names the table once, --json each cell
    text = (reports / "pingtan-2024.html").read_text(encoding="utf-8")
    report = parse_file(reports / "pingtan-2024.html")
    zeros = sum(v == 0 for row in report.table3.values() for v in row)
    path = tmp_path / "slashes.html"
    path.write_text(text.replace(">0<", ">/<"), encoding="utf-8")
    cli.main(["check", str(path)])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "BLANK-CELL" in ln]
    assert len(lines) <= 3 and any(f"表三有 {zeros} 个单元格为空白" in ln for ln in lines)
    cli.main(["check", str(path), "--json"])
    cells = [f["where"] for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "BLANK-CELL"]
    assert sum(1 for w in cells if w["table"] == "table3") == zeros
    assert all(set(w) == {"table", "row", "column"} for w in cells if w["table"] == "table3")
