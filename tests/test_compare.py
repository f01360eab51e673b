"""A report beside last year's: figures and their change, carry-over, copied sentences, topics no longer mentioned."""

import docx
import pytest

from assistant.compare import compare, copied_sentences, similarity, summary_lines, write_comparison
from assistant.labels import T3_CARRIED, T3_NEW, T3_TOTAL_COLUMN
from assistant.parser import parse_file
from assistant.tables import t3_cell


@pytest.fixture(scope="module")
def pair(reports):
    return parse_file(reports / "pingtan-2021.txt"), parse_file(reports / "pingtan-2022.txt")


def test_every_figure_with_its_change(pair, expected_tables):
    old, new = pair
    comparison = compare(old, new)
    new_total = next(f for f in comparison.figures if f.where == t3_cell(T3_NEW, T3_TOTAL_COLUMN))
    before = expected_tables["pingtan-2021.txt"]["table3"][T3_NEW][-1]
    after = expected_tables["pingtan-2022.txt"]["table3"][T3_NEW][-1]
    assert (new_total.old, new_total.new, new_total.change) == (before, after, after - before)
    assert new_total.percent == round((after - before) / before * 100, 1)
    # every cell either report filled is compared; a cell blank in both is not listed
    assert len(comparison.figures) == 197 and all(f.old is not None or f.new is not None for f in comparison.figures)


def test_carry_over_agrees_for_real_consecutive_years_and_is_flagged_when_changed(pair):
    old, new = pair
    assert {c.agrees for c in compare(old, new).carryover} == {True}
    changed = new.model_copy(deep=True)
    changed.set(t3_cell(T3_CARRIED, 0), 0)
    wrong = [c for c in compare(old, changed).carryover if c.agrees is False]
    assert [(c.column, c.last_year_carry_next, c.this_year_carried) for c in wrong] == [("自然人", 1, 0)]
    assert "结转不一致：上年「结转下年度继续办理」自然人 1，本年「上年结转」为 0。" in summary_lines(
        compare(old, changed)
    )


def test_copied_sentences_are_found_and_shared_per_section(reports):
    old, new = parse_file(reports / "pingtan-2024.txt"), parse_file(reports / "pingtan-2025.txt")
    overview = compare(old, new).sections[0]
    assert len(overview.copied) == 1 and overview.copied[0].sentence.startswith("2025年，平潭综合实验区坚持")
    assert overview.copied[0].old.startswith("2024年，平潭综合实验区坚持") and 0 < overview.share < 0.3


def test_a_section_copied_whole_scores_near_one_and_rewritten_text_scores_low(pair):
    old, _ = pair
    text = old.sections["五、存在的主要问题及改进情况"]
    assert all(c.score == 1.0 for c in copied_sentences(text, old.text)) and copied_sentences(text, old.text)
    assert (
        copied_sentences("今年重点推进了政务新媒体矩阵建设，开设政策直通车专栏并发布解读视频十二期。", old.text) == []
    )
    assert similarity("", "任何内容") == 0.0


def test_topics_named_last_year_and_missing_this_year(pair):
    old, new = pair
    missing = compare(old, new).missing_topics
    assert missing == [t for t in missing if t in old.text and t not in new.text] and "财政预决算" in missing


@pytest.mark.parametrize("suffix", [".html", ".docx"])
def test_written_as_a_page_or_a_document(pair, tmp_path, suffix):
    path = write_comparison(compare(*pair), tmp_path / f"对比{suffix}")
    text = (
        path.read_text(encoding="utf-8")
        if suffix == ".html"
        else "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    )
    assert "与上年报告对比" in text and "与上年相比有变化的数字" in text


def test_compare_command(reports, tmp_path, capsys):
    import json

    from assistant.cli import main

    out = tmp_path / "对比.html"
    assert main(["compare", str(reports / "pingtan-2024.txt"), str(reports / "pingtan-2025.txt"), "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "与上年相比有变化的数字 55 项（共比对 197 项）。" and lines[-1] == f"已写入对比结果：{out}"
    assert main(["compare", str(reports / "pingtan-2021.txt"), str(reports / "pingtan-2022.txt"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"old", "new", "figures", "carryover", "sections", "missing_topics"}
    assert all(c["agrees"] for c in data["carryover"])
    assert main(["compare", str(reports / "pingtan-2021.txt"), str(tmp_path / "missing.txt")]) == 2


def test_a_draft_with_last_years_report_says_what_to_update(reports):
    from assistant.drafting import draft
    from assistant.settings import Settings

    notes = "机关：平潭综合实验区\n年度：2025\n- 全年主动公开政府信息1200条\n- 存在问题：政策解读形式单一\n"
    prior = parse_file(reports / "pingtan-2024.txt")
    result = draft(notes, prior=prior, settings=Settings())
    [hint] = [n for n in result.notices if n.startswith("对照上年报告，请核对：")]
    missing = compare(prior, result.report).missing_topics
    assert missing and f"上年提到、本年未提到的工作：{'、'.join(missing)}。" in hint
