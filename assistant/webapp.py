"""The gradio web app: six Chinese tabs and named API endpoints over the same layers the CLI uses.

Each browser keeps a session id in localStorage (gr.BrowserState, encrypted with a key kept in the data
folder); its draft is autosaved under that id by drafts.py, so a refresh or a server restart brings the
draft back and two users never share one. Handlers only translate between widgets and the Workspace.
"""

from __future__ import annotations

import functools
import html
import inspect
import queue
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from gradio import FileData

from .labels import (
    SECTIONS,
    T3_CARRIED,
    T3_CARRY_NEXT,
    T3_NEW,
    T3_TOTAL,
    T3_TOTAL_COLUMN,
    T4_GROUP_TOTALS,
    TEMPLATES,
    Template,
)
from .readers import MAX_BYTES
from .report import Finding, Report
from .settings import Settings
from .tables import TABLE_TITLES, Location, Tables, t3_cell, t4_cell
from .webapp_chat import HELP, NEEDS_LLM, route
from .webapp_settings import check_connection, key_status
from .webapp_tables import (
    T2_HEAD,
    T3_HEAD,
    T4_HEAD,
    from_frames,
    render_html,
    to_frames,
    totals_notice,
)
from .webapp_workspace import (
    BUNDLED_CORPUS,
    InputError,
    Workspace,
    findings_json,
    findings_markdown,
    summary_json,
)

NOTE_TYPES = [".txt", ".md", ".docx"]
TABLE_TYPES = [".xlsx", ".json"]
REPORT_TYPES = [".pdf", ".docx", ".html", ".htm", ".txt", ".md"]
# figures that can be charted across years: name -> the table cell holding it
_T4_TOTALS = dict(zip(("行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉"), T4_GROUP_TOTALS, strict=True))
METRICS: dict[str, Location] = {
    "本年新收申请数（总计）": t3_cell(T3_NEW, T3_TOTAL_COLUMN),
    "上年结转申请数（总计）": t3_cell(T3_CARRIED, T3_TOTAL_COLUMN),
    "予以公开（总计）": t3_cell("（一）予以公开", T3_TOTAL_COLUMN),
    "办理结果总计": t3_cell(T3_TOTAL, T3_TOTAL_COLUMN),
    "结转下年度继续办理（总计）": t3_cell(T3_CARRY_NEXT, T3_TOTAL_COLUMN),
    **{f"{name}（总计）": t4_cell(col) for name, col in _T4_TOTALS.items()},
}
MAX_TICKS = 8  # on the chart's count axis
DRAFT_OK, DRAFT_FAILED = "✅ 初稿已生成，校验通过。", "⚠️ 初稿已生成，但校验发现错误（见右侧文末清单）。"
LLM_HINT = "配置 OpenAI 兼容的大模型接口（OpenAI、DeepSeek、通义千问或本地 Ollama/vLLM）。不配置时全部功能离线运行。"
CSS = "#draft-view{max-height:640px;overflow:auto} .nb-status{font-size:13px;color:#555}"


_YEAR_BOX = re.compile(r"(?:19|20)\d{2}")
_UPLOAD_PATH = re.compile(r"“/[^”]*/([^/”]+)”")


def user_error(exc: Exception, ws: Workspace) -> gr.Error:
    """The message box for any failure of a handler (Workspace.user_message decides what it says); gradio
    prints no traceback, since a bug's is in the log. Paths of uploads (gradio's temporary folders) are
    shown as the file's name only."""
    if isinstance(exc, gr.Error):  # a handler called by another handler has already said it
        return exc
    title, message = ws.user_message(exc)
    return gr.Error(_UPLOAD_PATH.sub(r"“\1”", message), title=title, print_exception=False)


def friendly(fn: Callable) -> Callable:
    """Route every failure of a WebApp handler through `user_error`: a Chinese message box, never a failed
    event with a bare "Error"."""

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(self: WebApp, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(self, *args, **kwargs)
            except Exception as exc:  # every failure, mapped in one place
                raise user_error(exc, self.ws) from exc

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(self: WebApp, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except Exception as exc:  # every failure, mapped in one place
            raise user_error(exc, self.ws) from exc

    return wrapper


def _path(file: Any) -> Path | None:
    """The local path of an uploaded file, whether gradio gives a str, a FileData or its dict form."""
    if not file:
        return None
    if isinstance(file, dict):
        return Path(file["path"])
    return Path(getattr(file, "path", file))


def _upload_name(file: Any) -> str | None:
    if isinstance(file, dict):
        return file.get("orig_name")
    return getattr(file, "orig_name", None)


def _stream_in_thread(work: Callable[[Callable[[str], None], Callable[[str], None]], Any]) -> Iterator[tuple]:
    """Run `work(on_progress, on_token)` in a thread, yielding ("progress"|"token", text) as it goes,
    then ("done", result) or ("error", exception), so a chat reply can stream while the work runs."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def run() -> None:
        try:
            events.put(("done", work(lambda m: events.put(("progress", m)), lambda t: events.put(("token", t)))))
        except Exception as exc:  # handed to the generator, which raises it in the request's thread
            events.put(("error", exc))

    threading.Thread(target=run, daemon=True).start()
    while True:
        kind, value = events.get()
        yield kind, value
        if kind in ("done", "error"):
            return


class WebApp:
    """Widget handlers; every one receives the session id and reads/writes the session's draft."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # ── the draft as every tab shows it ──

    def draft_views(self, report: Report | None, findings: list[Finding]) -> tuple:
        """Values of DRAFT_VIEWS: chat draft, upload draft, template, 表二/三/四 grids, check HTML, findings."""
        md = self.ws.markdown(report, findings)
        shown = report or _blank_report("2021")
        t2, t3, t4 = to_frames(shown)
        verdict = findings_markdown(findings) if report is not None else ""
        return md, md, shown.template, t2, t3, t4, render_html(shown, findings), verdict

    @friendly
    def on_load(self, session_id: str | None) -> tuple:
        session_id, draft = self.ws.session(session_id)
        report, findings = self.ws.report_of(draft), self.ws.findings_of(draft)
        return session_id, draft.get("chat", []), *self.draft_views(report, findings)

    # ── 对话起草 ──

    @friendly
    def chat(self, message: str, history: list[dict], session_id: str) -> Iterator[tuple]:
        """Answer one chat message, streaming; yields (input box, chat history, draft, session views…)."""
        message = (message or "").strip()
        if not message:
            return
        session_id, draft = self.ws.session(session_id)
        report, findings = self.ws.report_of(draft), self.ws.findings_of(draft)
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": "……"}]
        views = self.draft_views(report, findings)
        yield "", history, *views
        intent = route(message)
        reply = ""
        if intent.kind == "help":
            reply = HELP
        elif intent.kind == "ask":
            reply = self._answer_markdown(self.ws.ask(intent.text))
        elif intent.kind == "notes":
            for partial, result in self._draft_stream(message, report):
                history[-1]["content"] = partial
                if result is not None:
                    report, findings = result.report, result.findings
                    views = self.draft_views(report, findings)
                yield "", history, *views
            reply = history[-1]["content"]
        elif report is None:
            reply = "还没有草稿：请先粘贴本年度工作要点（第一行写“机关：××”“年度：××××”），我来起草初稿。"
        elif intent.kind == "check":
            findings = self.ws.check(report)
            reply = findings_markdown(findings)
        elif intent.kind == "show":
            heading = SECTIONS[intent.section].text
            reply = f"**{heading}**\n\n{report.sections.get(heading) or '（该部分为空）'}"
        elif intent.kind == "replace":
            report, findings, reply = self._replace(report, intent.section, intent.text)
        elif intent.kind == "revise":
            for partial, revised in self._revise_stream(report, intent.section, intent.text, draft):
                history[-1]["content"] = partial
                if revised is not None:
                    report, findings = revised, self.ws.check(revised)
                    views = self.draft_views(report, findings)
                yield "", history, *views
            reply = history[-1]["content"]
        history[-1]["content"] = reply
        if report is not None:
            self.ws.save_report(session_id, report, findings, chat=history)
        else:
            self.ws.drafts.update(session_id, chat=history)
        yield "", history, *self.draft_views(report, findings)

    def _draft_stream(self, notes: str, current: Report | None) -> Iterator[tuple[str, Any]]:
        """First draft from notes pasted in the chat; tables already filled in 表格填报 are used."""
        tables = current if current is not None and current.table3 else None
        lines: list[str] = []
        text = ""
        events = _stream_in_thread(
            lambda progress, token: self.ws.draft(notes, tables=tables, on_progress=progress, on_token=token)
        )
        for kind, value in events:
            if kind == "progress":
                lines.append(f"- {value}")
            elif kind == "token":
                text += value
            elif kind == "error":
                raise value
            else:
                result = value
                verdict = DRAFT_OK if result.ok else DRAFT_FAILED
                notices = "".join(f"\n- {n}" for n in result.notices)
                reply = f"{verdict}\n\n{findings_markdown(result.findings)}"
                if notices:
                    reply += f"\n\n**提示：**{notices}"
                yield reply, result
                return
            yield "\n".join(lines) + (f"\n\n{text}" if text else ""), None

    def _replace(self, report: Report, section: int, text: str) -> tuple[Report, list[Finding], str]:
        heading = SECTIONS[section].text
        if section in (1, 2, 3):
            return report, self.ws.check(report), f"“{heading}”是统计表部分，请在“表格填报”中修改数字。"
        updated = _with_section(report, section, text)
        findings = self.ws.check(updated)
        return updated, findings, f"已替换“{heading}”。\n\n{findings_markdown(findings)}"

    def _revise_stream(
        self, report: Report, section: int | None, instruction: str, draft: dict
    ) -> Iterator[tuple[str, Report | None]]:
        if not self.ws.settings.llm_enabled:
            yield NEEDS_LLM, None
            return
        from .drafting import revise_section

        section = section or 0
        heading = SECTIONS[section].text
        text = ""
        events = _stream_in_thread(
            lambda _progress, token: revise_section(
                report, heading, instruction, notes=draft.get("notes", ""), settings=self.ws.settings, on_token=token
            )
        )
        for kind, value in events:
            if kind == "token":
                text += value
                yield text, None
            elif kind == "error":
                raise value
            elif kind == "done" and value.notices:  # the rewrite fell back: the section stays as it was
                notices = "".join(f"\n- {n}" for n in value.notices)
                yield f"未修改“{heading}”，草稿保持不变。{notices}", None
            elif kind == "done":
                yield f"已按要求修改“{heading}”。", _with_section(report, section, value.text)

    # ── 上传要点 ──

    @friendly
    def upload_draft(
        self,
        notes_file: Any,
        tables_file: Any,
        prior_file: Any,
        org: str,
        year: str | None,
        session_id: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects the tracker this way
    ) -> tuple:
        """First draft from an uploaded notes file, optional tables and last year's report; an empty year box
        leaves the year to the notes."""
        from .readers import read_file
        from .spreadsheet import load_tables

        if not notes_file:
            raise InputError("请先选择要点文件（.txt、.md 或 .docx）。")
        year_given = (year or "").strip()
        if year_given and not _YEAR_BOX.fullmatch(year_given):
            raise InputError(f"报告年度“{year_given}”应为四位数字的年份，例如 2024；不填则取要点中写明的年度。")
        progress(0.05, desc="正在读取要点……")
        notes = read_file(_path(notes_file)).text
        tables = load_tables(_path(tables_file)) if tables_file else None
        prior = self.ws.parse(_path(prior_file)) if prior_file else None
        result = self.ws.draft(
            notes,
            org or "",
            int(year_given) if year_given else None,
            tables,
            prior,
            on_progress=lambda m: progress(0.5, desc=m),
        )
        progress(0.9, desc="正在生成 .docx 和 .md……")
        docx, md = self.ws.export(result.report, result.findings)
        session_id, _ = self.ws.session(session_id)
        self.ws.save_report(session_id, result.report, result.findings, notes=notes)
        notices = "\n".join(f"- {n}" for n in result.notices)
        engine = "大模型" if result.engine == "llm" else "离线引擎"
        head = f"**已由{engine}生成初稿。**" + (f"\n\n{notices}" if notices else "")
        return head, str(docx), str(md), *self.draft_views(result.report, result.findings)

    # ── 表格填报 ──

    def _current(self, session_id: str, template: str | None = None) -> tuple[str, dict, Report]:
        session_id, draft = self.ws.session(session_id)
        report = self.ws.report_of(draft) or _blank_report(template or "2021")
        return session_id, draft, report

    @friendly
    def tables_edited(self, t2: Any, t3: Any, t4: Any, session_id: str, totals: bool = False) -> tuple:
        """Grids → the session's report; checked at once so the failing cells light up. With `totals`, the
        totals whose parts are all filled are computed, and those left alone are named above the findings."""
        session_id, _, report = self._current(session_id)
        report, bad = from_frames(report, t2, t3, t4)
        skipped: list[str] = []
        if totals:
            report, skipped = report.with_totals()
        findings = bad + self.ws.check(report)
        self.ws.save_report(session_id, report, findings)
        views = self.draft_views(report, findings)
        if not skipped:
            return views
        gr.Warning("部分合计因组成项有空白而未计算，见表格下方的说明。")
        return *views[:-1], f"{totals_notice(skipped)}\n\n{views[-1]}"

    @friendly
    def fill_totals(self, t2: Any, t3: Any, t4: Any, session_id: str) -> tuple:
        return self.tables_edited(t2, t3, t4, session_id, totals=True)

    @friendly
    def switch_template(self, template: str, session_id: str) -> tuple:
        """Rebuild the grids for the other format; rows both formats share keep their numbers."""
        session_id, _, report = self._current(session_id, template)
        if report.template != template:
            blank = Tables.blank(template)
            t2 = {k: report.table2.get(k, v) for k, v in blank.table2.items()}
            t3 = {k: report.table3.get(k, v) for k, v in blank.table3.items()}
            report = report.model_copy(
                update={"template": template, "table2": t2, "table3": t3, "table4": report.table4 or blank.table4}
            )
            findings = self.ws.check(report)
            self.ws.save_report(session_id, report, findings)
            return self.draft_views(report, findings)
        _, draft = self.ws.session(session_id)
        return self.draft_views(report, self.ws.findings_of(draft))

    @friendly
    def import_tables(self, file: Any, session_id: str) -> tuple:
        from .spreadsheet import load_tables

        if not file:
            raise InputError("请选择 .xlsx 或 .json 表格文件。")
        tables = load_tables(_path(file))
        session_id, _, report = self._current(session_id, tables.template)
        report = report.model_copy(update=tables.tables().model_dump())
        findings = self.ws.check(report)
        self.ws.save_report(session_id, report, findings)
        gr.Info("表格已导入。")
        return self.draft_views(report, findings)

    @friendly
    def export_tables(self, session_id: str) -> str:
        import tempfile

        from .spreadsheet import write_template

        _, _, report = self._current(session_id)
        path = Path(tempfile.mkdtemp(prefix="nianbao-tables-")) / "统计表.xlsx"
        return str(write_template(path, report, report.template))

    @friendly
    def export_report(self, session_id: str) -> tuple[str, str]:
        _, draft, report = self._current(session_id)
        findings = self.ws.check(report)
        docx, md = self.ws.export(report, findings)
        return str(docx), str(md)

    # ── 往年报告问答 ──

    @staticmethod
    def _answer_markdown(answer: Any) -> str:
        """The answer with its sources listed; a table in the text is left out (it is shown as a grid)."""
        lines = answer.answer.splitlines()
        text = "\n".join(line for line in lines if not (answer.table and line.lstrip().startswith("|")))
        cites = "".join(f"\n{i}. {c.where()}" for i, c in enumerate(answer.citations, 1))
        return text + (f"\n\n**出处：**{cites}" if cites else "")

    @friendly
    def ask(self, question: str) -> tuple:
        """The answer, its table, its citations with the first one's passage, and the chart's org box set
        to the org the answer cites when it cites only one (otherwise left as it is)."""
        answer = self.ws.ask(question or "")
        cites = [vars(c) for c in answer.citations]
        labels = [_cite_label(i, c) for i, c in enumerate(cites, 1)]
        table = pd.DataFrame(answer.table[1:], columns=answer.table[0]) if answer.table else None
        first = labels[0] if labels else None
        orgs = {c.org for c in answer.citations}
        chart_org = gr.Dropdown(choices=self.ws.corpus().orgs(), value=orgs.pop()) if len(orgs) == 1 else gr.skip()
        return (
            self._answer_markdown(answer),
            gr.Dataframe(value=table, visible=table is not None),
            gr.Dropdown(choices=labels, value=first),
            cites,
            self.show_citation(first, cites),
            chart_org,
        )

    @friendly
    def show_citation(self, label: str | None, cites: list[dict]) -> str:
        """The cited passage in full: the indexed chunk that holds the quote, else the quote itself."""
        if not label or not cites:
            return ""
        cite = cites[int(label.split(".", 1)[0]) - 1]
        passage = passage_markdown(cite["quote"], cite["quote"])
        for chunk in self.ws.corpus().search(cite["quote"], k=3, org=cite["org"], year=cite["year"]):
            if cite["quote"][:30] in chunk.text:
                passage = passage_markdown(chunk.text, cite["quote"])
                break
        return f"**{cite['org']} {cite['year']}年 · {cite['section']}**（{Path(cite['source']).name}）\n\n{passage}"

    @friendly
    def chart(self, org: str | None, metric: str | None) -> Any:
        """The figure across years as an Altair bar chart (None when there is nothing to draw)."""
        frame = self.chart_frame(org, metric)
        return year_bars(frame) if len(frame) else None

    def chart_frame(self, org: str | None, metric: str | None) -> pd.DataFrame:
        """One table figure of an org across the indexed years: years as labels, counts as integers."""
        empty = pd.DataFrame({"年度": pd.Series(dtype=str), "数量": pd.Series(dtype=int)})
        if not org or metric not in METRICS:
            return empty
        corpus = self.ws.corpus()
        points = []
        for year in corpus.years(org):
            report = corpus.get_report(org, year)
            if report is None:
                continue
            value = report.cell(METRICS[metric])
            if value is not None:
                points.append({"年度": str(year), "数量": int(value) if float(value).is_integer() else value})
        return pd.DataFrame(points) if points else empty

    @friendly
    def chart_choices(self) -> gr.Dropdown:
        """Orgs to chart; the one with the most indexed years is shown first."""
        corpus = self.ws.corpus()
        orgs = corpus.orgs()
        best = max(orgs, key=lambda org: len(corpus.years(org)), default=None)
        return gr.Dropdown(choices=orgs, value=best)

    # ── 语料库 ──

    @friendly
    def listing(self) -> tuple[pd.DataFrame, gr.Dropdown, str]:
        rows = self.ws.corpus().list_reports()
        frame = pd.DataFrame(
            [[r["org"], r["year"], Path(r["source"]).name, r["template"], r["findings"]] for r in rows],
            columns=["机关", "年度", "文件", "格式", "解析提示数"],
        )
        choices = [(f"{Path(r['source']).name}（{r['org']} {r['year']}）", r["source"]) for r in rows]
        if not self.ws.indexing:
            self.ws.status = self.ws.corpus_status()
        return frame, gr.Dropdown(choices=choices, value=None), self.ws.status

    @friendly
    def add_to_corpus(
        self,
        files: list[Any] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects the tracker this way
    ) -> tuple:
        if not files:
            raise InputError("请先选择要加入语料库的报告文件。")
        kept = [self.ws.keep_upload(_path(f), _upload_name(f)) for f in files]
        progress(0, desc="等待其他索引任务完成……")
        summary = self.ws.index(kept, lambda done, total, name: progress((done, total), desc=f"正在索引 {name}"))
        failed = "".join(f"\n- {Path(src).name}：{why}" for src, why in summary.failed)
        return summary.describe() + failed, *self.listing()

    @friendly
    def remove_from_corpus(self, source: str | None) -> tuple:
        if not source:
            gr.Warning("请先选择要移除的文件。")
            return "", *self.listing()
        with self.ws._index_lock:
            self.ws.corpus().remove(source)
        self.ws.status = self.ws.corpus_status()
        return f"已移除：{Path(source).name}", *self.listing()

    # ── 设置 ──

    @friendly
    def settings_view(self) -> tuple[str, str, str, str]:
        s = self.ws.settings
        return s.openai_base_url, s.llm_model, "", f"密钥：**{key_status(s)}**"

    @friendly
    def save_settings(self, base_url: str, model: str, key: str) -> tuple:
        self.ws.llm.save(base_url or "", model or "", key or "")
        gr.Info("设置已保存。")
        return *self.settings_view(), "设置已保存。"

    @friendly
    def clear_key(self) -> tuple:
        self.ws.llm.clear_key()
        return *self.settings_view(), "已清除保存的密钥（环境变量中的密钥仍然有效）。"

    @friendly
    def test_settings(self, base_url: str, model: str, key: str) -> str:
        """Test what is in the boxes (an empty key box means the saved key)."""
        import dataclasses

        current = self.ws.settings
        trial = dataclasses.replace(
            current,
            openai_base_url=(base_url or "").strip(),
            llm_model=(model or "").strip() or current.llm_model,
            openai_api_key=(key or "").strip() or current.openai_api_key,
        )
        return check_connection(trial)

    # ── named API endpoints (gradio_client) ──

    @friendly
    def api_draft(self, notes: str, org: str = "", year: int | None = None, session_id: str = "") -> tuple[str, dict]:
        """Draft a report from notes; returns the Markdown draft and the findings (`check --json` form).
        With a session id the draft is autosaved for that session, as in the browser."""
        result = self.ws.draft(notes, org, year)
        if self.ws.drafts.valid(session_id):
            self.ws.save_report(session_id, result.report, result.findings, notes=notes)
        return self.ws.markdown(result.report, result.findings), findings_json(result.findings)

    @friendly
    def api_check(self, report: FileData, prior: FileData | None = None) -> dict:
        """Check a report file (PDF/DOCX/HTML/TXT), optionally against last year's; findings as JSON."""
        return findings_json(
            self.ws.check(self.ws.parse(_path(report)), self.ws.parse(_path(prior)) if prior else None)
        )

    @friendly
    def api_ask(self, question: str) -> dict:
        """Ask about past reports; the answer with citations as JSON."""
        return self.ws.ask(question).to_json()

    @friendly
    def api_index(self, file: FileData) -> dict:
        """Add a report file to the corpus; what indexing did, as JSON."""
        if not file:
            raise InputError("请提供报告文件。")
        return summary_json(self.ws.index([self.ws.keep_upload(_path(file), _upload_name(file))]))

    @friendly
    def api_saved_draft(self, session_id: str) -> str:
        """The autosaved draft of a session as Markdown ("" when there is none)."""
        report = self.ws.report_of(self.ws.drafts.load(session_id))
        return self.ws.markdown(report, self.ws.findings_of(self.ws.drafts.load(session_id))) if report else ""


# the source's own Markdown: bold/underline pairs and heading marks (a .md report, a draft read back)
_SOURCE_MARKS = re.compile(r"\*\*|__|^[ \t]{0,3}#{1,6}[ \t]*", re.MULTILINE)
# what Markdown would still read as markup in plain text (after the marks above are gone)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]~|])")


def _literal(text: str) -> str:
    """Text Markdown shows as it is: the source's own marks removed, HTML and Markdown punctuation escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(_SOURCE_MARKS.sub("", text), quote=False))


def passage_markdown(text: str, quote: str) -> str:
    """A source passage for a Markdown box, shown as plain text with the quote highlighted by <mark>, which
    renders whatever punctuation surrounds it (a ** pair next to "。" or "；" stays raw in CommonMark)."""
    plain, wanted = _literal(text), _literal(quote)
    return plain.replace(wanted, f"<mark>{wanted}</mark>", 1) if wanted.strip() else plain


def year_bars(frame: pd.DataFrame) -> Any:
    """Counts by year as bars with their value on top, on an axis of whole numbers from 0.

    Altair through gr.Plot rather than gr.BarPlot: a single year must be a visible mark (a line of one
    point is nothing), and gr.BarPlot can set no tick count (changing its y_lim along with its data draws
    the new data on the old axis). Vega's tickMinStep alone still ticks 0, 0.5, 1… under a count of 2;
    a suggested tick count no larger than the top count keeps the step at 1 or more."""
    import altair as alt

    ticks = min(max(int(frame["数量"].max()), 1), MAX_TICKS)
    axis = alt.Axis(format="d", tickMinStep=1, tickCount=ticks)
    base = alt.Chart(frame).encode(
        x=alt.X("年度:N", sort="ascending", title="年度", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("数量:Q", title="数量", axis=axis, scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("年度:N"), alt.Tooltip("数量:Q", format="d")],
    )
    bars = base.mark_bar(size=40)
    labels = base.mark_text(baseline="bottom", dy=-4).encode(text=alt.Text("数量:Q", format="d"))
    return (bars + labels).properties(width=640, height=260)


def _table_editor(key: str, head: tuple[str, ...], note: str = "") -> gr.Dataframe:
    """An editable statistics table: its label column fixed, the value cells typed in."""
    return gr.Dataframe(
        headers=list(head),
        label=TABLE_TITLES[key] + note,
        interactive=True,
        static_columns=[0],
        elem_id=key,
        max_height=900,
    )


def _cite_label(i: int, cite: dict) -> str:
    page = f" 第{cite['page']}页" if cite.get("page") else ""
    return f"{i}. {cite['org']} {cite['year']}年 · {cite['section']}{page}"


def _with_section(report: Report, section: int, text: str) -> Report:
    """The report with one section's text replaced; a new 总体情况 drops the old parts it was split into."""
    heading = SECTIONS[section].text
    parts = {} if section == 0 else report.parts
    return report.model_copy(update={"sections": {**report.sections, heading: text}, "parts": parts}, deep=True)


def _blank_report(template: Template) -> Report:
    return Report(**Tables.blank(template).model_dump())


def build_app(ws: Workspace) -> gr.Blocks:
    """The Blocks UI; call `.launch()` on it (see `serve`)."""
    app = WebApp(ws)
    with gr.Blocks(title="年报助手") as demo:
        for fn, name in (
            (app.api_draft, "draft"),
            (app.api_check, "check"),
            (app.api_ask, "ask"),
            (app.api_index, "index"),
            (app.api_saved_draft, "saved_draft"),
        ):
            gr.api(fn, api_name=name)
        session = gr.BrowserState("", storage_key="nianbao-session", secret=ws.browser_secret())
        gr.Markdown("## 年报助手 · 政府信息公开工作年度报告")
        status = gr.Markdown(ws.status, elem_classes="nb-status", elem_id="index-status")
        timer = gr.Timer(1.0)
        timer.tick(_status_tick(ws), outputs=[status, timer], show_progress="hidden", api_visibility="private")

        with gr.Tabs():
            with gr.Tab("对话起草", id="chat"):  # noqa: SIM117 - one `with` per layout level, like the page
                with gr.Row():
                    with gr.Column(scale=5):
                        chatbot = gr.Chatbot(label="对话", height=560, elem_id="chatbot")
                        chat_in = gr.Textbox(
                            label="输入",
                            lines=3,
                            placeholder="粘贴本年度工作要点起草初稿；或输入“校验”“显示第五部分”“把第五部分替换为：……”、关于往年报告的问题",
                            elem_id="chat-input",
                        )
                        send = gr.Button("发送", variant="primary", elem_id="chat-send")
                    with gr.Column(scale=4):
                        chat_draft = gr.Markdown(elem_id="draft-view", label="当前草稿")

            with gr.Tab("上传要点", id="upload"):
                with gr.Row():
                    up_notes = gr.File(label="工作要点（.txt/.md/.docx）", file_types=NOTE_TYPES, elem_id="up-notes")
                    up_tables = gr.File(
                        label="统计表（可选，.xlsx/.json）", file_types=TABLE_TYPES, elem_id="up-tables"
                    )
                    up_prior = gr.File(label="上一年度报告（可选）", file_types=REPORT_TYPES)
                with gr.Row():
                    up_org = gr.Textbox(label="机关名称（可选，要点中已写明可不填）")
                    # a Textbox, not a Number: gradio's Number shows 0 for an empty value
                    up_year = gr.Textbox("", label="报告年度（可选）", placeholder="如 2024；不填则取要点中写明的年度")
                up_btn = gr.Button("生成初稿", variant="primary", elem_id="up-go")
                up_notice = gr.Markdown(elem_id="up-notice")
                with gr.Row():
                    up_docx = gr.File(label="下载 .docx", interactive=False, elem_id="up-docx")
                    up_md = gr.File(label="下载 .md", interactive=False)
                with gr.Row():
                    up_draft = gr.Markdown(elem_id="up-draft")
                    tb_findings_up = gr.Markdown()

            with gr.Tab("表格填报", id="tables"):
                gr.Markdown(
                    "填写三张统计表；修改后立即校验，下方按官方格式显示三张表：出错的单元格标红（警告标黄），"
                    "鼠标悬停可看说明，每张表下列出问题。空白不等于 0。"
                )
                tb_template = gr.Radio(list(TEMPLATES), value="2021", label="报告格式（年版）")
                tb_t2 = _table_editor("table2", T2_HEAD, "（在各项的数值栏填写；项目名、栏目名和多余的格不会被读取）")
                tb_t3 = _table_editor("table3", T3_HEAD)
                tb_t4 = _table_editor("table4", T4_HEAD)
                with gr.Row():
                    tb_totals = gr.Button("计算合计")
                    tb_export = gr.Button("导出报告（.docx/.md）", elem_id="tb-export")
                    tb_xlsx_btn = gr.Button("导出表格（.xlsx）")
                with gr.Row():
                    tb_import = gr.File(label="导入表格（.xlsx/.json）", file_types=TABLE_TYPES)
                    tb_docx = gr.File(label="报告 .docx", interactive=False, elem_id="tb-docx")
                    tb_md = gr.File(label="报告 .md", interactive=False)
                    tb_xlsx = gr.File(label="表格 .xlsx", interactive=False)
                tb_html = gr.HTML(elem_id="table-check")
                tb_findings = gr.Markdown(elem_id="table-findings")

            with gr.Tab("往年报告问答", id="ask"):
                ask_q = gr.Textbox(label="问题", placeholder="例如：平潭综合实验区2023年收到多少件政府信息公开申请？")
                ask_btn = gr.Button("提问", variant="primary")
                ask_answer = gr.Markdown(line_breaks=True)
                ask_table = gr.Dataframe(visible=False, interactive=False, label="数据")
                ask_cite = gr.Dropdown(label="引用（选择后查看原文）", choices=[])
                cites = gr.State([])
                with gr.Accordion("引文原文", open=True):
                    ask_passage = gr.Markdown(line_breaks=True, elem_id="ask-passage")
                gr.Markdown("#### 历年数据")
                with gr.Row():
                    chart_org = gr.Dropdown(label="机关", choices=[])
                    chart_metric = gr.Dropdown(label="指标", choices=list(METRICS), value=next(iter(METRICS)))
                chart = gr.Plot(label="历年变化", elem_id="chart")

            with gr.Tab("语料库", id="corpus"):
                co_files = gr.File(label="上传往年报告（可多选）", file_count="multiple", file_types=REPORT_TYPES)
                co_btn = gr.Button("加入语料库", variant="primary")
                co_result = gr.Markdown()
                co_list = gr.Dataframe(interactive=False, label="已收录的报告")
                with gr.Row():
                    co_pick = gr.Dropdown(label="选择要移除的文件", choices=[])
                    co_remove = gr.Button("移除")
                    co_refresh = gr.Button("刷新")

            with gr.Tab("设置", id="settings"):
                gr.Markdown(LLM_HINT)
                st_url = gr.Textbox(label="接口地址（Base URL）", placeholder="例如 https://api.deepseek.com/v1")
                st_model = gr.Textbox(label="模型名称")
                st_key = gr.Textbox(label="API 密钥（留空则保持不变）", type="password", value="")
                st_key_state = gr.Markdown()
                with gr.Row():
                    st_save = gr.Button("保存", variant="primary")
                    st_test = gr.Button("测试连接")
                    st_clear = gr.Button("清除密钥")
                st_msg = gr.Markdown()

        views = [chat_draft, up_draft, tb_template, tb_t2, tb_t3, tb_t4, tb_html, tb_findings]
        hidden: dict[str, Any] = {"api_visibility": "private"}
        demo.load(app.on_load, inputs=[session], outputs=[session, chatbot, *views], **hidden)
        demo.load(app.settings_view, outputs=[st_url, st_model, st_key, st_key_state], **hidden)
        demo.load(app.listing, outputs=[co_list, co_pick, status], **hidden)
        demo.load(app.chart_choices, outputs=[chart_org], **hidden)

        chat_args = {"inputs": [chat_in, chatbot, session], "outputs": [chat_in, chatbot, *views], **hidden}
        send.click(app.chat, **chat_args)
        chat_in.submit(app.chat, **chat_args)

        up_btn.click(
            app.upload_draft,
            inputs=[up_notes, up_tables, up_prior, up_org, up_year, session],
            outputs=[up_notice, up_docx, up_md, *views],
            **hidden,
        ).then(lambda md: md, inputs=[tb_findings], outputs=[tb_findings_up], **hidden)

        grids = [tb_t2, tb_t3, tb_t4, session]
        for grid in (tb_t2, tb_t3, tb_t4):
            grid.input(app.tables_edited, inputs=grids, outputs=views, show_progress="hidden", **hidden)
        tb_totals.click(app.fill_totals, inputs=grids, outputs=views, **hidden)
        tb_template.input(app.switch_template, inputs=[tb_template, session], outputs=views, **hidden)
        tb_import.upload(app.import_tables, inputs=[tb_import, session], outputs=views, **hidden)
        tb_export.click(app.export_report, inputs=[session], outputs=[tb_docx, tb_md], **hidden)
        tb_xlsx_btn.click(app.export_tables, inputs=[session], outputs=[tb_xlsx], **hidden)

        ask_outputs = [ask_answer, ask_table, ask_cite, cites, ask_passage, chart_org]
        ask_btn.click(app.ask, inputs=[ask_q], outputs=ask_outputs, **hidden)
        ask_q.submit(app.ask, inputs=[ask_q], outputs=ask_outputs, **hidden)
        ask_cite.change(app.show_citation, inputs=[ask_cite, cites], outputs=[ask_passage], **hidden)
        for trigger in (chart_org.change, chart_metric.change):
            trigger(app.chart, inputs=[chart_org, chart_metric], outputs=[chart], **hidden)

        co_listing = [co_list, co_pick, status]
        co_btn.click(app.add_to_corpus, inputs=[co_files], outputs=[co_result, *co_listing], **hidden).then(
            app.chart_choices, outputs=[chart_org], **hidden
        )
        co_remove.click(app.remove_from_corpus, inputs=[co_pick], outputs=[co_result, *co_listing], **hidden)
        co_refresh.click(app.listing, outputs=co_listing, **hidden)

        st_view = [st_url, st_model, st_key, st_key_state]
        st_save.click(app.save_settings, inputs=[st_url, st_model, st_key], outputs=[*st_view, st_msg], **hidden)
        st_clear.click(app.clear_key, outputs=[*st_view, st_msg], **hidden)
        st_test.click(app.test_settings, inputs=[st_url, st_model, st_key], outputs=[st_msg], **hidden)
    return demo


def _status_tick(ws: Workspace) -> Callable[[], tuple]:
    """The status line; the timer stops polling once indexing is over."""

    def tick() -> tuple[str, gr.Timer]:
        busy = ws.indexing or "正在" in ws.status
        return ws.status, gr.Timer(active=busy)

    return tick


def serve(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    auth: tuple[str, str] | None = None,
    corpus_dir: Path | None = BUNDLED_CORPUS,
    block: bool = True,
    quiet: bool = False,
) -> tuple[gr.Blocks, str, Workspace]:
    """Build and launch the app; the bundled corpus is indexed in the background meanwhile.
    With `block=False` it returns at once (tests, benchmarks); `demo.close()` stops it."""
    ws = Workspace(settings)
    demo = build_app(ws)
    if corpus_dir is not None and corpus_dir.is_dir():
        ws.index_bundled(corpus_dir)
    demo.queue(default_concurrency_limit=2)
    _, url, _ = demo.launch(
        server_name=host or settings.server_name,
        server_port=port or settings.server_port,
        auth=auth,
        auth_message="年报助手：请输入用户名和密码",
        prevent_thread_lock=not block,
        quiet=quiet,
        css=CSS,
        footer_links=["api"],
        max_file_size=MAX_BYTES,  # gradio refuses a giant upload before it is read into memory
    )
    return demo, url, ws
