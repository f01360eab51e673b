"""Command-line entry point: `python -m assistant COMMAND`. Thin: argument parsing and printing only.

Heavy libraries (chromadb, langchain, gradio) are imported inside the commands that need them, so
`parse` and `check` start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .readers import UnreadableError
from .report import Finding, Report

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def _dump(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _load(path: str) -> Report:
    from .parser import parse_file

    return parse_file(Path(path))


def format_findings(findings: list[Finding], source: str) -> str:
    """Linter-style lines: `file: 错误 T3-BALANCE 表三「自然人」列：…`, then a one-line summary."""
    lines = [f"{source}: {SEVERITY_ZH[f.severity]} {f.rule} {f.message}" for f in findings]
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    lines.append(f"共 {errors} 个错误，{warnings} 个警告。" if findings else "未发现问题。")
    return "\n".join(lines)


def cmd_parse(args: argparse.Namespace) -> int:
    report = _load(args.file)
    if args.json:
        _dump(report.to_json())
        return EXIT_OK
    print(f"标题：{report.title}\n机关：{report.org}\n年度：{report.year}\n格式：{report.template} 年版")
    for heading, text in report.sections.items():
        print(f"\n{heading}（{len(text)} 字）")
    print(f"\n表二 {len(report.table2)} 行，表三 {len(report.table3)} 行，表四 {len(report.table4)} 个数")
    for f in report.parse_findings:
        print(f"{SEVERITY_ZH[f.severity]} {f.rule} {f.message}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .checks import check

    report = _load(args.file)
    prior = _load(args.prior) if args.prior else None
    findings = check(report, prior)
    ok = not any(f.severity == "error" for f in findings)
    if args.json:
        _dump({"ok": ok, "findings": [f.model_dump() for f in findings]})
    else:
        print(format_findings(findings, args.file))
    return EXIT_OK if ok else EXIT_FINDINGS


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "parse": (cmd_parse, "解析一份年度报告，输出结构化内容"),
    "check": (cmd_check, "校验年度报告的统计表和正文数字"),
}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m assistant", description="年报助手：政府信息公开工作年度报告")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help=COMMANDS["parse"][1])
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    c = sub.add_parser("check", help=COMMANDS["check"][1])
    c.add_argument("file")
    c.add_argument("--prior", help="上一年度的报告，用于跨年度核对")
    c.add_argument("--json", action="store_true")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command][0](args)
    except UnreadableError as exc:
        print(f"无法读取：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
