"""The corpus: incremental indexing of real reports, chunking, the offline embedder, BM25 and retrieval."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from assistant.checks import check
from assistant.cli import main
from assistant.corpus import (
    Corpus,
    CorpusError,
    _writable,
    chunk_pages,
    chunk_report,
    split_text,
    stored_name,
)
from assistant.embeddings import HashEmbeddings, tokens
from assistant.labels import SECTIONS
from assistant.parser import parse_file
from assistant.service import summary_json
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
    from assistant.service import Service

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (uploads / "notes.txt").write_text("这不是年度报告，只是几句笔记。", encoding="utf-8")
    shutil.copy(reports / "pingtan-2022.txt", uploads / "pingtan-2022.txt")
    service = Service(Settings(data_dir=tmp_path / "data"))
    summary = service.add_uploads([(path, path.name) for path in sorted(uploads.iterdir())])
    assert sorted(Path(s).name for s, _ in summary.failed) == ["broken.pdf", "notes.txt"]
    library = service.corpus().library
    assert [p.name for p in library.glob("*/*")] == ["pingtan-2022.txt"]  # library/<sha256>/<name>
    assert [Path(r["source"]).name for r in service.corpus().list_reports()] == ["pingtan-2022.txt"]
    assert summary_json(summary)["failed"][0]["file"] == "broken.pdf"  # names, never the server's folders


def test_parse_hint_count_counts_each_finding_once(tmp_path: Path, reports: Path) -> None:
    # pingtan-2019 has 7 parse findings among its 8 (check() includes them); huaian's PDF has none
    names = ("pingtan-2019.txt", "huaian-shi-2024.pdf")
    corpus = Corpus(Settings(data_dir=tmp_path))
    corpus.index([reports / name for name in names])
    counts = {Path(r["source"]).name: r["findings"] for r in corpus.list_reports()}
    assert counts == {"pingtan-2019.txt": 8, "huaian-shi-2024.pdf": 1}
    assert counts == {name: len(check(parse_file(reports / name))) for name in names}
    assert len(parse_file(reports / "pingtan-2019.txt").parse_findings) == 7  # the double count was 17


# ── reports never lost or mixed ─────────────────────────────────────────────────────────────────

SHARED_NAME = "2022年政府信息公开工作年度报告.txt"


def _vector_ids(corpus: Corpus) -> set[str]:
    return set(corpus._vectors.get(include=[])["ids"])


def _chunk_ids(corpus: Corpus) -> set[str]:
    return {cid for (cid,) in corpus.db.execute("SELECT id FROM chunks")}


def test_same_name_from_two_bodies_gives_two_reports(tmp_path: Path, reports) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    for name in ("pingtan-2022.txt", "weishi-kaifaqu-2022.txt"):
        assert corpus.add_upload(reports / name, SHARED_NAME).added
    listed = corpus.list_reports()
    assert {r["org"] for r in listed} == {"平潭综合实验区", "尉氏县先进制造业开发区"}
    assert {Path(r["source"]).name for r in listed} == {SHARED_NAME}
    for org, name in (("平潭综合实验区", "pingtan-2022.txt"), ("尉氏县先进制造业开发区", "weishi-kaifaqu-2022.txt")):
        assert corpus.get_report(org, 2022).table3 == parse_file(reports / name).table3
        assert {h.org for h in corpus.search("政府信息公开申请", k=5, org=org)} == {org}
    assert _vector_ids(corpus) == _chunk_ids(corpus)


def test_a_failed_upload_under_a_stored_name_touches_nothing(tmp_path: Path, reports) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    kept_summary = corpus.add_upload(reports / "pingtan-2022.txt", SHARED_NAME)
    stored = Path(kept_summary.added[0])
    junk = tmp_path / SHARED_NAME
    junk.write_bytes(b"%PDF-1.4 junk")
    summary = corpus.add_upload(junk, SHARED_NAME)
    assert summary.failed and not summary.added
    assert stored.read_bytes() == (reports / "pingtan-2022.txt").read_bytes()
    assert [p.parent for p in corpus.library.rglob("*") if p.is_file()] == [stored.parent]
    assert [r["source"] for r in corpus.list_reports()] == [str(stored)]
    again = corpus.add_upload(reports / "pingtan-2022.txt", "另一个名字.txt")
    assert not again.added and len(corpus.list_reports()) == 1 + len(again.added)


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("..", "上传文件.txt"),
        (".", "上传文件.txt"),
        ("", "上传文件.txt"),
        ("../../etc/报告.txt", "报告.txt"),
        ("a\\b\x07.txt", "b.txt"),
    ],
)
def test_upload_names_are_made_safe(name: str, stored: str) -> None:
    assert stored_name(name, ".txt") == stored


def test_upload_named_dot_dot_is_stored_inside_the_file_store(tmp_path: Path, reports) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    kept = corpus.keep(reports / "pingtan-2022.txt", "..")
    assert kept.parent.parent == corpus.library.resolve() and kept.name == "上传文件.txt"


class Crash(Exception):
    """Stands for the process dying at one point of an indexing run."""


def _crash(*_args: object, **_kwargs: object) -> None:
    raise Crash


@pytest.mark.parametrize(
    ("point", "new_version_in"),
    [("_add_vectors", False), ("_insert_chunks", False), ("_save_report", False), ("_replay_journal", True)],
)
def test_a_crash_while_indexing_leaves_the_report_fully_in_or_out(
    tmp_path: Path, reports, monkeypatch: pytest.MonkeyPatch, point: str, new_version_in: bool
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    target = tmp_path / "pingtan-2022.txt"
    shutil.copy(reports / "pingtan-2022.txt", target)
    Corpus(settings).index([target])
    target.write_text(target.read_text(encoding="utf-8") + "\n另附说明：本年新设独角兽孵化专区。\n", "utf-8")
    corpus = Corpus(settings)
    if point == "_add_vectors":  # dies after the first vectors are written
        real = corpus._add_vectors

        def partial(ids: list[str], chunks: list, cut: list) -> None:
            real(ids[:3], chunks[:3], cut[:3])
            raise Crash

        monkeypatch.setattr(corpus, point, partial)
    else:
        monkeypatch.setattr(corpus, point, _crash)
    with pytest.raises(Crash):
        corpus.index([target])
    reopened = Corpus(settings)
    assert _vector_ids(reopened) == _chunk_ids(reopened) != set()  # no orphan, none missing
    found = reopened.search("独角兽孵化专区", k=3, method="bm25")
    assert bool(found and "独角兽" in found[0].text) is new_version_in
    assert len(reopened.list_reports()) == 1
    assert reopened.index([target]).skipped == ([str(target)] if new_version_in else [])


# ── detect and repair ───────────────────────────────────────────────────────────────────────────


@pytest.fixture
def indexed(tmp_path: Path, reports) -> Settings:
    """A data folder holding two bundled reports and one upload in the file store."""
    settings = Settings(data_dir=tmp_path / "data")
    corpus = Corpus(settings)
    corpus.index([reports / "pingtan-2021.txt", reports / "pingtan-2022.txt"])
    corpus.add_upload(reports / "weishi-kaifaqu-2022.txt", SHARED_NAME)
    corpus.db.close()
    return settings


def test_a_lost_chroma_folder_is_rebuilt_from_the_stored_chunks(indexed: Settings) -> None:
    from chromadb.api.client import SharedSystemClient

    before = _chunk_ids(Corpus(indexed))
    shutil.rmtree(indexed.data_dir / "chroma")
    SharedSystemClient.clear_system_cache()
    corpus = Corpus(indexed)
    assert any(f"补建 {len(before)} 个段落的向量" in n for n in corpus.notices)
    assert _vector_ids(corpus) == before
    assert corpus.search("监督保障", k=1, org="平潭综合实验区", method="vector")
    assert Corpus(indexed).notices == []  # repaired once


def test_orphan_vectors_are_dropped_on_open(indexed: Settings) -> None:
    corpus = Corpus(indexed)
    corpus._vectors.add_texts(["孤立的向量"], metadatas=[{"org": "x", "source": "gone.txt"}], ids=["orphan-0"])
    reopened = Corpus(indexed)
    assert "删除 1 个多余向量" in reopened.notices[0] and "orphan-0" not in _vector_ids(reopened)


def _corrupt_a_page(db: Path) -> None:
    data = bytearray(db.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"Z" * page
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["page", "not-a-database"])
def test_a_damaged_sqlite_file_is_explained_and_rebuild_repairs_it(indexed: Settings, damage: str) -> None:
    db = indexed.data_dir / "corpus.sqlite3"
    if damage == "page":
        _corrupt_a_page(db)
    else:
        db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CorpusError, match=r"已损坏.*index --rebuild"):
        Corpus(indexed)
    corpus, summary = Corpus.rebuild(indexed)
    names = {Path(r["source"]).name for r in corpus.list_reports()}
    assert not summary.failed
    if damage == "page":  # the tables still readable in the damaged file name every source
        assert names == {"pingtan-2021.txt", "pingtan-2022.txt", SHARED_NAME} and not corpus.notices
    else:  # nothing readable: the bundled reports and the file store come back, and the user is told
        assert {"pingtan-2021.txt", "pingtan-2022.txt", "huaian-shi-2024.pdf"} <= names
        # the upload is the bundled weishi report's bytes: one of the two is kept, whichever was indexed first
        assert len(names & {SHARED_NAME, "weishi-kaifaqu-2022.txt"}) == 1
        assert "无法读取" in corpus.notices[0]
    assert (indexed.data_dir / "corpus.sqlite3.bak").is_file()
    assert _vector_ids(corpus) == _chunk_ids(corpus)


def test_rebuild_reports_sources_that_are_gone(tmp_path: Path, reports) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    copy = tmp_path / "pingtan-2022.txt"
    shutil.copy(reports / "pingtan-2022.txt", copy)
    Corpus(settings).index([copy, reports / "pingtan-2021.txt"])
    copy.unlink()
    corpus, summary = Corpus.rebuild(settings)
    assert summary.failed == [(str(copy), "文件已不存在，无法重建")]
    assert [Path(r["source"]).name for r in corpus.list_reports()] == ["pingtan-2021.txt"]


def test_a_read_only_data_folder_can_still_be_queried(indexed: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = {p: p.stat().st_mtime_ns for p in indexed.data_dir.rglob("*") if p.is_file()}
    monkeypatch.setattr("assistant.corpus._writable", lambda folder: False)
    corpus = Corpus(indexed)
    assert "只读" in corpus.notices[0]
    assert corpus.get_report("平潭综合实验区", 2022) is not None
    assert corpus.search("监督保障", k=1, org="平潭综合实验区", method="vector")
    with pytest.raises(CorpusError, match="只读"):
        corpus.index([indexed.data_dir])
    assert {p: p.stat().st_mtime_ns for p in indexed.data_dir.rglob("*") if p.is_file()} == stamp


def test_writable_asks_the_file_system(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert _writable(tmp_path) and not _writable(blocker / "data")


def test_one_bad_file_never_stops_an_index_run(tmp_path: Path, reports) -> None:
    from assistant.errors import CellError
    from assistant.sandbox import read_report

    def read(path: Path):
        if path.name == "pingtan-2021.txt":
            raise CellError("表三「自然人」列：“约5”不是数字")
        return read_report(path)

    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    decimal = tmp_path / "weishi-decimal.txt"
    line = "一、本年新收政府信息公开申请数量\t0\t0"
    text = (reports / "weishi-kaifaqu-2022.txt").read_text(encoding="utf-8")
    decimal.write_text(text.replace(line, line.replace("\t0", "\t21.7", 1)), encoding="utf-8")
    summary = corpus.index([reports / "pingtan-2021.txt", decimal, reports / "pingtan-2022.txt"], read=read)
    assert [Path(s).name for s, _ in summary.failed] == ["pingtan-2021.txt"] and "约5" in summary.failed[0][1]
    assert sorted(Path(s).name for s in summary.added) == ["pingtan-2022.txt", "weishi-decimal.txt"]
    assert corpus.get_report("尉氏县先进制造业开发区", 2022).table3["一、本年新收政府信息公开申请数量"][0] == 21.7


def test_summary_for_a_response_carries_file_names_only(tmp_path: Path, reports) -> None:
    corpus = Corpus(Settings(data_dir=tmp_path / "data"))
    summary = corpus.index([reports / "pingtan-2022.txt", tmp_path / "nowhere.pdf"])
    public = summary.public()
    assert public["added"] == ["pingtan-2022.txt"] and public["failed"][0]["file"] == "nowhere.pdf"
    assert str(tmp_path) not in json.dumps(public, ensure_ascii=False)
    assert str(reports) not in json.dumps(public, ensure_ascii=False)
