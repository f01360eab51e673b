"""Batch review throughput: reports per second for text and PDF, in one process and on all cores, and memory as the
batch grows. The baseline measured in the same run is the one-process rate.

Run: .venv/bin/python benchmarks/bench_batch.py [COUNT]
Targets (2-core machine): 100 text reports ≤ 10 s, 100 six-page PDFs ≤ 60 s, memory flat as the batch grows.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.review import review  # noqa: E402

TEXT = sorted((ROOT / "corpus").glob("pingtan-20*.txt"))
PDF = [ROOT / "corpus" / "huaian-shi-2024.pdf"]


def batch(files: list[Path], count: int, folder: Path) -> Path:
    """`count` copies of the files under distinct names (each a report to check)."""
    folder.mkdir(parents=True)
    for i in range(count):
        source = files[i % len(files)]
        shutil.copy(source, folder / f"{i:04d}-{source.name}")
    return folder


def peak_mb() -> float:
    """Peak resident memory of this process and of its finished workers, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run(folder: Path, workers: int) -> tuple[float, int]:
    start = time.perf_counter()
    results = review([folder], workers=workers)
    return time.perf_counter() - start, sum(r.report is not None for r in results)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        for kind, files in (("文本", TEXT), ("PDF（6 页）", PDF)):
            folder = batch(files, count, Path(tmp) / kind)
            one, read = run(folder, 1)
            many, _ = run(folder, cores)
            print(
                f"{kind} {count} 份：单进程 {one:.1f} s（{read / one:.1f} 份/s），"
                f"{cores} 进程 {many:.1f} s（{read / many:.1f} 份/s，为单进程的 {one / many:.2f} 倍）"
            )
        for n in (count // 4, count):
            folder = batch(TEXT, n, Path(tmp) / f"grow-{n}")
            run(folder, cores)
            print(f"文本 {n} 份后峰值内存 {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
