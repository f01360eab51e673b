"""Drafting benchmark: offline `draft` start-to-finish time, and draft quality on notes from real reports.

Run: `python benchmarks/bench_drafting.py` from the project root. Prints numbers; asserts nothing.
Notes are derived from real reports (each sentence of 总体情况's parts and of 五/六 becomes a bullet
under its part's heading; the tables are the report's own), so the draft can be scored against them:
- facts: share of the notes' quantities ("10407条") found verbatim in the draft;
- invented: numbers in the draft found in neither the notes nor the tables;
- parts: required sections and 总体情况 parts present and not placeholders;
- copy: mean, over drafted sentences, of the highest similarity to a sentence of the prior year's
  report (gate.similarity), and the number of D-COPY warnings.
With an LLM configured (OPENAI_API_KEY / OPENAI_BASE_URL) the same cases also run through the chain.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.drafting import draft  # noqa: E402
from assistant.drafting.pipeline import allowed_numbers  # noqa: E402
from assistant.drafting.gate import similarity  # noqa: E402
from assistant.labels import PARTS, SECTIONS  # noqa: E402
from assistant.parser import parse_file  # noqa: E402
from assistant.report import Report  # noqa: E402
from assistant.settings import Settings, load_settings  # noqa: E402
from assistant.textnums import numbers_in, quantities, sentences, unwrap  # noqa: E402

REPORTS = ROOT / "corpus"  # the bundled corpus: the published reports
HAND_NOTES = ROOT / "tests" / "data" / "notes-pingtan-2024.md"
HAND_TABLES = ROOT / "tests" / "data" / "tables-pingtan-2024.json"
# (report the notes are derived from, last year's report or None)
CASES = (
    ("pingtan-2022.txt", "pingtan-2021.txt"),
    ("pingtan-2023.txt", "pingtan-2022.txt"),
    ("pingtan-2024.txt", "pingtan-2023.txt"),
    ("pingtan-2025.txt", "pingtan-2024.txt"),
    ("huaian-shi-2024.pdf", None),
)
RUNS = 3
_PART_LEAD = re.compile(r"^[（(][一二三四五][)）](?:[^。，,]{0,14}?(?:方面|情况)[。.]?|[^。，,]{0,16}[。.]?$)")


def notes_from(report: Report) -> str:
    """Bullet notes carrying every sentence of the report's narrative, under its part's heading."""
    lines = [f"机关：{report.org}", f"年度：{report.year}"]
    blocks = [(label, report.parts.get(label, "")) for label in (p.text for p in PARTS)]
    blocks += [(s.text, report.sections.get(s.text, "")) for s in SECTIONS[4:]]
    for heading, text in blocks:
        lines.append(f"## {heading}")
        bullets = (_PART_LEAD.sub("", s) for s in sentences("".join(unwrap(text).split())))
        lines += [f"- {b}" for b in bullets if len(b) > 4]
    return "\n".join(lines)


def process_seconds(args: list[str]) -> float:
    """Median wall time of a fresh interpreter running `args`, with no LLM and no corpus."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ASSISTANT_DATA_DIR": tmp}
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(args, cwd=tmp, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def score(notes: str, report: Report, tables: Report, prior: Report | None) -> dict[str, object]:
    text = report.text
    facts = [q.text for q in quantities(notes)]
    present = sum(f in text for f in facts)
    invented = numbers_in(text) - allowed_numbers(notes, tables, report.year or 0)
    required = [report.sections.get(s.text, "") for s in SECTIONS] + [report.parts.get(p.text, "") for p in PARTS]
    parts_ok = sum(bool(t) and "请补充" not in t for t in required)  # a placeholder is not a written part
    copy = 0.0
    if prior is not None:
        old = [s for s in sentences(prior.text) if len(s) >= 20]
        new = [s for s in sentences(text) if len(s) >= 20]
        copy = statistics.mean(max(similarity(s, o) for o in old) for s in new) if new and old else 0.0
    return {
        "facts": f"{present}/{len(facts)}",
        "invented": len(invented),
        "parts": f"{parts_ok}/{len(required)}",
        "copy": f"{copy:.2f}",
    }


def quality(settings: Settings, label: str) -> None:
    print(f"\n## 起草质量（{label}）")
    print("case | facts | invented | parts | copy(mean max sim) | D-COPY | ok | notices | seconds")
    for name, prior_name in CASES:
        source = parse_file(REPORTS / name)
        prior = parse_file(REPORTS / prior_name) if prior_name else None
        notes = notes_from(source)
        start = time.perf_counter()
        result = draft(notes, tables=source, prior=prior, settings=settings)
        seconds = time.perf_counter() - start
        s = score(notes, result.report, source, prior)
        copies = sum(f.rule == "D-COPY" for f in result.findings)
        print(
            f"{name} | {s['facts']} | {s['invented']} | {s['parts']} | {s['copy']} | {copies} | "
            f"{result.ok} | {len(result.notices)} | {seconds:.2f}"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "draft.docx")
        bare = process_seconds([sys.executable, "-c", "pass"])
        cli = [sys.executable, "-m", "assistant", "draft", str(HAND_NOTES), "--tables", str(HAND_TABLES), "-o", out]
        whole = process_seconds(cli)
    print(f"## 离线 draft 整个进程耗时（中位数，{RUNS} 次）")
    print(f"bare interpreter: {bare:.2f} s; draft → .docx: {whole:.2f} s (target ≤ 2 s)")
    quality(Settings(), "离线引擎")
    settings = load_settings()
    if settings.llm_enabled:
        quality(settings, f"大模型 {settings.llm_model}")
    else:
        print("\n（未配置大模型，跳过 LLM 路径）")


if __name__ == "__main__":
    main()
