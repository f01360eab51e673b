"""Command-line entry point: `python -m assistant COMMAND`. Thin: argument parsing and printing only.

Heavy libraries (chromadb, langchain, gradio) are imported inside the commands that need them, so
`parse` and `check` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    CorpusError,
    InputError,
    UserError,
    internal_message,
    log_internal,
)
from .report import Finding, Report
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from .drafting import NotesIncomplete

LOG_FILE = "nianbao.log"
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
    unknown = "（未识别）"
    print(f"标题：{report.title or unknown}\n机关：{report.org or unknown}\n年度：{report.year or unknown}")
    print(f"格式：{report.template} 年版")
    for heading, text in report.sections.items():
        print(f"\n{heading}（{len(text)} 字）")
    print(f"\n表二 {len(report.table2)} 行，表三 {len(report.table3)} 行，表四 {len(report.table4)} 个数")
    for f in report.parse_findings:
        print(f"{SEVERITY_ZH[f.severity]} {f.rule} {f.message}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .checks import check

    if _is_batch(args):
        return _check_batch(args)
    report = _load(args.files[0])
    prior = _load(args.prior) if args.prior else None
    if prior is None and report.org and report.year:
        # last year's report of the same body from the corpus, when the data folder holds one
        corpus = _open_corpus(load_settings())
        prior = corpus.get_report(report.org, report.year - 1) if corpus else None  # type: ignore[attr-defined]
    findings = check(report, prior, every_cell=args.json)
    ok = not any(f.severity == "error" for f in findings)
    if args.json:
        _dump({"ok": ok, "findings": [f.model_dump() for f in findings]})
    else:
        print(format_findings(findings, args.files[0]))
    return EXIT_OK if ok else EXIT_FINDINGS


def _is_batch(args: argparse.Namespace) -> bool:
    """Several files, a folder, a .zip or a --report: review as a batch, each report against last year's."""
    first = Path(args.files[0])
    return len(args.files) > 1 or bool(args.report) or first.is_dir() or first.suffix.lower() == ".zip"


def _check_batch(args: argparse.Namespace) -> int:
    """Exit 1 when any report has errors, else 2 when a file could not be read, else 0."""
    from .review import main_problem, review
    from .review_export import write_report

    if args.prior:
        raise InputError("批量审查时每份报告自动与同一机关的上一年度报告比对，不能再用 --prior")
    out = output_path(args.report, (".xlsx", ".html"), ".xlsx 或 .html") if args.report else None
    corpus = _open_corpus(load_settings())
    results = _with_progress(lambda progress: review(args.files, corpus=corpus, progress=progress), "审查")
    if args.json:
        _dump([result.to_json() for result in results])
    else:
        for r in results:
            head = f"{r.report.org}{r.report.year or ''}年" if r.report else "无法读取"
            counts = f"错误 {r.errors}，警告 {r.warnings}；" if r.report else ""
            print(f"{r.source.name}：{head}，{counts}{main_problem(r)}")
        print(f"共 {len(results)} 个文件，{sum(r.errors > 0 for r in results)} 份有错误。")
    if out is not None:
        print(f"已写入审查结果：{write_report(results, out)}")
    if any(r.errors for r in results):
        return EXIT_FINDINGS
    return EXIT_USAGE if any(r.error for r in results) else EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare, summary_lines, write_comparison

    out = output_path(args.output, (".html", ".docx"), ".html 或 .docx") if args.output else None
    comparison = compare(_load(args.old), _load(args.new))
    if args.json:
        _dump(comparison.to_json())
    else:
        print("\n".join(summary_lines(comparison)))
    if out is not None:
        print(f"已写入对比结果：{write_comparison(comparison, out)}")
    return EXIT_OK


def _open_corpus(settings: Settings) -> object | None:
    """The corpus when one exists (a Chroma URL or an indexed data folder) and can be opened; drafting does
    without it, with a notice, when it cannot. Opening imports chromadb."""
    if not (settings.chroma_url or (settings.data_dir / "corpus.sqlite3").is_file()):
        return None
    from .corpus import Corpus

    try:
        corpus = Corpus(settings)
    except CorpusError as exc:
        print(f"提示：语料库不可用，起草时不参考往年报告。{exc}", file=sys.stderr)
        return None
    _notify(corpus.notices)
    return corpus


def _notify(notices: list[str]) -> None:
    for notice in notices:
        print(f"提示：{notice}", file=sys.stderr)


def output_path(raw: str, suffixes: tuple[str, ...], kinds: str) -> Path:
    """The file a command is to write, checked before any work: its suffix, and that neither it nor its
    folder is in the way (a folder named like the file, a file named like the folder)."""
    out = Path(raw)
    if out.suffix.lower() not in suffixes or raw.endswith(("/", os.sep)):
        raise InputError(f"输出文件须为 {kinds}：{raw}")
    if out.is_dir():
        raise InputError(f"输出路径 {out} 是一个文件夹，请给出文件名，例如 {out / ('报告' + suffixes[0])}")
    if out.exists() and not out.is_file():
        raise InputError(f"输出路径 {out} 不是普通文件（设备或管道），无法写入")
    folder = next((p for p in out.parents if p.exists()), Path("."))
    if not folder.is_dir():
        raise InputError(f"无法写入 {out}：{folder} 是文件而不是文件夹")
    return out


def _ask_missing(exc: NotesIncomplete, org: str | None, year: int | None) -> tuple[str | None, int | None]:
    """Ask at the terminal, in Chinese, for the body and year the notes do not give."""
    for key, question in exc.questions.items():
        answer = input(question + "\n> ").strip()
        if not answer:
            raise exc
        if key == "org":
            org = answer
        elif not answer.removesuffix("年").isdigit():
            raise InputError(f"年度须为四位数字（如 2024）：{answer}")
        else:
            year = int(answer.removesuffix("年"))
    return org, year


def cmd_draft(args: argparse.Namespace) -> int:
    from .drafting import NotesIncomplete, draft
    from .drafting.pipeline import ENGINE_NAMES
    from .export import to_docx, to_markdown
    from .readers import read_file
    from .spreadsheet import load_tables

    out = output_path(args.output, (".docx", ".md"), ".docx 或 .md")
    settings = load_settings()
    notes = read_file(args.notes).text
    tables = load_tables(args.tables) if args.tables else None
    prior = _load(args.prior) if args.prior else None
    corpus = _open_corpus(settings) if prior is None or settings.llm_enabled else None
    org, year = args.org, args.year
    while True:
        try:
            result = draft(
                notes,
                org=org,
                year=year,
                tables=tables,
                prior=prior,
                corpus=corpus,
                settings=settings,
                on_progress=lambda msg: print(msg, file=sys.stderr),
            )
            break
        except NotesIncomplete as exc:
            if not sys.stdin.isatty():
                raise
            org, year = _ask_missing(exc, org, year)
    status = None if result.ok else "未通过校验"
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".docx":
        to_docx(result.report, out, findings=result.findings, status=status)
    else:
        out.write_text(to_markdown(result.report, findings=result.findings, status=status), encoding="utf-8")
    for notice in result.notices:
        print(f"提示：{notice}", file=sys.stderr)
    kind = "最终稿" if result.ok else "草稿（未通过校验）"
    print(f"已写入{kind}：{out}（{result.engine_label}起草）")
    if result.engine != "offline":
        print("各部分起草引擎：" + "；".join(f"{n} {ENGINE_NAMES[e]}" for n, e in result.engines.items()))
    print(format_findings(result.findings, str(out)))
    return EXIT_OK if result.ok else EXIT_FINDINGS


def cmd_tables_template(args: argparse.Namespace) -> int:
    from .spreadsheet import write_template

    out = output_path(args.output, (".xlsx",), ".xlsx（Excel/WPS 表格）")
    path = write_template(out, template=args.template)
    print(f"已生成 {args.template} 年版统计表模板：{path}（黄色单元格填写数字，合计自动计算）")
    return EXIT_OK


def _with_progress(run: Callable[[Callable[[int, int, str], None]], Any], desc: str = "索引") -> Any:
    """A long run with a progress bar on stderr; what it returns (an index summary's skipped files are listed)."""
    from tqdm import tqdm

    with tqdm(desc=desc, unit="份", file=sys.stderr) as bar:

        def progress(done: int, total: int, name: str) -> None:
            bar.total = total
            bar.set_postfix_str(name)
            bar.update(done - bar.n)

        result = run(progress)
    for source, reason in getattr(result, "failed", ()):
        print(f"已跳过 {source}：{reason}", file=sys.stderr)
    return result


def _index(corpus: Any, paths: list[str | Path]) -> Any:
    """corpus.index with progress; no paths means the bundled reports."""
    from .resources import bundled_corpus

    return _with_progress(lambda progress: corpus.index(paths or [bundled_corpus()], progress))


def cmd_index(args: argparse.Namespace) -> int:
    from .corpus import Corpus

    settings = load_settings()
    if args.rebuild:
        summary = _with_progress(lambda progress: Corpus.rebuild(settings, args.paths, progress)[1])
        print(f"已从保存的报告文件重建语料库。{summary.describe()}")
    else:
        corpus = Corpus(settings)
        _notify(corpus.notices)
        summary = _index(corpus, args.paths)
        print(summary.describe())
    for line in summary.details(name=str):
        print(line, file=sys.stderr)
    return EXIT_USAGE if summary.failed else EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from .ask import Context, ask
    from .corpus import Corpus

    settings = load_settings()
    # a data folder never indexed (and no shared server): answer from the bundled reports, as the web app does
    first_use = not (settings.chroma_url or (settings.data_dir / "corpus.sqlite3").is_file())
    corpus = Corpus(settings, lazy=True)  # a figure is read from the tables: no vector store to open
    if first_use:
        print("首次使用：正在为随附的往年报告建立索引……", file=sys.stderr)
        _index(corpus, [])
    answer = ask(args.question, corpus, settings, context=Context(year=args.year))
    _notify(corpus.notices)  # what opening the store found and repaired, when the question needed it
    if args.json:
        _dump(answer.to_json())
        return EXIT_OK
    for notice in answer.notices:
        print(f"提示：{notice}", file=sys.stderr)
    print(answer.answer)
    for c in answer.citations:
        print(f"  出处：{c.where()}（{c.source}）：{c.quote}")
    return EXIT_OK


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "parse": (cmd_parse, "解析一份年度报告，输出结构化内容"),
    "check": (cmd_check, "校验年度报告的统计表和正文数字；给出多个文件、文件夹或 .zip 时批量审查"),
    "compare": (cmd_compare, "把本年报告与上一年度报告对比：数字变化、结转、照搬的句子、不再提到的工作"),
    "draft": (cmd_draft, "根据工作要点和统计表起草年度报告并校验"),
    "tables-template": (cmd_tables_template, "生成表二、表三、表四的 Excel 填报模板（用于 draft --tables）"),
    "index": (cmd_index, "把往年报告（文件或文件夹）加入语料库，增量更新"),
    "ask": (cmd_ask, "就往年报告提问，回答附出处"),
}


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose error messages are in Chinese: the users read the terminal in Chinese."""

    MESSAGES = (
        ("the following arguments are required", "缺少必需的参数"),
        ("invalid choice", "无效的选项"),
        ("choose from", "可选"),
        ("unrecognized arguments", "无法识别的参数"),
        ("expected one argument", "需要一个参数值"),
        ("invalid int value", "应为整数"),
    )

    def error(self, message: str) -> NoReturn:
        for english, chinese in self.MESSAGES:
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"参数有误：{message}（用 -h 查看帮助）\n")


def build_parser() -> argparse.ArgumentParser:
    ap = ArgumentParser(prog="python -m assistant", description="年报助手：政府信息公开工作年度报告")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help=COMMANDS["parse"][1])
    p.add_argument("file", help="报告文件（.pdf/.docx/.html/.txt/.md）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    c = sub.add_parser("check", help=COMMANDS["check"][1])
    c.add_argument("files", nargs="+", metavar="FILE", help="报告文件（.pdf/.docx/.html/.txt/.md）、文件夹或 .zip")
    c.add_argument("--prior", help="上一年度的报告，用于跨年度核对（只查一份报告时）")
    c.add_argument("--report", metavar="OUT", help="批量审查结果写入 .xlsx 工作簿或 .html 网页")
    c.add_argument("--json", action="store_true", help="以 JSON 输出")
    m = sub.add_parser("compare", help=COMMANDS["compare"][1])
    m.add_argument("old", help="上一年度的报告")
    m.add_argument("new", help="本年度的报告")
    m.add_argument("--json", action="store_true", help="以 JSON 输出")
    m.add_argument("-o", "--output", help="对比结果写入 .html 或 .docx")
    d = sub.add_parser("draft", help=COMMANDS["draft"][1])
    d.add_argument("notes", help="工作要点文件（.md/.txt/.docx）")
    d.add_argument("--tables", help="统计表（本工具生成的 .xlsx 模板，或 parse --json 的 .json）")
    d.add_argument("--prior", help="上一年度的报告；不指定时从语料库查找")
    d.add_argument("--org", help="机关名称（要点中未写明时必填）")
    d.add_argument("--year", type=int, help="报告年度（要点中未写明时必填）")
    d.add_argument("-o", "--output", required=True, help="输出文件（.docx 或 .md）")
    t = sub.add_parser("tables-template", help=COMMANDS["tables-template"][1])
    t.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
    t.add_argument("--template", choices=("2019", "2021"), default="2021", help="年报格式版本（默认 2021）")
    i = sub.add_parser("index", help=COMMANDS["index"][1])
    i.add_argument("paths", nargs="*", help="报告文件或文件夹（默认：随附的往年报告）")
    i.add_argument(
        "--rebuild",
        action="store_true",
        help="语料库损坏或向量库丢失时，从保存的报告文件（及给出的文件）重建向量和表格",
    )
    a = sub.add_parser("ask", help=COMMANDS["ask"][1])
    a.add_argument("question", help="问题，例如“平潭2022年新收了多少申请？”")
    a.add_argument("--json", action="store_true", help="以 JSON 输出")
    a.add_argument("--year", type=int, help="“今年”指哪一年（如正在起草 2023 年报告时为 2023），默认语料库中最新的年度")
    return ap


def headline(exc: UserError) -> str:
    """The error's message led by its kind ("无法读取：…"), unless the message already starts with it."""
    message = str(exc)
    return message if message.startswith(exc.kind) else f"{exc.kind}：{message}"


def main(argv: list[str] | None = None) -> int:
    """Run one command. Every user error is reported here, in one place, with its exit code; anything else is
    a bug: its traceback goes to the log in the data folder and the user is told where (exit code 3)."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command][0](args)
    except BrokenPipeError:  # the reader of our output went away (`parse FILE | head`): nothing left to say
        _silence_stdout()
        return EXIT_OK
    except UserError as exc:
        print(headline(exc), file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug of ours, whatever it is; KeyboardInterrupt still stops the program
        print(internal_message(exc, log_internal(exc, _data_dir(), LOG_FILE)), file=sys.stderr)
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit does not raise BrokenPipeError again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _data_dir() -> Path | None:
    """The data folder for the log; None (a temp folder) when the settings themselves cannot be read."""
    try:
        return load_settings().data_dir
    except ValueError:  # a malformed number in the environment
        return None
