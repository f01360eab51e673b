"""Drafting benchmark: notes in four styles derived from real reports, and a model scripted to misbehave.

Run: `python benchmarks/bench_drafting.py` from the project root. Prints numbers; asserts nothing.
The notes in tests/data/notes/ (bullets, pasted paragraphs, .docx with Word headings, lists and a table,
sparse) were derived from the reports in corpus/, so tests/data/notes/truth.json knows in which part each
figure belongs. Each is drafted offline with the report's own tables and last year's report when there is one:
- facts: note figures found in the part or section they belong to (truth.json), of all;
- invented: numbers of the draft (digits or Chinese numerals) in neither the notes nor the tables;
- fragments: D-FRAGMENT findings (text that is not a sentence); repeated: sentences said twice;
- final: drafts the gate passes as 最终稿; conflict: notes refused because a figure contradicts the tables.
The scripted model (tests/fake_openai.MISBEHAVIOURS) runs against the hand-written notes: "caught" counts
misbehaviours whose draft shows the expected outcome, beside a baseline measured on the same misbehaving
texts: the digits-only guard drafting had before (a number added or lost).
Time: offline `draft` as a whole process (.docx out) against a bare interpreter, and in-process per draft.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.drafting import NotesError, draft  # noqa: E402
from assistant.drafting.guard import stated_numbers  # noqa: E402
from assistant.drafting.pipeline import allowed_numbers  # noqa: E402
from assistant.labels import PARTS  # noqa: E402
from assistant.parser import parse_file  # noqa: E402
from assistant.readers import read_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.spreadsheet import load_tables  # noqa: E402
from assistant.textnums import numbers_in, sentences  # noqa: E402
from tests.fake_openai import MISBEHAVIOURS, FakeOpenAI, script  # noqa: E402

REPORTS = ROOT / "corpus"
NOTES_DIR = ROOT / "tests" / "data" / "notes"
HAND_NOTES = ROOT / "tests" / "data" / "notes-pingtan-2024.md"
HAND_TABLES = ROOT / "tests" / "data" / "tables-pingtan-2024.json"
RUNS = 3
PART_NAMES = {p.text for p in PARTS}


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


def _prior(report_name: str):
    stem, year = report_name.rsplit("-", 1)[0], int(report_name.split("-")[-1][:4])
    path = next(REPORTS.glob(f"{stem}-{year - 1}.*"), None)
    return parse_file(path) if path else None


def quality() -> None:
    truth = json.loads((NOTES_DIR / "truth.json").read_text(encoding="utf-8"))
    print("\n## 要点起草质量（离线引擎，tests/data/notes/）")
    print("notes | style | facts in right part | invented | fragments | repeated | final | seconds")
    totals: Counter[str] = Counter()
    for name, case in truth.items():
        text = read_file(NOTES_DIR / name).text
        tables = parse_file(REPORTS / case["report"])
        start = time.perf_counter()
        try:
            result = draft(text, tables=tables, prior=_prior(case["report"]), settings=Settings())
        except NotesError as exc:
            print(f"{name} | {case['style']} | refused: {str(exc).splitlines()[0]}")
            totals["refused"] += 1
            continue
        seconds = time.perf_counter() - start
        report = result.report
        placed = sum(
            f["fact"] in (report.parts if f["where"] in PART_NAMES else report.sections).get(f["where"], "")
            for f in case["facts"]
        )
        invented = stated_numbers(report.text) - allowed_numbers(text, tables, report.year or 0)
        fragments = sum(f.rule == "D-FRAGMENT" for f in result.findings)
        said = Counter(s for s in sentences(report.text) if len(s) >= 8)
        repeated = sum(n - 1 for n in said.values() if n > 1)
        totals.update(facts=placed, all=len(case["facts"]), invented=len(invented), fragments=fragments)
        totals.update(repeated=repeated, final=result.ok, drafts=1)
        print(
            f"{name} | {case['style']} | {placed}/{len(case['facts'])} | {len(invented)} | {fragments} | "
            f"{repeated} | {result.ok} | {seconds:.3f}"
        )
    print(
        f"total | | {totals['facts']}/{totals['all']} | {totals['invented']} | {totals['fragments']} | "
        f"{totals['repeated']} | {totals['final']}/{totals['drafts']} (refused {totals['refused']}) |"
    )


def _caught(result, outcome: str) -> bool:
    first = result.engines.get(PARTS[0].text)
    if outcome == "fallback":
        return first == "offline" and bool(result.notices) and result.ok
    if outcome == "service":
        return result.engine == "offline" and bool(result.notices)
    return result.engine == "llm" and not result.notices and result.ok


def _digits_only_catches(name: str, notes: str, tables) -> bool:
    """Whether the old guard (numbers added or lost, digits only) would have rejected the misbehaving text."""
    replies, outcome = MISBEHAVIOURS[name]
    if outcome == "service":
        return True  # HTTP failures fell back before as well
    bullets = notes.split("## 依申请公开")[0].split("## 主动公开")[1]
    faithful = "；".join(line.removeprefix("- ") for line in bullets.strip().splitlines()) + "。"
    reply = replies[0] if outcome == "repaired" else replies[-1]  # what the old guard would finally have kept
    text = reply.text + (faithful if reply.echo else "")
    text = (reply.then(text) if reply.then else text) * reply.repeat
    allowed = numbers_in(notes) | allowed_numbers("", tables, 2024)
    return not text.strip() or bool(numbers_in(text) - allowed or numbers_in(faithful) - numbers_in(text))


def misbehaviours() -> None:
    notes = HAND_NOTES.read_text(encoding="utf-8")
    tables = load_tables(HAND_TABLES)
    print("\n## 大模型异常行为（脚本化的 OpenAI 兼容服务）")
    print("misbehaviour | expected | caught | digits-only guard (baseline) | seconds")
    caught = baseline = 0
    for name, (_, outcome) in MISBEHAVIOURS.items():
        timeout = 0.5 if name in ("timeout", "trickle past the deadline") else 5.0
        start = time.perf_counter()
        with FakeOpenAI(script(name)) as server:
            settings = Settings(openai_api_key="sk-bench", openai_base_url=server.base_url, llm_timeout=timeout)
            result = draft(notes, tables=tables, settings=settings)
        ok, old = _caught(result, outcome), _digits_only_catches(name, notes, tables)
        caught, baseline = caught + ok, baseline + old
        print(f"{name} | {outcome} | {ok} | {old} | {time.perf_counter() - start:.2f}")
    print(f"caught {caught}/{len(MISBEHAVIOURS)}; digits-only baseline {baseline}/{len(MISBEHAVIOURS)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "draft.docx")
        bare = process_seconds([sys.executable, "-c", "pass"])
        cli = [sys.executable, "-m", "assistant", "draft", str(HAND_NOTES), "--tables", str(HAND_TABLES), "-o", out]
        whole = process_seconds(cli)
    print(f"## 离线 draft 整个进程耗时（中位数，{RUNS} 次）")
    print(f"bare interpreter: {bare:.2f} s; draft → .docx: {whole:.2f} s (target ≤ 1 s)")
    quality()
    misbehaviours()


if __name__ == "__main__":
    main()
