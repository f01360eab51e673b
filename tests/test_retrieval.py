"""Retrieval at a realistic size: both halves of the hybrid answer when thousands of chunks pass the filters,
and the persistent lexical index is shared by processes, kept in step with the chunks and rebuilt when not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus import EXACT_LIMIT, Chunk, Corpus, CorpusError
from assistant.lexicon import Lexicon
from assistant.settings import Settings

PINGTAN = "平潭综合实验区"
COPIES = 40  # ≈ 40 × 90 real chunks: several thousand, ten times what one org's years hold
SYNTHETIC = "合成机关"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory, reports: Path) -> Corpus:
    """The real reports, then copies of their chunks under made-up bodies: one body gets ten years, so a
    filter on it alone passes more than EXACT_LIMIT chunks."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("big"))
    corpus = Corpus(settings)
    corpus.index([reports])
    rows = corpus.db.execute("SELECT text, org, template, section, part FROM chunks").fetchall()
    chunks = [
        Chunk(
            text.replace(org, f"{SYNTHETIC}{copy % 4}"),
            f"{SYNTHETIC}{copy % 4}",
            2010 + copy // 4,
            template,
            section,
            part,
            f"synthetic/{copy}",
        )  # fmt: skip
        for copy in range(COPIES)
        for text, org, template, section, part in rows
    ]
    corpus.add_chunks(chunks)
    return corpus


def test_the_corpus_is_large_enough_to_reach_the_chroma_path(big: Corpus) -> None:
    (total,) = big.db.execute("SELECT count(*) FROM chunks").fetchone()
    (one_body,) = big.db.execute("SELECT count(*) FROM chunks WHERE org = ?", (f"{SYNTHETIC}0",)).fetchone()
    assert total > 3000 and one_body > EXACT_LIMIT


@pytest.mark.parametrize(
    ("org", "year"),
    [(None, None), (f"{SYNTHETIC}0", None), (f"{SYNTHETIC}1", [2011, 2012]), (PINGTAN, 2022)],
)
def test_vector_search_answers_at_every_filter_width(big: Corpus, org: str | None, year) -> None:
    hits = big.search("依申请公开 信息处理费", k=5, org=org, year=year, method="vector")
    assert len(hits) == 5
    years = [year] if isinstance(year, int) else year
    assert all((org is None or h.org == org) and (years is None or h.year in years) for h in hits)


def test_a_narrow_filter_scores_the_stored_vectors_without_the_vector_index(big: Corpus) -> None:
    ids = big._lexicon.matching(PINGTAN, [2022], None, EXACT_LIMIT)
    recomputed, vectors = big._candidate_vectors(ids)  # the offline embedder's, from the stored text and words
    stored = big._vectors.get(ids=recomputed, include=["embeddings"])
    assert sorted(recomputed) == sorted(ids) and stored["ids"] == recomputed
    assert np.allclose(vectors, np.asarray(stored["embeddings"]), atol=1e-6)


def test_hybrid_fuses_both_halves_on_a_large_corpus(big: Corpus) -> None:
    query, org = "政务新媒体 关停", f"{SYNTHETIC}2"
    lexical, vector, hybrid = (
        [(h.source, h.text) for h in big.search(query, k=10, org=org, method=method)]
        for method in ("bm25", "vector", "hybrid")
    )
    # before the fix the vector half was empty here and the hybrid was BM25's ranking itself
    assert hybrid != lexical and set(hybrid) & set(vector) - set(lexical)


def test_the_lexical_index_persists_and_follows_removals(big: Corpus, reports: Path) -> None:
    query = "问政平潭 栏目"
    again = Corpus(big.settings)  # another process opening the same data folder: nothing rebuilt in memory
    assert [h.text for h in again.search(query, k=5, method="bm25")] == [
        h.text for h in big.search(query, k=5, method="bm25")
    ]
    source = str((reports / "pingtan-2020.txt").resolve())
    assert any(h.source == source for h in again.search(query, k=10, org=PINGTAN, year=2020, method="bm25"))
    again.remove(source)
    assert again.search(query, k=10, org=PINGTAN, year=2020, method="bm25") == []
    again.index([reports / "pingtan-2020.txt"])
    assert any(h.source == source for h in again.search(query, k=10, org=PINGTAN, year=2020, method="bm25"))


def test_an_index_out_of_step_with_the_chunks_is_rebuilt(tmp_path: Path, reports: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    corpus = Corpus(settings)
    corpus.index([reports / "pingtan-2021.txt"])
    expected = [h.text for h in corpus.search("第三方评估", k=3, method="bm25")]
    corpus.db.execute("DELETE FROM lexicon")  # a data folder from before the index existed
    corpus.db.commit()
    assert corpus.search("第三方评估", k=3, method="bm25") == []
    assert [h.text for h in Corpus(settings).search("第三方评估", k=3, method="bm25")] == expected


def test_bm25_ranks_rare_matching_terms_first_and_filters_by_whole_names() -> None:
    lexicon = Lexicon(sqlite3.connect(":memory:"))
    docs = {"a": "政府 公开 工作", "b": "政府 复议 工作", "c": "政府", "d": "诉讼", "e": "政府 复议 工作 复议"}
    orgs = {"a": "甲市", "b": "甲市", "c": "甲市", "d": "甲市", "e": "甲市乙区"}
    lexicon.add((cid, orgs[cid], 2022, "一、总体情况", words) for cid, words in docs.items())
    assert lexicon.top("复议 政府", 5, None, None, None)[:2] == ["e", "b"]
    assert lexicon.top("复议 政府", 5, "甲市", None, None)[0] == "b"  # 甲市 is not a prefix of 甲市乙区
    assert lexicon.top("听证", 5, None, None, None) == []
    assert lexicon.top("复议", 5, None, [2021], None) == []
    assert sorted(lexicon.matching("甲市", [2022], "一、总体情况", 10)) == ["a", "b", "c", "d"]
    lexicon.remove(["b"])
    assert lexicon.top("复议", 5, "甲市", None, None) == [] and lexicon.size() == 4


def test_a_failing_embedding_endpoint_is_a_corpus_error(big: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    import openai

    def timeout(_: str) -> list[float]:
        raise openai.APITimeoutError(httpx.Request("POST", "http://127.0.0.1/v1/embeddings"))

    monkeypatch.setattr(big.embeddings, "embed_query", timeout)
    for org in (PINGTAN, None):  # the exact path and Chroma's
        with pytest.raises(CorpusError, match="无法检索向量库.*APITimeoutError"):
            big.search("依申请公开", k=3, org=org)
    monkeypatch.setattr(big.embeddings, "embed_query", lambda _: 1 / 0)  # a bug is not a store failure
    with pytest.raises(ZeroDivisionError):
        big.search("依申请公开", k=3, org=PINGTAN)
