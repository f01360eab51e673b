"""README's 命令行 table is the CLI's user documentation: it must name every command, no other, with its exit codes."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys

import pytest

from assistant import cli

from .conftest import ROOT

# What each command can return, read from cli.py: every command also exits 2 on wrong arguments (argparse) and on
# an unreadable file (cli.main), so 2 is in every set.
EXIT_CODES = {
    "parse": {0, 2},
    "check": {0, 1, 2},
    "index": {0, 2},
    "ask": {0, 2},
    "draft": {0, 1, 2},
    "tables-template": {0, 2},
    "compare": {0, 2},
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def readme_commands() -> dict[str, set[int]]:
    """Command name → exit codes of the rows of README's 命令行 table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## 命令行", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table = {}
    for row in rows:
        command, _, codes = (cell.strip() for cell in row.strip("|").split("|"))
        name = command.strip("`").split()[0]
        found = {int(code) for code in re.findall(r"(?<![\d.])\d(?![\d.])", codes)}
        table[name] = table.get(name, set()) | found  # a command may have a row per form (check: one, a batch)
    return table


def parser_commands() -> set[str]:
    [sub] = [a for a in cli.build_parser()._actions if a.__class__.__name__ == "_SubParsersAction"]
    return set(sub.choices)


def test_readme_table_lists_exactly_the_parsers_commands():
    assert set(readme_commands()) == parser_commands() == set(cli.COMMANDS) == set(EXIT_CODES)


def test_readme_exit_codes_are_the_ones_each_command_can_return():
    assert readme_commands() == EXIT_CODES


@pytest.mark.parametrize("command", sorted(EXIT_CODES))
def test_exit_codes_named_in_a_command_are_listed(command):
    """The EXIT_* constants a command's function returns are among the codes listed for it."""
    source = inspect.getsource(cli.COMMANDS[command][0])
    names = {
        node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name) and node.id.startswith("EXIT_")
    }
    assert {getattr(cli, name) for name in names} <= EXIT_CODES[command]


@pytest.mark.parametrize("command", sorted(EXIT_CODES))
def test_each_command_prints_chinese_help(command):
    run = subprocess.run(
        [sys.executable, "-m", "assistant", command, "-h"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    usage, _, rest = run.stdout.partition("\n\n")
    assert usage.startswith(f"usage: python -m assistant {command}")
    assert CJK.search(rest), run.stdout  # the description and every argument's help are in Chinese
