"""The built wheel stands alone: installed into a fresh venv and run from a folder outside the repository, the
CLI finds its prompts and its bundled corpus inside the installed package.

To stay fast the fresh venv borrows the project venv's third-party packages through a .pth line, while the wheel is
installed (--no-deps) into the fresh venv's own site-packages, so its copy of `assistant` is the one imported.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from assistant.resources import bundled_corpus, prompts_dir

from .conftest import DATA, ROOT
from .fake_openai import FakeOpenAI, Reply

SHIPPED = ("pyproject.toml", "README.md", "assistant", "prompts", "corpus")


def test_editable_install_reads_the_repository_folders(reports: Path):
    assert bundled_corpus() == reports == ROOT / "corpus"
    assert prompts_dir() == ROOT / "prompts"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of what the project ships (so the build leaves nothing in the checkout)."""
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SHIPPED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=skip)
        else:
            shutil.copy2(path, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(out), str(src)], check=True, capture_output=True)
    [built] = out.glob("nianbao_assistant-*.whl")
    return built


def test_wheel_holds_every_subpackage_the_prompts_and_the_reports(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "assistant").rglob("__init__.py")}
    assert {f"{package}/__init__.py" for package in packages} <= names  # pyproject's package list is complete
    assert {f"assistant/prompts/{p.name}" for p in (ROOT / "prompts").glob("*.md")} <= names
    reports = {p.name for p in (ROOT / "corpus").iterdir() if p.suffix in (".txt", ".pdf", ".html")}
    assert {n.removeprefix("assistant/corpus_data/") for n in names if n.startswith("assistant/corpus_data/")} == {
        *reports,
        "__init__.py",
    }


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed in it and the project venv's dependencies borrowed."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(own) / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "--python", str(python)]
    subprocess.run([*pip, "install", "--no-deps", str(wheel)], check=True, capture_output=True)
    return venv


def run(venv: Path, cwd: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(cwd),
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        **(env or {}),
    }
    return subprocess.run(argv, cwd=cwd, env=environ, capture_output=True, text=True, timeout=300, check=False)


def test_installed_wheel_runs_from_another_folder(venv: Path, reports: Path, tmp_path: Path):
    work = tmp_path / "elsewhere"  # no prompts/, corpus/ or data/ here: all must come from the package
    work.mkdir()
    probe = "import assistant, assistant.resources as r; print(assistant.__file__); print(r.prompts_dir())"
    where = run(venv, work, "python", "-c", probe).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where

    checked = run(venv, work, "nianbao", "check", str(reports / "pingtan-2020.txt"), "--json")
    assert checked.returncode == 1, checked.stderr
    assert "T3-RESULT-SUM" in {f["rule"] for f in json.loads(checked.stdout)["findings"]}

    # ask in a folder never indexed: the bundled reports of the installed package are indexed first
    asked = run(venv, work, "nianbao", "ask", "平潭2022年新收了多少申请？", "--json")
    assert asked.returncode == 0, asked.stderr
    assert "首次使用" in asked.stderr
    answer = json.loads(asked.stdout)
    assert "74 件" in answer["answer"]
    [source] = {c["source"] for c in answer["citations"]}
    assert Path(source).is_relative_to(venv) and Path(source).name == "pingtan-2022.txt"
    indexed = run(venv, work, "nianbao", "index")
    assert indexed.returncode == 0, indexed.stderr
    assert "未变跳过 9 份" in indexed.stdout and "重复未收录 1 份" in indexed.stdout
    assert re.search(r"pingtan-2024\.txt：与已收录的“\S*pingtan-2024\.html”是同一份报告", indexed.stderr)

    # draft with an (offline fake) LLM: the prompt files are read from the installed package and sent
    notes, tables, out = DATA / "notes-pingtan-2024.md", DATA / "tables-pingtan-2024.json", work / "out.docx"
    with FakeOpenAI([Reply("按要点开展工作", echo=True)]) as server:
        drafted = run(
            venv,
            work,
            *("nianbao", "draft", str(notes), "--tables", str(tables), "-o", out.name),
            env={"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test"},
        )
    assert drafted.returncode in (0, 1), drafted.stderr
    assert out.is_file() and out.stat().st_size > 0
    system = (ROOT / "prompts" / "system.md").read_text(encoding="utf-8")
    assert server.requests and all(r["messages"][0]["content"] == system for r in server.requests)
    with FakeOpenAI([Reply("平潭综合实验区2022年的主要问题见出处。")]) as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test"}
        asked = run(venv, work, "nianbao", "ask", "平潭2022年存在的主要问题是什么？", env=env)
    assert asked.returncode == 0, asked.stderr
    head = (ROOT / "prompts" / "ask.md").read_text(encoding="utf-8").split("{", 1)[0]
    assert [r["messages"][0]["content"][: len(head)] for r in server.requests] == [head]
