"""Retrieval and question-answering benchmark over the bundled real reports (corpus/), printed side by side.

    /work/venv/bin/python benchmarks/bench_retrieval.py [--scales 1000,10000,100000]

Measures: recall@1/@5 of BM25 alone, vector search alone and the fused hybrid (with the question's org/year
as filters, as `ask` does, and without); exact-answer accuracy of numeric questions; the whole `ask` process
offline; and at 1k/10k/100k chunks the index throughput, query latency p50/p95 and resident memory. Larger
corpora are copies of the real chunks under made-up org names and years. Up to 10k chunks every copy goes
the full path (its text varied, tokenised and embedded); at 100k the copies keep the real texts, whose
tokens and embeddings are computed once and reused (plus the chunk's own header, so no two are equal):
that measures the stores, not the embedder, whose own rate is printed separately.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import corpus as corpus_module  # noqa: E402
from assistant.ask import Context, ask, scope  # noqa: E402
from assistant.corpus import Chunk, Corpus  # noqa: E402
from assistant.embeddings import HashEmbeddings, tokens  # noqa: E402
from assistant.parser import parse_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402

REPORTS = ROOT / "corpus"  # the bundled corpus: the published reports
QUESTIONS = json.loads((Path(__file__).parent / "questions.json").read_text(encoding="utf-8"))
EXPECTED = json.loads((ROOT / "tests" / "data" / "expected-tables.json").read_text(encoding="utf-8"))
FILES = [p for p in sorted(REPORTS.iterdir()) if p.name in EXPECTED]
FULL_PATH_LIMIT = 10_000
METHODS = ("bm25", "vector", "hybrid")
BASELINE = "bm25-memory"


# ── the baseline: the in-memory BM25 every process used to rebuild (replaced by assistant/lexicon.py) ──


class MemoryBM25:
    """Okapi BM25 over numpy postings built in memory from the stored tokens, with numpy filter masks."""

    def __init__(self, rows: Sequence[tuple[str, str, int, str, str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.ids = [r[0] for r in rows]
        self.org = np.array([r[1] for r in rows], dtype=object)
        self.year = np.array([r[2] or 0 for r in rows])
        self.section = np.array([r[3] for r in rows], dtype=object)
        docs = [r[4].split() for r in rows]
        self.size = len(docs)
        self.lengths = np.fromiter((len(d) for d in docs), dtype=float, count=len(docs))
        self.average = float(self.lengths.mean()) if docs else 0.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self.postings = {t: (np.array(ids), np.array(tfs, dtype=float)) for t, (ids, tfs) in postings.items()}

    def scores(self, query: Iterable[str]) -> np.ndarray:
        scores = np.zeros(self.size)
        for term in set(query):
            if term not in self.postings:
                continue
            ids, tf = self.postings[term]
            idf = math.log((self.size - len(ids) + 0.5) / (len(ids) + 0.5) + 1)
            norm = self.k1 * (1 - self.b + self.b * self.lengths[ids] / self.average)
            scores[ids] += idf * tf * (self.k1 + 1) / (tf + norm)
        return scores

    def top(self, query: str, n: int, org: str | None, years: list[int] | None, section: str | None) -> list[str]:
        mask = np.ones(self.size, dtype=bool)
        if org:
            mask &= self.org == org
        if years:
            mask &= np.isin(self.year, years)
        if section:
            mask &= self.section == section
        scores = self.scores(tokens(query))
        hits = np.flatnonzero(mask & (scores > 0))
        return [self.ids[i] for i in hits[np.argsort(-scores[hits], kind="stable")[:n]]]


def load_baseline(corpus: Corpus) -> MemoryBM25:
    return MemoryBM25(corpus.db.execute("SELECT id, org, year, section, tokens FROM chunks ORDER BY rowid").fetchall())


def index_real(data_dir: Path) -> tuple[Corpus, float, int]:
    corpus = Corpus(Settings(data_dir=data_dir))
    start = time.perf_counter()
    summary = corpus.index(FILES)
    return corpus, time.perf_counter() - start, summary.chunks


@cache
def _body_year(file: str) -> tuple[str, int]:
    report = parse_file(REPORTS / file)
    return report.org, report.year or 0


def _target(corpus: Corpus, file: str) -> tuple[str, int]:
    """The body (by its merged name) and year of a question's source file: a file indexed as the duplicate of
    another (pingtan-2024.txt of the .html) is answered from that one."""
    org, year = _body_year(file)
    return corpus.names(org).canonical(org), year


def _hit(chunk: Chunk, target: tuple[str, int], item: dict) -> bool:
    """The right report (org and year: a report saved as .txt and .html counts once), section and part."""
    same = (chunk.org, chunk.year) == target and chunk.section == item["section"]
    return same and (not item["part"] or chunk.part == item["part"])


def _ranked(corpus: Corpus, baseline: MemoryBM25, method: str, query: str, org, years) -> list[Chunk]:
    """Top 5 chunks by one method; "bm25-memory" is the in-memory baseline over the same stored tokens."""
    if method != BASELINE:
        return corpus.search(query, k=5, org=org, year=years, method=method)
    return [corpus._chunk(cid, 0.0) for cid in baseline.top(query, 5, org, years, None)]


def recall(corpus: Corpus, baseline: MemoryBM25) -> dict[str, dict[str, tuple[float, float]]]:
    """method -> {"scoped"/"unscoped": (recall@1, recall@5)}."""
    results: dict[str, dict[str, tuple[float, float]]] = {}
    items = QUESTIONS["retrieval"]
    for method in (BASELINE, *METHODS):
        for mode in ("scoped", "unscoped"):
            at1 = at5 = 0
            for item in items:
                target = _target(corpus, item["file"])
                query, org, years = item["question"], None, None
                if mode == "scoped":
                    sc = scope(item["question"], corpus)
                    query, org, years = sc.topic, (sc.orgs[0] if len(sc.orgs) == 1 else None), sc.years or None
                found = [_hit(h, target, item) for h in _ranked(corpus, baseline, method, query, org, years)]
                at1 += bool(found[:1] and found[0])
                at5 += any(found)
            results.setdefault(method, {})[mode] = (at1 / len(items), at5 / len(items))
    return results


NOT_FOUND = ("没有找到", "语料库中没有")


def _holds(text: str, expected: str) -> bool:
    """The expected figure or phrase in the text (a figure not as part of a longer number)."""
    if expected.isdigit():
        return re.search(rf"(?<![\d.]){expected}(?![\d.])", text) is not None
    return expected in text


def _lead(answer: str) -> str:
    """What the answer says before its evidence: the text above 可能相关, the first line for one figure."""
    return answer.split("\n可能相关")[0]


def qa_item(corpus: Corpus, settings: Settings, item: dict) -> tuple[bool, bool | None, bool, bool, float]:
    """(exact, cited right or None, baseline exact, baseline cited right, seconds) of one question."""
    context = Context(year=item.get("year"))
    if "previous" in item:
        context.previous = ask(item["previous"], corpus, settings, context=context).scope
    start = time.perf_counter()
    answer = ask(item["question"], corpus, settings, context=context)
    seconds = time.perf_counter() - start
    top = corpus.search(item["question"], k=1, method="bm25")
    if item["kind"] == "none":
        return answer.answer.startswith(NOT_FOUND), None, not top, False, seconds
    lead = _lead(answer.answer)
    first = lead.splitlines()[0] if item["kind"] in ("figure", "colloquial", "relative") else lead
    exact = all(_holds(first, e) for e in item["expect"]) and not answer.answer.startswith(NOT_FOUND)
    target = _target(corpus, item["file"]) if "file" in item else None
    cited = (
        None
        if target is None
        else bool(answer.citations) and (answer.citations[0].org, answer.citations[0].year) == target
    )
    base_exact = bool(top) and all(_holds(top[0].text, e) for e in item["expect"])
    base_cited = bool(top) and target is not None and (top[0].org, top[0].year) == target
    return exact, cited, base_exact, base_cited, seconds


def qa_eval(corpus: Corpus, settings: Settings) -> tuple[dict[str, list], list[str]]:
    """kind -> [(exact, cited, baseline exact, baseline cited, seconds)], and the questions answered wrongly."""
    by_kind: dict[str, list] = {}
    wrong: list[str] = []
    for item in QUESTIONS["qa"]:
        result = qa_item(corpus, settings, item)
        by_kind.setdefault(item["kind"], []).append(result)
        if not result[0] or result[1] is False:
            wrong.append(f"[{item['kind']}] {item['question']} 期望 {'、'.join(item['expect']) or '没有找到'}")
    return by_kind, wrong


def _share(flags: list[bool]) -> str:
    return f"{sum(flags) / len(flags):.0%}" if flags else "—"


def print_qa(by_kind: dict[str, list], wrong: list[str]) -> None:
    total = sum(len(v) for v in by_kind.values())
    print(f"问答（{total} 个问题，答案与出处取自原报告；基线＝BM25 取第一个段落，答案须在段落中）")
    print(f"{'类型':<12}{'题数':>4}{'答对':>8}{'基线答对':>10}{'出处正确':>10}{'基线出处':>10}{'p50 ms':>9}")
    times = []
    for kind, results in by_kind.items():
        n = len(results)
        cited = [r[1] for r in results if r[1] is not None]
        base_cited = [r[3] for r in results if r[1] is not None]
        times += [r[4] for r in results]
        label = "没有答案(如实)" if kind == "none" else kind
        print(
            f"{label:<12}{n:>4}{sum(r[0] for r in results) / n:>9.0%}{sum(r[2] for r in results) / n:>10.0%}"
            f"{_share(cited):>10}{_share(base_cited):>10}"
            f"{statistics.median(r[4] for r in results) * 1000:>9.1f}"
        )
    answerable = [r for k, v in by_kind.items() if k != "none" for r in v]
    cited = [r for r in answerable if r[1] is not None]
    print(
        f"合计：可答问题答对 {sum(r[0] for r in answerable) / len(answerable):.1%}（基线 "
        f"{sum(r[2] for r in answerable) / len(answerable):.1%}），出处正确 {sum(r[1] for r in cited) / len(cited):.1%}"
        f"（基线 {sum(r[3] for r in cited) / len(cited):.1%}）；延迟 p50 {statistics.median(times) * 1000:.1f} ms，"
        f"p95 {np.percentile(times, 95) * 1000:.1f} ms"
    )
    for line in wrong:
        print(f"  未答对：{line}")


def ask_process_seconds(data_dir: Path, runs: int = 3, question: str = "平潭近三年新收申请的变化") -> float:
    """Wall time of `python -m assistant ask …` as a whole process, offline (median of runs)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["ASSISTANT_DATA_DIR"] = str(data_dir)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "assistant", "ask", question],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def embedder_rate(texts: list[str]) -> float:
    embedder = HashEmbeddings()
    start = time.perf_counter()
    embedder.embed_documents(texts)
    return len(texts) / (time.perf_counter() - start)


# ── scale: one child process per corpus size, so memory figures are its own ───────────────────


class ReusedEmbeddings(HashEmbeddings):
    """The hash embedder computing each distinct body once: a chunk's vector is its body's (cached) plus
    its header's ("合成机关00042 2019年报告 一、总体情况"), so copies under other orgs stay distinct."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: dict[str, np.ndarray] = {}

    def _cached(self, text: str) -> np.ndarray:
        if text not in self.cache:
            self.cache[text] = self.embed_one(text)
        return self.cache[text]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            header, _, body = text.partition("\n")
            vector = self._cached(body) + 0.3 * self._cached(header)
            out.append((vector / np.linalg.norm(vector)).tolist())
        return out


def reused_tokens(text: str) -> list[str]:
    """jieba tokens of header and body, each distinct line tokenised once."""
    return [t for line in text.split("\n") for t in _line_tokens(line)]


_line_tokens = lru_cache(maxsize=None)(corpus_module.tokens)


def scale_run(size: int, data_dir: Path) -> dict:
    full = size <= FULL_PATH_LIMIT
    if not full:  # the lighter path: tokens and vectors of the distinct real texts computed once
        corpus_module.tokens = reused_tokens
        corpus_module.make_embeddings = lambda settings: (ReusedEmbeddings(), HashEmbeddings().name)
    corpus, _, real = index_real(data_dir)
    rows = corpus.db.execute("SELECT text, org, year, template, section, part, source FROM chunks").fetchall()
    by_source: dict[str, list[tuple]] = {}
    for row in rows:
        by_source.setdefault(row[6], []).append(row)
    reports = list(by_source.values())
    start, added, copy, batch = time.perf_counter(), 0, 0, []
    while real + added < size:
        template = reports[copy % len(reports)]
        org, year = f"合成机关{copy:05d}", 2015 + copy % 11
        batch += [
            Chunk(text.replace(o, org) if full else text, org, year, t, s, p, f"synthetic/{copy}")
            for text, o, _, t, s, p, _ in template[: size - real - added]
        ]
        added += min(len(template), size - real - added)
        copy += 1
        if len(batch) >= corpus_module.ADD_BATCH or real + added >= size:
            corpus.add_chunks(batch)
            batch = []
    build = time.perf_counter() - start
    rate = added / build if added else 0.0
    ask_s = ask_process_seconds(data_dir, runs=3, question="平潭2020年问政平潭栏目开展了几期")
    sizes = {"chunks": real + added, "path": "full" if full else "reused", "chunks_per_s": rate}
    return sizes | {"ask_process_s": ask_s} | lexical_run(corpus) | memory()


def lexical_run(corpus: Corpus) -> dict:
    """The persistent index against the in-memory baseline on the same stored tokens and questions: build rate,
    query latency (scoped as `ask` filters, and unscoped), recall@5 of the real questions; then the hybrid."""
    rows = corpus.db.execute("SELECT id, org, year, section, tokens FROM chunks ORDER BY rowid").fetchall()
    start = time.perf_counter()
    baseline = MemoryBM25(rows)
    memory_build = time.perf_counter() - start
    start = time.perf_counter()
    corpus._lexicon.rebuild(rows)
    corpus.db.commit()
    fts_build = time.perf_counter() - start
    out = {"memory_build_per_s": len(rows) / memory_build, "fts_build_per_s": len(rows) / fts_build}
    for method in (BASELINE, "bm25", "hybrid"):
        scoped, unscoped, hits = [], [], 0
        for item in QUESTIONS["retrieval"]:
            sc = scope(item["question"], corpus)
            org = sc.orgs[0] if len(sc.orgs) == 1 else None
            t0 = time.perf_counter()
            found = _ranked(corpus, baseline, method, sc.topic, org, sc.years or None)
            scoped.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _ranked(corpus, baseline, method, item["question"], None, None)
            unscoped.append(time.perf_counter() - t0)
            hits += any(_hit(h, _target(corpus, item["file"]), item) for h in found)
        out[method] = {
            "scoped_ms": [float(np.percentile(scoped, q)) * 1000 for q in (50, 95)],
            "unscoped_ms": [float(np.percentile(unscoped, q)) * 1000 for q in (50, 95)],
            "recall5": hits / len(QUESTIONS["retrieval"]),
        }
    return out


def memory() -> dict:
    status = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("Vm")
    )
    return {
        "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
        "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024,
    }


def run_scale_child(size: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--data", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1000,10000,100000")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(scale_run(args.child, Path(args.data))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        corpus, seconds, chunks = index_real(settings.data_dir)
        texts = [t for (t,) in corpus.db.execute("SELECT text FROM chunks")]
        print(f"语料：{len(FILES)} 个真实报告文件，{chunks} 个段落；完整索引（解析+分词+向量+入库）{seconds:.2f} 秒")
        print(f"离线向量模型（hash）速度：{embedder_rate(texts):.0f} 段/秒\n")
        n = len(QUESTIONS["retrieval"])
        print(f"检索召回（{n} 个问题，每题指定报告与章节/部分）")
        print(f"{'方法':<8}{'限定机关年度 R@1':>16}{'R@5':>8}{'不限定 R@1':>14}{'R@5':>8}")
        for method, modes in recall(corpus, load_baseline(corpus)).items():
            (s1, s5), (u1, u5) = modes["scoped"], modes["unscoped"]
            print(f"{method:<10}{s1:>14.3f}{s5:>10.3f}{u1:>14.3f}{u5:>8.3f}")
        print()
        print_qa(*qa_eval(corpus, settings))
        print(f"离线 ask 整个进程耗时（中位数）：{ask_process_seconds(settings.data_dir):.2f} 秒\n")
    print("规模测试（每个规模一个子进程；100k 为复用向量的轻量路径）。词法索引：基线＝旧的内存 BM25，FTS5＝持久索引")
    for size in (int(s) for s in args.scales.split(",") if s):
        print_scale(run_scale_child(size))


def print_scale(r: dict) -> None:
    print(
        f"{r['chunks']} 段（{r['path']}）：入库 {r['chunks_per_s']:.0f} 段/秒；"
        f"词法索引建立 基线 {r['memory_build_per_s']:.0f} 段/秒"
        f"，FTS5 {r['fts_build_per_s']:.0f} 段/秒（{r['fts_build_per_s'] / r['memory_build_per_s']:.1f} 倍）；"
        f"整个 ask 进程 {r['ask_process_s']:.2f} 秒；RSS {r['rss_mb']:.0f} MB，峰值 {r['peak_rss_mb']:.0f} MB"
    )
    for method, label in ((BASELINE, "基线内存BM25"), ("bm25", "FTS5"), ("hybrid", "混合")):
        m = r[method]
        print(
            f"    {label:<10} 限定 p50/p95 {m['scoped_ms'][0]:7.1f}/{m['scoped_ms'][1]:7.1f} ms  "
            f"不限定 p50/p95 {m['unscoped_ms'][0]:7.1f}/{m['unscoped_ms'][1]:7.1f} ms  R@5（限定）{m['recall5']:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
