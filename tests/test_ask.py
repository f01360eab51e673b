"""Questions over the real reports: exact figures, trends, passages, no-answer cases, JSON and the LLM path."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest
from langchain_core.language_models import FakeListChatModel
from langchain_core.runnables import RunnableLambda

from assistant import resources
from assistant.ask import NEW_REQUESTS, ask, read_figure, scope
from assistant.cli import main
from assistant.corpus import Corpus
from assistant.labels import SECTIONS, T3_NEW, T3_ROWS
from assistant.llm import PLACEHOLDER_KEY
from assistant.parser import parse_file
from assistant.report import Finding
from assistant.settings import Settings
from assistant.tables import Location

from .fake_openai import FakeOpenAI, Reply

PINGTAN = "平潭综合实验区"
KEY = "sk-test-DO-NOT-LEAK-4242"


@pytest.fixture(scope="session")
def new_requests(expected_tables: dict) -> Callable[[str], int]:
    """本年新收 (总计) of a real report, from the reference tables."""
    return lambda name: expected_tables[name]["table3"][T3_NEW][-1]


def test_numeric_question_is_exact_and_cites_the_year(corpus: Corpus, settings: Settings, new_requests) -> None:
    answer = ask("平潭2022年新收了多少政府信息公开申请？", corpus, settings)
    assert f"为 {new_requests('pingtan-2022.txt')} 件" in answer.answer
    [citation] = answer.citations
    assert (citation.org, citation.year, citation.section) == (PINGTAN, 2022, SECTIONS[2].text)
    assert citation.source.endswith("pingtan-2022.txt") and T3_NEW in citation.quote


def test_relative_years_count_back_from_the_newest_report(corpus: Corpus, settings: Settings, new_requests) -> None:
    newest = corpus.years(PINGTAN)[-1]
    answer = ask("平潭去年收到多少申请？", corpus, settings)
    assert answer.citations[0].year == newest - 1
    assert f"{newest - 1}年" in answer.answer
    assert f"为 {new_requests(f'pingtan-{newest - 1}.txt')} 件" in answer.answer
    assert scope("前年的问题和改进是怎么写的", corpus).years == [corpus.years()[-1] - 2]


def test_trend_over_recent_years_is_computed(corpus: Corpus, settings: Settings, new_requests) -> None:
    years = corpus.years(PINGTAN)[-3:]
    answer = ask("平潭近三年新收申请数量的变化趋势？", corpus, settings)
    expected = {y: new_requests(f"pingtan-{y}.txt") for y in years}
    assert answer.table is not None and answer.table[1:] == [[y, v] for y, v in expected.items()]
    top = max(expected, key=expected.get)
    assert f"最多的是 {top} 年（{expected[top]} 件）" in answer.answer
    change = expected[years[-1]] - expected[years[0]]
    assert f"{'增加' if change > 0 else '减少'} {abs(change)} 件" in answer.answer
    assert [c.year for c in answer.citations] == years


def test_a_trend_over_one_indexed_year_says_no_change_can_be_computed(tmp_path: Path, reports, new_requests) -> None:
    settings = Settings(data_dir=tmp_path)
    corpus = Corpus(settings)
    corpus.index([reports / "pingtan-2023.txt"])
    figure = f"为 {new_requests('pingtan-2023.txt')} 件"
    # only 2023 of this body: the figure, and plainly that no change can be computed
    for question in ("平潭综合实验区历年申请数量变化趋势如何？", "平潭近三年新收申请的变化"):
        answer = ask(question, corpus, settings)
        assert figure in answer.answer and "只有平潭综合实验区2023年一年的报告" in answer.answer, question
        assert "无法计算变化" in answer.answer and answer.table is None
    # a figure asked without a trend gets no such warning
    assert "无法计算" not in ask("平潭2023年新收了多少申请？", corpus, settings).answer
    # another year indexed, but not the one before: the comparison with last year is what is missing
    corpus.index([reports / "pingtan-2021.txt"])
    answer = ask("平潭2023年新收申请比去年增加了多少？", corpus, settings)
    assert figure in answer.answer and "没有平潭综合实验区2022年的报告，无法计算与上年相比的变化" in answer.answer


def test_which_year_most_uses_every_indexed_year(corpus: Corpus, settings: Settings, new_requests) -> None:
    answer = ask("平潭哪一年新收申请最多？", corpus, settings)
    expected = {y: new_requests(f"pingtan-{y}.txt") for y in corpus.years(PINGTAN)}
    assert [row[0] for row in answer.table[1:]] == sorted(expected)
    top = max(expected, key=expected.get)
    assert f"最多的是 {top} 年" in answer.answer


def test_group_figures_and_table4(corpus: Corpus, settings: Settings, expected_tables) -> None:
    t3, t4 = expected_tables["huaian-shi-2024.pdf"]["table3"], expected_tables["huaian-shi-2024.pdf"]["table4"]
    withheld = sum(t3[row.text][-1] for row in T3_ROWS["2021"] if row.group == "（三）不予公开")
    answer = ask("淮安2024年不予公开的理由有哪些？各多少件", corpus, settings)
    assert f"不予公开为 {withheld} 件" in answer.answer and "属于行政查询事项" in answer.answer
    assert f"行政复议案件为 {t4[4]} 件" in ask("淮安市行政复议案件有多少？", corpus, settings).answer
    corrected = ask("淮安2024年行政诉讼结果纠正多少件", corpus, settings)
    assert f"为 {t4[6] + t4[11]} 件" in corrected.answer and corrected.citations[0].section == SECTIONS[3].text


def test_applicant_column_is_read_from_the_question(corpus: Corpus, settings: Settings, expected_tables) -> None:
    answer = ask("平潭2021年自然人提出的申请有多少？", corpus, settings)
    assert f"（自然人）为 {expected_tables['pingtan-2021.txt']['table3'][T3_NEW][0]} 件" in answer.answer


def test_narrative_question_cites_section_five(corpus: Corpus, settings: Settings) -> None:
    answer = ask("平潭前年的问题和改进是怎么写的？", corpus, settings)
    year = corpus.years(PINGTAN)[-3]
    assert answer.citations[0].section == SECTIONS[4].text and answer.citations[0].year == year
    assert answer.answer.startswith(f"据{PINGTAN}{year}年报告「{SECTIONS[4].text}」")
    assert answer.citations[0].quote in answer.answer


def test_pdf_passage_is_cited_with_its_page(
    corpus: Corpus, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reports
) -> None:
    import pdfplumber

    question = "淮安2024年存在的主要问题和改进是怎么写的？"
    citation = ask(question, corpus, settings).citations[0]
    assert citation.section == SECTIONS[4].text and citation.source.endswith("huaian-shi-2024.pdf")
    with pdfplumber.open(reports / "huaian-shi-2024.pdf") as pdf:
        texts = [unicodedata.normalize("NFKC", page.extract_text()) for page in pdf.pages]
    # the cited passage opens the section, so it starts on the page printing the section's heading
    assert [n for n, text in enumerate(texts, 1) if SECTIONS[4].text in text] == [citation.page]
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["ask", question]) == 0
    assert f"出处：淮安市人民政府2024年报告「{SECTIONS[4].text}」第{citation.page}页（" in capsys.readouterr().out
    assert main(["ask", question, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["citations"][0]["page"] == citation.page


def test_no_answer_when_the_year_or_org_is_not_indexed(corpus: Corpus, settings: Settings) -> None:
    assert ask("平潭2018年新收了多少申请？", corpus, settings).answer.startswith(
        "语料库中没有平潭综合实验区2018年的报告"
    )
    assert "语料库中没有平潭综合实验区2016年的报告" in ask("平潭2016年的问题和改进怎么写的", corpus, settings).answer
    unknown = ask("北京市2022年新收了多少申请？", corpus, settings)
    assert unknown.answer.startswith("语料库中没有北京市的报告") and unknown.citations == []
    assert ask("  ", corpus, settings).answer == "请输入要查询的问题。"


def test_an_org_not_indexed_is_never_swapped_for_the_only_one(tmp_path: Path, expected_tables, reports) -> None:
    settings = Settings(data_dir=tmp_path)
    corpus = Corpus(settings)
    corpus.index([reports / "weishi-kaifaqu-2022.txt"])
    for question, named in (
        ("平潭2024年行政复议有多少件？", "平潭"),
        ("平潭综合实验区2024年行政复议有多少件", PINGTAN),
        ("福州市鼓楼区2022年的问题和改进怎么写的", "福州市鼓楼区"),
    ):
        answer = ask(question, corpus, settings)
        assert answer.answer == f"语料库中没有{named}的报告，无法回答。" and answer.citations == [], question
    # the indexed org is still found by a loose name, and a question naming no org is about it
    weishi = expected_tables["weishi-kaifaqu-2022.txt"]["table4"][4]
    for question in ("尉氏开发区2022年行政复议有多少件", "2022年行政复议有多少件"):
        answer = ask(question, corpus, settings)
        assert answer.answer == f"尉氏县先进制造业开发区2022年行政复议案件为 {weishi} 件。", question


def test_a_cell_the_parser_could_not_read_is_quoted_not_called_blank(
    corpus: Corpus, settings: Settings, reports
) -> None:
    for name, question, row in (
        ("pingtan-2021.txt", "平潭综合实验区2021年行政规范性文件制发了多少件？", "行政规范性文件"),
        ("pingtan-2020.txt", "平潭2020年政府集中采购项目多少个", "政府集中采购"),
    ):
        [doubt] = [f.message for f in parse_file(reports / name).parse_findings if f.where.row == row]
        answer = ask(question, corpus, settings)
        assert doubt in answer.answer and "未能读出" in answer.answer and "未填写" not in answer.answer
        [citation] = answer.citations
        assert citation.source.endswith(name) and citation.section == SECTIONS[1].text and doubt in citation.quote
    assert "数字连在一起" in ask("平潭综合实验区2021年行政规范性文件制发了多少件？", corpus, settings).answer
    trend = ask("平潭近三年行政规范性文件制发数量的变化", corpus, settings)
    unread = [row for row in trend.table[1:] if row[1] is None]
    assert unread and trend.answer.count("未能读出") == len(unread)


def test_a_doubtful_reading_is_answered_with_the_parsers_caveat(corpus: Corpus, new_requests) -> None:
    report = corpus.get_report(PINGTAN, 2022)
    row = next(r.text for r in T3_ROWS[report.template] if r.key == "本年新收")
    doubt = f"表三「{row}」行有 2 种读法都符合表内关系，已取第一种，请核对原表"
    report.parse_findings.append(
        Finding(rule="P-AMBIGUOUS", severity="warning", message=doubt, where=Location(table="table3", row=row))
    )
    figure = read_figure(NEW_REQUESTS, report, "新收多少申请")
    assert figure.value == new_requests("pingtan-2022.txt") and figure.doubts == [doubt]


def test_a_question_without_chinese_is_asked_to_be_in_chinese(corpus: Corpus, settings: Settings) -> None:
    for question in ("How many applications did Pingtan receive in 2024?", "2024?"):
        answer = ask(question, corpus, settings)
        assert answer.answer.startswith("请用中文提问") and answer.citations == [] and answer.table is None


def test_empty_corpus_says_so(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert "语料库为空" in ask("平潭2022年新收了多少申请？", Corpus(settings), settings).answer


def test_json_form(
    corpus: Corpus, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ask("平潭近三年新收申请的变化", corpus, settings).to_json()
    assert set(data) == {"answer", "citations", "table"}
    assert set(data["citations"][0]) == {"org", "year", "section", "source", "quote", "page"}
    assert data["citations"][0]["page"] is None  # a figure from a text file has no page
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["ask", "平潭2022年新收了多少申请？", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["citations"][0]["year"] == 2022 and "74" in printed["answer"]


# ── the LLM path, against fake chat models ──────────────────────────────────────────────────


QUESTION = "平潭2022年存在的主要问题是什么？"


def test_llm_answer_grounded_in_context_is_used(corpus: Corpus, settings: Settings) -> None:
    text = "据平潭综合实验区2022年报告，主要问题是重大行政决策预公开程度需进一步加强，意见征集形式较为单一。"
    answer = ask(QUESTION, corpus, settings, llm=FakeListChatModel(responses=[text]))
    assert answer.answer == text and answer.notices == []
    assert answer.citations[0].section == SECTIONS[4].text and answer.citations[0].year == 2022


def test_llm_answer_with_an_invented_number_falls_back(corpus: Corpus, settings: Settings) -> None:
    invented = "平潭综合实验区2022年共有 987 项问题未整改。"
    answer = ask(QUESTION, corpus, settings, llm=FakeListChatModel(responses=[invented]))
    assert answer.answer.startswith(f"据{PINGTAN}2022年报告「{SECTIONS[4].text}」")
    assert "987" not in answer.answer and "987" in answer.notices[0] and "原文摘录" in answer.notices[0]


def test_llm_failure_falls_back_with_a_notice(corpus: Corpus, settings: Settings) -> None:
    def timeout(_: object) -> str:
        raise openai.APITimeoutError(httpx.Request("POST", "http://127.0.0.1/v1/chat/completions"))

    answer = ask(QUESTION, corpus, settings, llm=RunnableLambda(timeout))
    assert answer.answer.startswith(f"据{PINGTAN}2022年报告")
    assert answer.notices == ["大模型响应超时（超过 60 秒），已改用原文摘录。"]


def test_a_bug_in_the_llm_path_is_not_a_fallback(corpus: Corpus, settings: Settings, monkeypatch) -> None:
    def bug(_: object) -> str:
        raise TypeError("a bug in our own code")

    with pytest.raises(TypeError, match="a bug in our own code"):
        ask(QUESTION, corpus, settings, llm=RunnableLambda(bug))
    monkeypatch.setattr(resources, "prompts_dir", lambda: Path("/nonexistent"))
    resources.read_prompt.cache_clear()
    try:
        with pytest.raises(FileNotFoundError):
            ask(QUESTION, corpus, settings, llm=FakeListChatModel(responses=["不会用到"]))
    finally:
        resources.read_prompt.cache_clear()


@pytest.mark.parametrize(("status", "reason"), [(401, "HTTP 401"), (500, "HTTP 500")])
def test_an_http_failure_over_the_wire_falls_back_and_never_shows_the_key(
    corpus: Corpus, settings: Settings, status: int, reason: str
) -> None:
    with FakeOpenAI([Reply(status=status)]) as server:
        live = dataclasses.replace(settings, openai_api_key=KEY, openai_base_url=server.base_url, llm_model="fake")
        answer = ask(QUESTION, corpus, live)
    assert server.auth_headers == [f"Bearer {KEY}"]  # the server saw the key and echoed it in its error
    assert answer.answer.startswith(f"据{PINGTAN}2022年报告") and len(answer.notices) == 1
    assert reason in answer.notices[0] and "原文摘录" in answer.notices[0] and KEY not in answer.notices[0]


def test_without_a_key_the_placeholder_key_is_sent(corpus: Corpus, settings: Settings) -> None:
    with FakeOpenAI([Reply("平潭综合实验区2022年的主要问题是意见征集形式较为单一。")]) as server:
        answer = ask(QUESTION, corpus, dataclasses.replace(settings, openai_base_url=server.base_url))
    assert server.auth_headers == [f"Bearer {PLACEHOLDER_KEY}"] and answer.notices == []
