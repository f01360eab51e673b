"""What every tab shares: the look, safe rendering of text, findings and tables as HTML, the tab's draft state,
and one guard that turns any failure of a handler into a Chinese notice without touching its outputs.

Safety: whatever the user, the corpus or a model wrote is rendered here and nowhere else. Markdown is turned
into HTML by markdown-it with raw HTML off (a typed `<img>` stays text), then cleaned by nh3 to an allowlist
without images, links or style attributes; our own table HTML escapes every value and goes through nh3 too.
"""

from __future__ import annotations

import functools
import html
import inspect
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import nh3
from markdown_it import MarkdownIt

from ..cells import format_number
from ..checks.names import described
from ..labels import SECTIONS, T3_CARRIED, T3_CARRY_NEXT, T3_NEW, T3_TOTAL
from ..report import SEVERITY_ZH, Finding, Report
from ..service import UNCHECKED, Service, has_errors
from ..tables import TABLE_TITLES, Grid, GridCell, Location, Tables, grids

THEME = gr.themes.Soft(primary_hue="blue", secondary_hue="slate", neutral_hue="slate")

CSS = """
.nb-status{font-size:13px;color:#555}
#draft-view,#up-draft{max-height:680px;overflow:auto}
.nb-doc h2{text-align:center;font-size:1.3em}.nb-doc h3{font-size:1.05em;margin:1em 0 .3em}
.nb-doc p{text-indent:2em;margin:.2em 0;line-height:1.8}
.nb-notice{color:#a40000;font-weight:bold}
.nb-t{border-collapse:collapse;margin:.6em 0 .3em;font-size:13px}
.nb-t caption{font-weight:bold;padding:4px}
.nb-tables,.nb-scroll{overflow-x:auto;max-width:100%}
table.nb-t td,table.nb-t th{border:1px solid #999;padding:2px 6px;text-align:left}
table.nb-t th,table.nb-t td.num{text-align:center}
table.nb-t th{background:#f3f4f6}
table.nb-t td.num{min-width:3em}
table.nb-t td.bad,.nb-text mark.bad{background:#fdd;color:#b00;font-weight:bold}
table.nb-t td.warn,.nb-text mark.warn{background:#fff3c4}
.nb-findings{margin:0 0 1em;padding-left:1.3em;font-size:13px}
.nb-findings li.error{color:#b00}.nb-findings li.warning{color:#8a6d00}.nb-findings li.info{color:#555}
.nb-diff del{background:#fdd;text-decoration:line-through}.nb-diff ins{background:#dfd;text-decoration:none}
.nb-diff{border:1px solid #ccd;padding:8px;border-radius:6px;line-height:1.8}
.nb-review-row{display:grid;grid-template-columns:3fr 2fr;gap:12px;border-bottom:1px solid #e5e7eb}
.nb-text p{line-height:1.8;margin:.2em 0}
@media (max-width: 700px){
  /* gradio moves the tabs that do not fit, measured in a hidden copy, into a menu: measured tiny, every
     tab stays in the bar, which wraps onto a second line */
  .tab-container.visually-hidden button{font-size:1px!important;padding:0!important;min-width:0!important}
  .tab-wrapper,[role=tablist].tab-container{flex-wrap:wrap!important;height:auto!important;overflow:visible!important}
  [role=tablist].tab-container button{flex:0 0 auto;padding:4px 8px}
  .gradio-container{padding:4px!important}
  .nb-review-row{grid-template-columns:1fr}
}
"""

# gradio's toast header is its type in English ("Info", "Warning", "Error"): rewritten in Chinese as it appears
TOAST_JS = """() => {
  const zh = {info: "提示", warning: "注意", error: "错误", success: "完成"};
  const fix = () => document.querySelectorAll(".toast-title").forEach((el) => {
    const kind = [...el.classList].find((c) => c in zh);
    const text = el.firstChild;
    if (kind && text && text.nodeType === Node.TEXT_NODE && text.textContent.trim() !== zh[kind]) {
      text.textContent = zh[kind] + " ";
    }
  });
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""

# words of the command line and of libraries that a message may carry, as the web app names them
_PLAIN_WORDS = (
    ("--org", "“机关名称”"),
    ("--year", "“报告年度”"),
    ("--tables", "统计表文件"),
    ("--prior", "上一年度报告"),
    ("parse --json", "解析结果 JSON"),
    ("--json", "JSON"),
    ("File is not a zip file", "文件不是有效的 .xlsx/.docx（可能已损坏，或是改了扩展名的其他格式）"),
)
_UPLOAD_PATH = re.compile(r"“/[^”]*/([^/”]+)”|(?<![\w.])/(?:tmp|var|home|root|work)/\S*/([^/\s”]+)")

_MD = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table").enable("strikethrough")
_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "ul", "ol", "li", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "caption", "hr", "mark", "del", "ins", "span",
    "div", "details", "summary", "s",
}  # fmt: skip
_ATTRS = {
    "*": {"class", "title", "data-table", "data-section"},
    "td": {"rowspan", "colspan"},
    "th": {"rowspan", "colspan"},
}


def clean(fragment: str) -> str:
    """HTML reduced to the allowlist: no scripts, images, links, styles or event handlers."""
    return nh3.clean(fragment, tags=_TAGS, attributes=_ATTRS, link_rel=None, strip_comments=True)


def md_html(markdown: str) -> str:
    """Markdown as safe HTML (raw HTML in it stays text)."""
    return clean(_MD.render(markdown or ""))


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def plain(message: str) -> str:
    """A message in the web app's words: no command-line flags, no server paths (an upload by its name)."""
    for word, shown in _PLAIN_WORDS:
        message = message.replace(word, shown)
    return _UPLOAD_PATH.sub(lambda m: f"“{m.group(1)}”" if m.group(1) else (m.group(2) or ""), message)


def info(message: str) -> None:
    gr.Info(html.escape(message), title="提示")


def warn(message: str) -> None:
    """A notice; gradio draws its text as HTML, so what it quotes of the user's input is escaped here."""
    gr.Warning(html.escape(message), title="注意")


# ── findings ──


def named(f: Finding) -> str:
    """A finding's message led by the place it is about, unless the message already starts with it."""
    place = f.where.name()
    return f.message if f.message.startswith(place) else f"{place}：{f.message}"


def shown_findings(report: Report | None, findings: list[Finding]) -> list[Finding]:
    """Findings worth showing now: about a section only once some narrative has been written."""
    if report is not None and not any(t.strip() for t in report.sections.values()):
        return [f for f in findings if f.where.section is None]
    return findings


def findings_html(findings: list[Finding], *, empty: str = "", table: str | None = None) -> str:
    """A list of findings: severity, the rule's Chinese name (its code as the tooltip), the message."""
    if not findings:
        return f'<p class="nb-ok">{esc(empty)}</p>' if empty else ""
    items = "".join(
        f'<li class="{f.severity}" title="规则代码 {esc(f.rule)}"><b>{SEVERITY_ZH[f.severity]}</b>'
        f" {esc(described(f.rule, named(f)))}</li>"
        for f in findings
    )
    attr = f' data-table="{table}"' if table else ""
    return clean(f'<ul class="nb-findings"{attr}>{items}</ul>')


def verdict_html(findings: list[Finding]) -> str:
    if not findings:
        return clean('<p class="nb-ok">✅ 校验通过，未发现问题。</p>')
    errors = sum(f.severity == "error" for f in findings)
    head = f"<p><b>共 {errors} 个错误，{len(findings) - errors} 个警告或提示。</b></p>"
    return clean(head) + findings_html(findings)


# ── tables in the official layout ──

_BALANCE_ROWS = (T3_NEW, T3_CARRIED, T3_TOTAL, T3_CARRY_NEXT)


def failing_cells(findings: list[Finding], tables: Tables) -> dict[Location, list[Finding]]:
    """Which value cells each finding is about: the cells its location covers (a T3-BALANCE finding, about
    one column's 勾稽关系, covers the four cells of that identity, not only （七）总计; a table's one BLANK-CELL
    warning covers that table's blank cells)."""
    cells: dict[Location, list[Finding]] = {}
    for grid in grids(tables.template):
        for c in grid.value_cells:
            assert c.ref is not None
            for f in findings:
                where = f.where
                if f.rule == "T3-BALANCE" and c.ref.row in _BALANCE_ROWS:
                    where = where.model_copy(update={"row": c.ref.row})
                blank = f.rule == "BLANK-CELL" and where.table == c.ref.table and tables.cell(c.ref) is None
                if blank or where.covers(c.ref):
                    cells.setdefault(c.ref, []).append(f)
    return cells


def severity_class(hit: list[Finding]) -> str:
    return "bad" if any(f.severity == "error" for f in hit) else "warn"


def _cell_html(c: GridCell, report: Report, marks: dict[Location, list[Finding]]) -> str:
    span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
    if c.ref is None:
        tag = "th" if c.header else "td"
        return f"<{tag}{span}>{esc(c.text)}</{tag}>"
    hit = marks.get(c.ref, [])
    value = esc(format_number(report.cell(c.ref)))
    if not hit:
        return f'<td class="num"{span}>{value}</td>'
    tip = esc("；".join(dict.fromkeys(f.message for f in hit)))
    return f'<td class="num {severity_class(hit)}"{span} title="{tip}">{value}</td>'


def grid_html(grid: Grid, report: Report, marks: dict[Location, list[Finding]]) -> str:
    rows: list[list[str]] = [[] for _ in range(grid.rows)]
    for c in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        rows[c.row].append(_cell_html(c, report, marks))
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    caption = esc(TABLE_TITLES[grid.name])
    table = f'<table class="nb-t" data-table="{grid.name}"><caption>{caption}</caption>{body}</table>'
    return f'<div class="nb-scroll">{table}</div>'


def render_html(report: Report, findings: list[Finding]) -> str:
    """The three tables in the official merged layout: failing cells red (warnings yellow) with the rule's
    message as their tooltip, and under each table the list of its findings, each naming its cell."""
    marks = failing_cells(findings, report)
    parts = ['<div class="nb-tables">']
    for grid in grids(report.template):
        parts.append(grid_html(grid, report, marks))
        parts.append(findings_html([f for f in findings if f.where.table == grid.name], table=grid.name))
    return clean("".join([*parts, "</div>"]))


TABLE_AFTER_SECTION = {1: 0, 2: 1, 3: 2}  # section index -> index into grids(), as in the export


def draft_html(report: Report | None, findings: list[Finding], empty: str = "") -> str:
    """The draft as a reader sees it: title, the six sections with 表二/表三/表四 rendered in place, and the
    findings at the end. Every piece of text is escaped."""
    if report is None:
        return clean(f"<p><i>{esc(empty)}</i></p>")
    from ..export import report_title

    marks = failing_cells(findings, report)
    tables = grids(report.template)
    out = ['<div class="nb-doc">', f"<h2>{esc(report_title(report))}</h2>"]
    if has_errors(findings):
        out.append(
            f'<p class="nb-notice">【{UNCHECKED}】本稿存在未解决的问题（见文末清单），修改并通过校验前不得发布。</p>'
        )
    for i, label in enumerate(SECTIONS):
        out.append(f"<h3>{esc(label.text)}</h3>")
        text = report.sections.get(label.text, "")
        out += [f"<p>{esc(p.strip())}</p>" for p in text.splitlines() if p.strip()]
        if i in TABLE_AFTER_SECTION:
            out.append(grid_html(tables[TABLE_AFTER_SECTION[i]], report, marks))
    shown = shown_findings(report, findings)
    if shown:
        out += ["<h3>附：校验发现的问题</h3>", findings_html(shown)]
    return clean("".join([*out, "</div>"]))


# ── the tab's draft state ──


def doc_state(session_id: str, report: Report | None, findings: list[Finding], rev: int, origin: str = "") -> dict:
    """What a browser tab holds of the draft: the revision it shows (the base of its next save) and who
    changed it last (a grid that was typed in is not redrawn under the user's fingers)."""
    return {
        "sid": session_id,
        "rev": rev,
        "report": report.model_dump(mode="json") if report is not None else None,
        "findings": [f.model_dump(mode="json") for f in findings],
        "origin": origin,
    }


def report_in(doc: dict | None) -> Report | None:
    data = (doc or {}).get("report")
    return Report.model_validate(data) if data else None


def findings_in(doc: dict | None) -> list[Finding]:
    return [Finding.model_validate(f) for f in (doc or {}).get("findings", [])]


def saved_state(svc: Service, session_id: str, saved: Any, origin: str = "") -> dict:
    """The state after a save; tells the user when another tab's changes were merged in."""
    if saved.conflicts:
        warn(f"另一个窗口同时修改了{'、'.join(saved.conflicts[:5])}：已保留先保存的内容，并载入最新草稿。")
    elif saved.merged and origin != "grid":
        info("已与另一个窗口保存的修改合并。")
    return doc_state(session_id, saved.report, saved.findings, saved.rev, "" if saved.merged else origin)


# ── handlers ──


def guard(svc: Service, fn: Callable, outputs: int) -> Callable:
    """Any failure of `fn` becomes a Chinese notice (Service.user_message decides what it says) and leaves
    every output as it was: the input stays typed, the existing draft is not marked as failed."""
    skip = gr.skip() if outputs == 1 else tuple(gr.skip() for _ in range(outputs))

    def notify(exc: Exception) -> None:
        title, message = svc.user_message(exc)
        gr.Warning(html.escape(plain(message)), title=title, duration=None if title == "内部错误" else 12)

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:  # every failure, mapped in one place
                notify(exc)
                yield skip

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # every failure, mapped in one place
            notify(exc)
            return skip

    return wrapper


def on(svc: Service, triggers: list, fn: Callable, inputs: list, outputs: list, **kwargs: Any) -> Any:
    """Wire a guarded handler to its triggers; private to the page (the named API is declared apart)."""
    return gr.on(
        triggers, guard(svc, fn, len(outputs)), inputs=inputs, outputs=outputs, api_visibility="private", **kwargs
    )


def path_of(file: Any) -> Path | None:
    """The local path of an uploaded file, whether gradio gives a str, a FileData or its dict form."""
    if not file:
        return None
    if isinstance(file, dict):
        return Path(file["path"])
    return Path(getattr(file, "path", file))


def upload_name(file: Any) -> str | None:
    if isinstance(file, dict):
        return file.get("orig_name")
    return getattr(file, "orig_name", None)


def stream_in_thread(work: Callable[[Callable[[str], None], Callable[[str], None]], Any]) -> Iterator[tuple]:
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


def download(path: Any) -> Any:
    """A download box shown with its file (download boxes are hidden while empty)."""
    return gr.File(value=str(path), visible=True)


# ── the page and its tabs ──


@dataclass
class Page:
    """What every tab reaches: the service, the browser's session id and this browser tab's draft state."""

    svc: Service
    session: Any  # gr.BrowserState: the session id, kept in localStorage
    doc: Any  # gr.State: see doc_state
    tab: Any = None  # gr.State: this browser tab's id, to tell its own saves from another tab's


class Tab:
    """One tab: `build` lays it out, `wire` connects its events, `show(doc)` gives the values of `views`
    whenever this browser tab's draft changes (nothing when the tab shows no draft)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.views: list = []

    def build(self) -> None:
        raise NotImplementedError

    def wire(self) -> None:
        raise NotImplementedError

    def show(self, doc: dict) -> Any:
        return ()
