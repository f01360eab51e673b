"""Questions as people ask them, over the real reports: several figures or bodies at once, rankings, shares,
differences, colloquial words, relative years from the context, follow-ups, honest 没有找到, answers first."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ask import Context, ask
from assistant.cli import main
from assistant.corpus import Corpus
from assistant.labels import SECTIONS, T3_NEW, T3_ROWS
from assistant.questions import canonical, find_items, named_orgs, scope
from assistant.settings import Settings

PINGTAN, HUAIAN = "平潭综合实验区", "淮安市人民政府"
RECONSIDERED, CORRECTED, DIRECT_CORRECTED, AFTER_CORRECTED = 4, 1, 6, 11  # 表四 column indexes


@pytest.fixture(scope="module")
def t3(expected_tables: dict):
    return lambda name, row, col=-1: expected_tables[name]["table3"][row][col]


@pytest.fixture(scope="module")
def t4(expected_tables: dict):
    return lambda name, i: expected_tables[name]["table4"][i]


def lines(question: str, corpus: Corpus, settings: Settings, **kw) -> list[str]:
    return ask(question, corpus, settings, **kw).answer.splitlines()


def test_two_figures_in_one_question_both_answered(corpus, settings, t4) -> None:
    name = "huaian-shi-2024.pdf"
    total, corrected = t4(name, RECONSIDERED), t4(name, CORRECTED)
    first, second = lines("淮安市2024年行政复议多少件？纠正了几件？", corpus, settings)[:2]
    assert first == f"{HUAIAN}2024年行政复议案件为 {total} 件。"
    assert second == f"{HUAIAN}2024年行政复议案件（结果纠正）为 {corrected} 件。"
    # "诉讼呢" takes the detail of the clause before
    both = lines("淮安2024年复议纠正了几件，诉讼呢", corpus, settings)
    assert both[0] == f"{HUAIAN}2024年行政复议案件（结果纠正）为 {corrected} 件。"
    lawsuits = t4(name, DIRECT_CORRECTED) + t4(name, AFTER_CORRECTED)
    assert both[1].startswith(f"{HUAIAN}2024年行政诉讼案件（结果纠正）为 {lawsuits} 件。")


def test_two_bodies_in_one_question_each_answered(corpus, settings, t3) -> None:
    answer = ask("淮安和平潭2024年各收到多少申请", corpus, settings)
    first, second = answer.answer.splitlines()[:2]
    assert first == f"{HUAIAN}2024年本年新收政府信息公开申请数量为 {t3('huaian-shi-2024.pdf', T3_NEW)} 件。"
    assert second == f"{PINGTAN}2024年本年新收政府信息公开申请数量为 {t3('pingtan-2024.txt', T3_NEW)} 件。"
    assert [(c.org, c.year) for c in answer.citations] == [(HUAIAN, 2024), (PINGTAN, 2024)]
    # one run of words shared by two bodies names neither alone; words inside another named body name nothing
    orgs = [HUAIAN, "淮安市洪泽区人民政府", PINGTAN]
    assert named_orgs("淮安市洪泽区2023年收到多少申请", orgs) == ["淮安市洪泽区人民政府"]
    assert named_orgs("淮安市2023年收到多少申请", orgs) == [HUAIAN]
    assert named_orgs("平潭和淮安", orgs) == [PINGTAN, HUAIAN]


def test_ranking_names_the_body(corpus, settings, t3) -> None:
    huaian, pingtan = t3("huaian-shi-2024.pdf", T3_NEW), t3("pingtan-2024.txt", T3_NEW)
    answer = ask("哪个机关2024年收到的申请最多？", corpus, settings)
    top, other = (HUAIAN, huaian), (PINGTAN, pingtan)
    if pingtan > huaian:
        top, other = other, top
    first = answer.answer.splitlines()[0]
    assert first == f"2024年本年新收政府信息公开申请数量最多的是{top[0]}：{top[1]} 件。"
    assert [row[1] for row in answer.table[1:]] == [top[0], other[0]]
    assert "尉氏县先进制造业开发区2024年的报告，未参加排名" in answer.answer
    least = ask("哪个机关2024年收到的申请最少？", corpus, settings).answer.splitlines()[0]
    assert least.startswith(f"2024年本年新收政府信息公开申请数量最少的是{other[0]}")


def test_share_shows_its_formula(corpus, settings, t3) -> None:
    name = "pingtan-2024.txt"
    rows = {r.key: r.text for r in T3_ROWS["2021"]}
    granted, partial, total = t3(name, rows["予以公开"]), t3(name, rows["部分公开"]), t3(name, rows["总计"])
    ratio = (granted + partial) / total
    answer = ask("平潭2024年予以公开和部分公开的比例", corpus, settings)
    assert answer.answer.splitlines()[0] == (
        f"{PINGTAN}2024年予以公开与部分公开占本年度办理结果总计的比例为 {ratio:.1%}。"
        f"计算：（予以公开 {granted} ＋ 部分公开 {partial}） ÷ 本年度办理结果总计 {total} ＝ {ratio:.1%}。"
    )


def test_difference_between_two_years_leads_with_the_change(corpus, settings, t3) -> None:
    before, after = t3("pingtan-2023.txt", T3_NEW), t3("pingtan-2024.txt", T3_NEW)
    first = lines("平潭2024年新收申请比2023年多了多少", corpus, settings)[0]
    change = f"{'增加' if after > before else '减少'} {abs(after - before)} 件"
    assert first.startswith(
        f"{PINGTAN}2024年本年新收政府信息公开申请数量为 {after} 件，比2023年（{before} 件）{change}"
    )


@pytest.mark.parametrize(
    "question",
    ["平潭2024年被老百姓告上法庭几次", "平潭2024年打官司多少件", "平潭2024年被起诉了几次", "平潭2024年行政诉讼多少件"],
)
def test_colloquial_words_name_the_table_row(corpus, settings, t4, question: str) -> None:
    total = t4("pingtan-2024.txt", 9) + t4("pingtan-2024.txt", 14)
    assert lines(question, corpus, settings)[0].startswith(f"{PINGTAN}2024年行政诉讼案件为 {total} 件。")


def test_information_fee_is_not_the_administrative_charge(corpus, settings) -> None:
    assert [i.metric.name for i in find_items(canonical("信息处理费收费金额"))] == []
    assert [i.metric.name for i in find_items(canonical("行政事业性收费金额"))] == ["行政事业性收费金额"]
    answer = ask("平潭2021年信息处理费收费金额", corpus, settings)
    assert "行政事业性收费" not in answer.answer and answer.citations[0].section != SECTIONS[1].text


def test_relative_years_count_from_the_context_year_and_say_so(corpus, settings, t3) -> None:
    answer = ask("平潭去年收到多少申请？", corpus, settings, context=Context(year=2023))
    assert answer.answer.startswith(
        f"{PINGTAN}2022年本年新收政府信息公开申请数量为 {t3('pingtan-2022.txt', T3_NEW)} 件"
    )
    assert "（按当前报告年度 2023 年为今年推算：“去年”即 2022 年。）" in answer.answer
    newest = corpus.years(PINGTAN)[-1]
    assert f"按语料库中最新的年度 {newest} 年为今年推算" in ask("平潭去年收到多少申请？", corpus, settings).answer
    recent = scope("平潭近三年新收申请的变化", corpus, Context(year=2023))
    assert recent.years == [2021, 2022, 2023]


def test_follow_up_reuses_body_year_and_figure(corpus, settings, t3) -> None:
    first = ask("平潭2024年收到多少申请？", corpus, settings)
    follow = ask("那2023年呢？", corpus, settings, context=Context(previous=first.scope))
    assert follow.answer.startswith(
        f"{PINGTAN}2023年本年新收政府信息公开申请数量为 {t3('pingtan-2023.txt', T3_NEW)} 件"
    )
    other = ask("淮安呢？", corpus, settings, context=Context(previous=first.scope))
    assert other.answer.startswith(
        f"{HUAIAN}2024年本年新收政府信息公开申请数量为 {t3('huaian-shi-2024.pdf', T3_NEW)} 件"
    )
    # a new question with its own figure and body is not a follow-up
    fresh = ask("淮安2024年行政复议多少件", corpus, settings, context=Context(previous=first.scope))
    assert fresh.answer.startswith(f"{HUAIAN}2024年行政复议案件为")


@pytest.mark.parametrize(
    "question",
    [
        "平潭2024年网站访问量是多少",
        "平潭2022年政务微博粉丝有多少",
        "淮安2024年12345热线接听量",
        "平潭2023年无人机巡查了几次",
    ],
)
def test_no_answer_in_the_corpus_says_not_found(corpus, settings, question: str) -> None:
    answer = ask(question, corpus, settings)
    assert answer.answer.startswith("没有找到") and "可能相关" in answer.answer, answer.answer


def test_passage_answer_leads_with_the_figure_and_the_sentence(corpus, settings) -> None:
    answer = ask("平潭2021年对多少项重要政策文件进行解读", corpus, settings)
    assert answer.answer.startswith(f"29项。据{PINGTAN}2021年报告「{SECTIONS[0].text}」")
    assert len(answer.answer) < 250 and answer.citations[0].quote in answer.answer
    issue = ask("平潭2020年问政平潭栏目开展了几期", corpus, settings)
    assert issue.answer.startswith("6期。") and issue.citations[0].year == 2020


def test_figures_stated_in_passages_are_collected_per_year(corpus, settings) -> None:
    answer = ask("平潭历年政策解读文章数", corpus, settings)
    rows = {row[0]: row[1] for row in answer.table[1:]}
    assert rows[2023] == "117篇" and rows[2025] == "82篇"
    assert {c.year for c in answer.citations} >= {2023, 2025}


def test_cli_year_sets_the_relative_year(corpus, settings, monkeypatch, capsys, t3) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["ask", "平潭去年收到多少申请？", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert f"{PINGTAN}2022年本年新收政府信息公开申请数量为 {t3('pingtan-2022.txt', T3_NEW)} 件" in out
    assert "按当前报告年度 2023 年" in out


def test_a_quoted_cell_the_checker_flags_says_so(reports: Path) -> None:
    from assistant.ask import _flags, read_figure
    from assistant.parser import parse_file
    from assistant.questions import NEW_REQUESTS
    from assistant.tables import Location

    report = parse_file(reports / "pingtan-2024.txt")
    figure = read_figure(NEW_REQUESTS, report, "新收多少申请")  # the row's 总计 cell
    assert _flags(report, NEW_REQUESTS, figure) == []
    cell = Location(table="table3", row=figure.cells[0][0], column="自然人")
    report.set(cell, report.cell(cell) + 1)  # the row no longer adds up to its total
    [flag] = _flags(report, NEW_REQUESTS, figure)
    assert flag.startswith(f"表三「{figure.cells[0][0]}」行「总计」列为")
