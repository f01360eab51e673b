"""One name per body and one report however many files hold it: bodies.py, the corpus and the batch review."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.ask import ask
from assistant.bodies import ALIAS_HEADER, Names, alias_text, parse_aliases, same_statistics, save_aliases
from assistant.corpus import Corpus
from assistant.errors import InputError
from assistant.parser import parse_file
from assistant.review import review
from assistant.sandbox import read_report
from assistant.service import Service
from assistant.settings import Settings

PINGTAN = "平潭综合实验区"
LONG = "福建省平潭综合实验区"


# ── names ────────────────────────────────────────────────────────────────────────────────────────


def test_a_name_is_merged_into_the_one_with_its_parent_region_in_front() -> None:
    names = Names(["洪泽区人民政府", "淮安市洪泽区人民政府", "淮安市人民政府", "江苏省淮安市洪泽区人民政府"])
    assert names.canonical("洪泽区人民政府") == "江苏省淮安市洪泽区人民政府"
    assert names.canonical("淮安市洪泽区人民政府") == "江苏省淮安市洪泽区人民政府"
    assert names.canonical("淮安市人民政府") == "淮安市人民政府"  # 洪泽区 is not a region in front of it
    assert names.variants("洪泽区人民政府") == ["江苏省淮安市洪泽区人民政府", "洪泽区人民政府", "淮安市洪泽区人民政府"]
    assert names.names() == ["江苏省淮安市洪泽区人民政府", "淮安市人民政府"]


@pytest.mark.parametrize(
    ("known", "short"),
    [
        (["鼓楼区人民政府", "南京市鼓楼区人民政府", "福州市鼓楼区人民政府"], "鼓楼区人民政府"),  # two parents
        (["人民政府", "淮安市人民政府"], "人民政府"),  # names no place, so no body
        (["实验区管委会", "平潭综合实验区管委会"], "实验区管委会"),  # 平潭综合 is not a region
        (["洪泽区人民政府", "淮安市洪泽区人民政府办公室"], "洪泽区人民政府"),  # another body, not a longer name
    ],
)
def test_names_are_left_alone_when_the_longer_name_is_not_one_parent(known: list[str], short: str) -> None:
    assert Names(known).canonical(short) == short


def test_the_alias_table_maps_pins_and_chains() -> None:
    known = ["洪泽区政府", "淮安市洪泽区人民政府", "洪泽区人民政府", "甲", "丙"]
    aliases = parse_aliases("# 说明\n洪泽区政府 = 洪泽区人民政府\n\n甲＝乙\n乙 -> 丙\n岚岛 = 洪泽区政府")
    names = Names(known, aliases)
    assert names.canonical("洪泽区政府") == "淮安市洪泽区人民政府"  # the alias, then the parent region
    assert names.canonical("甲") == "丙"  # a chain
    assert names.spellings()["岚岛"] == names.spellings()["洪泽区人民政府"] == "淮安市洪泽区人民政府"
    pinned = Names(known, {"洪泽区人民政府": "洪泽区人民政府"})
    assert pinned.canonical("洪泽区人民政府") == "洪泽区人民政府"
    assert pinned.merged() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("洪泽区人民政府\n", "第 1 行应写成"),
        ("# 说明\n甲 = 乙 = 丙\n", "第 2 行应写成"),
        ("甲 = \n", "第 1 行应写成"),
        ("甲 = 乙\n甲 = 丙\n", "第 2 行：“甲”已对应“乙”"),
        ("甲 = 乙\n" * 5001, "最多 5000 行"),
        ("甲 = 乙\n乙 = 丙\n丙 = 甲\n", "形成循环：甲 → 乙 → 丙 → 甲"),
    ],
)
def test_a_bad_alias_table_is_refused_by_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_aliases(text)


def test_the_alias_table_is_saved_whole_or_not_at_all(tmp_path: Path) -> None:
    assert alias_text(tmp_path) == ALIAS_HEADER
    save_aliases(tmp_path, "甲 = 乙")
    with pytest.raises(InputError):
        save_aliases(tmp_path, "甲 乙")
    assert alias_text(tmp_path) == "甲 = 乙\n" and not list(tmp_path.glob(".*"))
    save_aliases(tmp_path, "  \n")
    assert alias_text(tmp_path) == ALIAS_HEADER  # emptied: the instructions stay


# ── one report, two files ────────────────────────────────────────────────────────────────────────


def test_the_web_page_and_the_text_of_one_report_are_the_same_statistics(reports: Path) -> None:
    html, text = parse_file(reports / "pingtan-2024.html"), parse_file(reports / "pingtan-2024.txt")
    assert html.tables_json() != text.tables_json()  # the text's flattened 表二 row cannot be split
    assert same_statistics(html, text) and same_statistics(text, html)
    corrected = text.model_copy(deep=True)
    corrected.table4[0] += 1
    assert not same_statistics(html, corrected)
    assert not same_statistics(html, parse_file(reports / "pingtan-2023.txt"))


@pytest.mark.parametrize("order", [("html", "txt"), ("txt", "html")])
def test_one_report_in_two_files_is_indexed_once(tmp_path: Path, reports: Path, order: tuple[str, str]) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    first, second = (reports / f"pingtan-2024.{suffix}" for suffix in order)
    assert corpus.index([first]).added == [str(first)]
    summary = corpus.index([second])
    html, text = str(reports / "pingtan-2024.html"), str(reports / "pingtan-2024.txt")
    # the file reading fewer figures is the one not indexed: skipped when it comes second, replaced when first
    if order[0] == "html":
        assert summary.duplicates == [(text, html)] and "重复未收录 1 份" in summary.describe()
        assert summary.details() == [
            "pingtan-2024.txt：与已收录的“pingtan-2024.html”是同一份报告（或其旧版本），未重复收录"
        ]
    else:
        assert summary.replaced == [(text, html, "统计表相同，新文件读出的数字更多")] and not summary.duplicates
        assert "替换同一报告的旧文件 1 份" in summary.describe()
        assert summary.details() == [
            "pingtan-2024.txt：已由同一份报告的“pingtan-2024.html”替换（统计表相同，新文件读出的数字更多）"
        ]
    assert [r["source"] for r in corpus.list_reports()] == [html]
    assert {c.source for c in corpus.search("政府信息公开申请", k=20)} == {html}
    assert corpus.get_report(PINGTAN, 2024).table2 == parse_file(reports / "pingtan-2024.html").table2

    reads: list[Path] = []

    def counted(path: Path):  # noqa: ANN202
        reads.append(path)
        return read_report(path)

    again = corpus.index([first, second], read=counted)
    assert again.duplicates == [(text, html)] and reads == []  # known twins are not read again


def test_removing_the_file_kept_brings_back_the_one_set_aside(tmp_path: Path, reports: Path) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    text = Path(corpus.add_upload(reports / "pingtan-2024.txt").added[0])
    page = Path(corpus.add_upload(reports / "pingtan-2024.html").added[0])  # reads more figures: replaces the text
    assert [r["source"] for r in corpus.list_reports()] == [str(page)] and text.is_file()
    back = corpus.remove(str(page))
    assert back.added == [str(text)] and [r["source"] for r in corpus.list_reports()] == [str(text)]
    assert not page.exists()


def test_an_uploaded_duplicate_is_not_kept(tmp_path: Path, reports: Path) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    kept = corpus.add_upload(reports / "pingtan-2024.html", "网页.html")
    summary = corpus.add_upload(reports / "pingtan-2024.txt", "文本.txt")
    assert summary.duplicates and not summary.added
    assert [p.name for p in corpus.library.rglob("*") if p.is_file()] == [Path(kept.added[0]).name]


def test_a_corrected_narrative_with_the_same_tables_replaces_the_old_file(tmp_path: Path, reports: Path) -> None:
    original = reports / "pingtan-2022.txt"
    corrected = tmp_path / "pingtan-2022-更正.txt"
    text = original.read_text(encoding="utf-8")
    corrected.write_text(text.replace("政策解读", "政策解读和回应", 1), encoding="utf-8")
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    corpus.index([original])
    summary = corpus.index([corrected])
    assert summary.added == [str(corrected)] and summary.replaced == [
        (str(original), str(corrected), "统计表相同，正文有改动")
    ]
    assert [r["source"] for r in corpus.list_reports()] == [str(corrected)]
    same_again = tmp_path / "copy.txt"
    same_again.write_text(text.replace("政策解读", "政策解读和回应", 1) + "\n", encoding="utf-8")
    assert corpus.index([same_again]).duplicates == [(str(same_again), str(corrected))]  # only the spacing differs
    # the old version uploaded again (the same bytes under another name) does not undo the correction
    old_again = corpus.add_upload(original, "旧版.txt")
    assert old_again.duplicates and not old_again.added and not old_again.replaced
    assert [r["source"] for r in corpus.list_reports()] == [str(corrected)]


def test_two_different_reports_of_one_body_and_year_are_both_kept_with_a_note(tmp_path: Path, reports: Path) -> None:
    corrected = tmp_path / "pingtan-2024-更正.html"
    page = (reports / "pingtan-2024.html").read_text(encoding="utf-8")
    assert page.count(">4529<") == 1
    corrected.write_text(page.replace(">4529<", ">4530<"), encoding="utf-8")  # 行政许可 decisions
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    corpus.index([reports / "pingtan-2024.html"])
    summary = corpus.index([corrected])
    assert summary.added == [str(corrected)] and not summary.duplicates
    [note] = summary.notes
    assert "平潭综合实验区2024年已收录另一份报告（pingtan-2024.html）" in note and "统计表不同" in note
    assert len(corpus.list_reports()) == 2


# ── one body under two names ─────────────────────────────────────────────────────────────────────


@pytest.fixture
def renamed(tmp_path: Path, reports: Path) -> Path:
    """平潭's 2023 report as if it had named its body with the province in front."""
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(reports / "pingtan-2022.txt", folder)
    text = (reports / "pingtan-2023.txt").read_text(encoding="utf-8")
    (folder / "pingtan-2023.txt").write_text(text.replace(f"标题: {PINGTAN}", f"标题: {LONG}", 1), encoding="utf-8")
    assert parse_file(folder / "pingtan-2023.txt").org == LONG
    return folder


def test_the_corpus_shows_and_filters_one_body_by_its_merged_name(tmp_path: Path, renamed: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    corpus = Corpus(settings)
    corpus.index([renamed])
    assert corpus.orgs() == [LONG]
    assert [(r["org"], r["printed"], r["year"]) for r in corpus.list_reports()] == [
        (LONG, PINGTAN, 2022),
        (LONG, LONG, 2023),
    ]
    assert corpus.years(PINGTAN) == corpus.years(LONG) == [2022, 2023]
    assert corpus.get_report(PINGTAN, 2022).org == LONG
    hits = corpus.search("政府信息公开申请", k=10, org=PINGTAN)
    assert {h.year for h in hits} == {2022, 2023} and {h.org for h in hits} == {LONG}
    answer = ask("平潭近两年新收了多少政府信息公开申请？", corpus, settings)
    assert "2022" in answer.answer and "2023" in answer.answer

    save_aliases(settings.data_dir, f"{PINGTAN} = {PINGTAN}\n")  # pinned: two bodies again, at once
    assert corpus.orgs() == [PINGTAN, LONG]
    assert corpus.years(PINGTAN) == [2022]


def test_the_batch_review_pairs_and_deduplicates_by_merged_name(tmp_path: Path, reports: Path, renamed: Path) -> None:
    shutil.copy(reports / "pingtan-2024.html", renamed)
    shutil.copy(reports / "pingtan-2024.txt", renamed)
    results = {Path(r.source.name).name: r for r in review([renamed], workers=1)}
    assert Path(results["pingtan-2023.txt"].prior).name == "pingtan-2022.txt"  # 福建省平潭… follows 平潭… a year on
    assert Path(results["pingtan-2024.txt"].duplicate_of).name == "pingtan-2024.html"
    assert not results["pingtan-2024.html"].duplicate_of


def test_an_alias_written_in_a_question_names_its_body(tmp_path: Path, renamed: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    corpus = Corpus(settings)
    corpus.index([renamed])
    save_aliases(settings.data_dir, "岚岛 = 平潭综合实验区\n")
    answer = ask("岚岛2022年新收了多少政府信息公开申请？", corpus, settings)
    assert answer.answer.startswith(f"{LONG}2022年") and answer.citations[0].org == LONG


def test_the_service_saves_the_alias_table_and_refuses_a_bad_one(tmp_path: Path, reports: Path, renamed: Path) -> None:
    svc = Service(Settings(data_dir=tmp_path / "data"))
    shutil.copy(reports / "weishi-kaifaqu-2022.txt", renamed)
    svc.index([renamed])
    # 尉氏 and 平潭 both published a 2022 report: one alias joining them would mix two bodies' figures
    with pytest.raises(
        InputError, match=r"福建省平潭综合实验区2022年（尉氏县先进制造业开发区、平潭综合实验区的报告统计表不同）"
    ):
        svc.save_alias_table(f"尉氏县先进制造业开发区 = {PINGTAN}")
    assert svc.alias_table() == ALIAS_HEADER
    assert svc.alias_table() == ALIAS_HEADER
    with pytest.raises(InputError, match="第 2 行"):
        svc.save_alias_table("# 说明\n平潭\n")
    assert svc.save_alias_table(f"{PINGTAN} = {PINGTAN}") == []
    assert svc.alias_table() == f"{PINGTAN} = {PINGTAN}\n"
    assert svc.corpus_status() == "语料库：已收录 3 份报告（3 个机关）。"
