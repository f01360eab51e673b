"""The corpus: incremental indexing of real reports, chunking, the offline embedder, BM25 and retrieval."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from assistant.checks import check
from assistant.cli import main
from assistant.corpus import Corpus, CorpusError, chunk_pages, chunk_report, split_text
from assistant.embeddings import HashEmbeddings, tokens
from assistant.labels import SECTIONS
from assistant.parser import parse_file
from assistant.settings import Settings

SMALL = ("pingtan-2021.txt", "pingtan-2022.txt", "weishi-kaifaqu-2022.txt")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, reports) -> Path:
    """A folder of three real reports and one broken PDF, indexed once; the tests below run in order."""
    root = tmp_path_factory.mktemp("reports")
    for name in SMALL:
        shutil.copy(reports / name, root / name)
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (root / "notes.json").write_text("{}", encoding="utf-8")  # not a report format: ignored
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(Settings(data_dir=tmp_path_factory.mktemp("data")))


def test_first_run_indexes_reports_and_reports_the_unreadable_file(folder: Path, corpus: Corpus) -> None:
    calls: list[tuple[int, int, str]] = []
    summary = corpus.index([folder], progress=lambda done, total, name: calls.append((done, total, name)))
    assert sorted(Path(s).name for s in summary.added) == sorted(SMALL)
    assert [Path(s).name for s, _ in summary.failed] == ["broken.pdf"]
    assert "broken.pdf" in summary.failed[0][1] and "无法读取" in summary.failed[0][1]
    assert calls[0] == (0, 4, "") and calls[-1] == (4, 4, "weishi-kaifaqu-2022.txt")
    listed = {(r["org"], r["year"]) for r in corpus.list_reports()}
    assert listed == {("平潭综合实验区", 2021), ("平潭综合实验区", 2022), ("尉氏县先进制造业开发区", 2022)}
    assert summary.chunks > 20 and "新增 3 份" in summary.describe()


def test_second_run_skips_unchanged_files(folder: Path, corpus: Corpus) -> None:
    summary = corpus.index([folder])
    assert len(summary.skipped) == 3 and not summary.added and not summary.updated and summary.chunks == 0


def test_modified_file_is_reindexed(folder: Path, corpus: Corpus) -> None:
    target = folder / "weishi-kaifaqu-2022.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n本报告另附说明：开发区新设独角兽孵化专区。\n", "utf-8")
    summary = corpus.index([folder])
    assert [Path(s).name for s in summary.updated] == ["weishi-kaifaqu-2022.txt"]
    assert len(summary.skipped) == 2
    hits = corpus.search("独角兽孵化专区", k=1, org="尉氏县先进制造业开发区")
    assert "独角兽孵化专区" in hits[0].text


def test_deleted_file_is_pruned(folder: Path, corpus: Corpus) -> None:
    (folder / "pingtan-2021.txt").unlink()
    summary = corpus.index([folder])
    assert [Path(s).name for s in summary.removed] == ["pingtan-2021.txt"]
    assert corpus.years("平潭综合实验区") == [2022]
    assert corpus.get_report("平潭综合实验区", 2021) is None
    assert corpus.search("主动公开", year=2021) == []


def test_missing_path_is_reported(corpus: Corpus, tmp_path: Path) -> None:
    summary = corpus.index([tmp_path / "nowhere"])
    assert summary.failed and "找不到" in summary.failed[0][1]


def test_remove_forgets_a_source(tmp_path: Path, reports) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path))
    source = str((reports / "pingtan-2022.txt").resolve())
    corpus.index([source])
    corpus.remove(source)
    assert corpus.list_reports() == [] and corpus.search("政府信息公开") == []
    assert corpus.index([source]).added == [source]  # forgotten, so indexed again


def test_tables_are_stored_and_chunks_carry_metadata(corpus: Corpus, reports) -> None:
    report = corpus.get_report("平潭综合实验区", 2022)
    assert report == parse_file(reports / "pingtan-2022.txt").model_copy(update={"source": report.source})
    hits = corpus.search("存在的主要问题和改进措施", k=3, org="平潭综合实验区", year=2022)
    assert hits[0].section == SECTIONS[4].text
    assert all(h.org == "平潭综合实验区" and h.year == 2022 and h.template == "2021" for h in hits)
    assert hits[0].source.endswith("pingtan-2022.txt") and hits[0].score > 0
    only = corpus.search("平台建设", k=5, section=SECTIONS[0].text)
    assert only and {h.section for h in only} == {SECTIONS[0].text}


def test_each_method_alone_and_fused_find_the_part(corpus: Corpus) -> None:
    for method in ("bm25", "vector", "hybrid"):
        hits = corpus.search("监督保障 压实工作责任", k=3, org="平潭综合实验区", method=method)
        assert hits[0].part == "（五）监督保障", method


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def test_pdf_chunks_carry_the_page_they_start_on(tmp_path: Path, reports) -> None:
    import pdfplumber

    corpus = Corpus(Settings(data_dir=tmp_path))
    corpus.index([reports / "huaian-shi-2024.pdf", reports / "pingtan-2022.txt"])
    with pdfplumber.open(reports / "huaian-shi-2024.pdf") as pdf:
        pages = [_compact(page.extract_text()) for page in pdf.pages]
    chunks = corpus.search("政府信息公开工作", k=100, org="淮安市人民政府")
    assert len(chunks) > 5 and len({c.page for c in chunks}) >= 4
    for chunk in chunks:
        # the chunk's first characters are printed on its page, as pdfplumber reads that page alone
        assert "\f" not in chunk.text and _compact(chunk.text)[:12] in pages[chunk.page - 1], chunk
    assert all(c.page is None for c in corpus.search("政府信息公开工作", k=100, org="平潭综合实验区"))


def test_chunk_pages_follow_the_page_breaks() -> None:
    text = "第一页 甲乙丙。\n\f\n\f\n第三页\n丁戊己。重复。\n\f\n重复。"
    pieces = ["第一页甲乙丙。", "丁戊 己。", "重复。", "重复。", "不在文中。", ""]
    assert chunk_pages(text, pieces) == [1, 3, 3, 4, None, None]
    assert chunk_pages(text, ["重复。", "第一页"]) == [3, 1]  # out of order: found from the start


def test_chunking_by_section_and_part(reports) -> None:
    report = parse_file(reports / "pingtan-2022.txt")
    pieces = chunk_report(report)
    parts = {part for section, part, _ in pieces if section == SECTIONS[0].text}
    assert parts == {"", *report.parts}
    assert {section for section, _, _ in pieces} == {s for s, text in report.sections.items() if text.strip()}
    assert all(len(text) <= 500 for _, _, text in pieces)


def test_split_text_cuts_at_sentence_ends() -> None:
    text = "".join(f"第{i}句话讲的是政务公开工作的一个方面，内容比较长。" for i in range(60))
    pieces = split_text(text, size=200)
    assert "".join(pieces) == text
    assert all(len(p) <= 200 and p.endswith("。") for p in pieces)
    assert split_text("甲" * 450, size=200) == ["甲" * 200, "甲" * 200, "甲" * 50]


def test_hash_embedder_is_deterministic_normalised_and_semantic() -> None:
    a, b = HashEmbeddings(), HashEmbeddings()
    text = "平潭综合实验区政府信息公开平台建设"
    assert a.embed_query(text) == b.embed_documents([text])[0]
    vector = np.array(a.embed_query(text))
    assert vector.shape == (a.dims,) and np.isclose(np.linalg.norm(vector), 1.0)
    near = np.array(a.embed_query("加强政府信息公开平台的建设"))
    far = np.array(a.embed_query("行政复议案件结果维持"))
    assert vector @ near > vector @ far + 0.2
    assert not np.any(a.embed_query("。，！"))  # punctuation only: a zero vector, not a crash


def test_tokens_drop_punctuation_and_question_words() -> None:
    assert tokens("平潭的政府信息公开怎么写？") == ["平潭", "政府", "信息", "公开"]


def test_unknown_embedding_setting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="不支持的向量模型"):
        Corpus(Settings(data_dir=tmp_path, embedding="word2vec"))
    with pytest.raises(CorpusError, match="OPENAI_API_KEY"):
        Corpus(Settings(data_dir=tmp_path, embedding="openai"))


def test_unusable_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(CorpusError, match="无法使用数据文件夹"):
        Corpus(Settings(data_dir=blocker / "data"))


def test_cli_index_reports_skips_and_exit_code(
    folder: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(folder / "pingtan-2022.txt")]) == 0
    assert "新增 1 份" in capsys.readouterr().out
    assert main(["index", str(folder)]) == 2  # broken.pdf cannot be read
    captured = capsys.readouterr()
    assert "已跳过" in captured.err and "broken.pdf" in captured.err
    assert "未变跳过 1 份" in captured.out and "新增 1 份" in captured.out


def test_web_upload_that_fails_to_index_is_not_kept(tmp_path: Path, reports) -> None:
    from assistant.webapp_workspace import Workspace

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (uploads / "notes.txt").write_text("这不是年度报告，只是几句笔记。", encoding="utf-8")
    shutil.copy(reports / "pingtan-2022.txt", uploads / "pingtan-2022.txt")
    workspace = Workspace(Settings(data_dir=tmp_path / "data"))
    kept = [workspace.keep_upload(path) for path in sorted(uploads.iterdir())]
    summary = workspace.index(kept)
    assert sorted(Path(s).name for s, _ in summary.failed) == ["broken.pdf", "notes.txt"]
    assert [p.name for p in workspace.library.iterdir()] == ["pingtan-2022.txt"]
    assert [Path(r["source"]).name for r in workspace.corpus().list_reports()] == ["pingtan-2022.txt"]


def test_parse_hint_count_counts_each_finding_once(tmp_path: Path, reports: Path) -> None:
    # pingtan-2019 has 7 parse findings among its 10 (check() includes them); huaian's PDF has none
    names = ("pingtan-2019.txt", "huaian-shi-2024.pdf")
    corpus = Corpus(Settings(data_dir=tmp_path))
    corpus.index([reports / name for name in names])
    counts = {Path(r["source"]).name: r["findings"] for r in corpus.list_reports()}
    assert counts == {"pingtan-2019.txt": 10, "huaian-shi-2024.pdf": 1}
    assert counts == {name: len(check(parse_file(reports / name))) for name in names}
    assert len(parse_file(reports / "pingtan-2019.txt").parse_findings) == 7  # the double count was 17
