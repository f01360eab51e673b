"""Questions are cut into the same words whether jieba's dictionary is loaded or read from the data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jieba
import pytest

from assistant import words
from assistant.corpus import Corpus
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [q["question"] for q in json.loads((ROOT / "benchmarks" / "questions.json").read_text("utf-8"))["qa"]]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> jieba.Tokenizer:
    folder = tmp_path_factory.mktemp("words")
    words.build(folder)
    tokenizer = words.table_tokenizer(folder)
    assert tokenizer is not None and not tokenizer.FREQ.seen  # nothing read yet: words come as they are needed
    return tokenizer


def test_the_table_cuts_every_question_and_a_report_as_jieba_does(table: jieba.Tokenizer, reports: Path) -> None:
    text = (reports / "pingtan-2022.txt").read_text(encoding="utf-8")
    pieces = [text[i : i + 120] for i in range(0, 6000, 120)]
    samples = [*QUESTIONS, "被老百姓告上法庭几次", "信息处理费收费金额", *pieces]
    assert len(samples) > 100
    for sample in samples:
        assert table.lcut(sample) == jieba.lcut(sample), sample


def test_a_question_in_a_new_process_does_not_load_the_dictionary(tmp_path: Path, reports: Path) -> None:
    data = tmp_path / "data"
    Corpus(Settings(data_dir=data)).index([reports])
    assert (data / words.WORDS_FILE).is_file()
    probe = (
        "import jieba\nfrom pathlib import Path\n"
        "from assistant.ask import ask\nfrom assistant.corpus import Corpus\nfrom assistant.settings import Settings\n"
        f"s = Settings(data_dir=Path({str(data)!r}))\nc = Corpus(s, lazy=True)\n"
        "a = ask('平潭2020年问政平潭栏目开展了几期', c, s)\n"
        "print(jieba.dt.initialized, c._chroma is not None, a.answer[:40])\n"
    )
    env = {**os.environ, "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    loaded, opened, answer = out.stdout.split(" ", 2)
    # a passage, found with both halves of the search: neither jieba's dictionary nor the vector index was loaded
    assert (loaded, opened) == ("False", "False") and answer.startswith("6期")


def test_a_missing_or_stale_table_falls_back_to_jieba(tmp_path: Path) -> None:
    words.build(tmp_path)
    path = tmp_path / words.WORDS_FILE
    with words._open(path) as db:  # type: ignore[union-attr]
        assert db.execute("SELECT count(*) FROM words").fetchone()[0] > 400_000
    path.write_bytes(b"not a database")
    assert words._open(path) is None
    words.build(tmp_path)  # written again
    assert words._open(path) is not None
