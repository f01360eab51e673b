"""Fuzzing the inputs a user controls: cells, notes, tables JSON, HTML and .docx structure.

Each property says what any input must come to: a value or a Chinese `UserError`, never another exception,
and no control or bidirectional character in any text that reaches an output. Example counts keep the
module under a minute on CI; `database=None` keeps runs independent of earlier ones.
"""

from __future__ import annotations

import io
import json
import math
import re

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cells import MAX_DIGITS, parse_cell
from assistant.drafting import draft
from assistant.errors import CellError, UnreadableError, UserError
from assistant.export import to_docx, to_markdown
from assistant.parser import parse_document
from assistant.readers import read_bytes, read_text
from assistant.settings import Settings
from assistant.spreadsheet import load_tables

FUZZ = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
INVISIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# text with what attackers and copy-paste bring: controls, bidi marks, Word's cell mark, full-width digits (no lone
# surrogates: no file can hold one)
nasty_chars = st.sampled_from(list("\x07\x0b\x1b\x7f\x85\u202e\u2066\u200f\ufeff\u3000\xa0\t０１９，．－"))
nasty_text = st.lists(
    st.one_of(st.characters(codec="utf-8"), nasty_chars, st.sampled_from(["年度报告", "21.7", "NaN"])), max_size=40
)
texts = nasty_text.map("".join)


# ── cells ──


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, int | float]:
    """A number as people type or print it: sign, full-width digits, thousands separators, a unit."""
    whole = draw(st.integers(min_value=0, max_value=10**MAX_DIGITS - 1))
    fraction = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=99)))
    sign = draw(st.sampled_from(["", "-", "+"]))
    digits = f"{whole:,}".replace(",", draw(st.sampled_from(["", ",", "，", " "])))
    text = sign + digits + (f".{fraction:02d}" if fraction else "")
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    text += draw(st.sampled_from(["", "件", "万元", "个"]))
    value = float(f"{sign}{whole}.{fraction:02d}") if fraction else int(f"{sign}{whole}")
    return text, value


@FUZZ
@given(written_numbers())
def test_written_numbers_read_as_their_value(written: tuple[str, int | float]) -> None:
    text, value = written
    assert parse_cell(text, kind=None) == value
    if isinstance(value, float) or value < 0:
        with pytest.raises(CellError):
            parse_cell(text, kind="count")


@FUZZ
@given(
    st.one_of(
        texts,
        st.integers(),
        st.floats(),
        st.none(),
        st.booleans(),
        st.from_regex(r"[+-]?[0-9]{10,400}(\.[0-9]+)?(e[0-9]+)?", fullmatch=True),
    ),
    st.sampled_from(["count", "signed", "amount", None]),
)
def test_any_cell_is_a_finite_number_blank_or_a_cell_error(raw: object, kind: str | None) -> None:
    try:
        value = parse_cell(raw, kind)  # type: ignore[arg-type]
    except CellError as exc:
        assert str(exc)
        return
    assert value is None or (math.isfinite(value) and abs(value) < 10**MAX_DIGITS)


# ── notes through drafting to both exports ──


@SLOW
@given(texts)
def test_any_notes_draft_and_export_without_control_characters(tmp_path_factory, notes: str) -> None:
    body = f"平潭综合实验区2024年政府信息公开工作要点\n一、主动公开\n{notes}\n二、依申请公开\n{notes}"
    try:
        text = read_text(body).text
    except UnreadableError:
        return
    assert not INVISIBLE.search(text)
    try:
        result = draft(text, org="平潭综合实验区", year=2024, settings=Settings())
    except UserError:
        return
    markdown = to_markdown(result.report, findings=result.findings)
    assert not INVISIBLE.search(markdown)
    to_docx(result.report, tmp_path_factory.mktemp("docx") / "draft.docx", findings=result.findings)


# ── tables JSON ──

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=8), st.dictionaries(texts, inner, max_size=5)),
    max_leaves=30,
)


@st.composite
def tables_json(draw: st.DrawFn) -> str:
    """Something like `parse --json` tables: the right keys with junk inside, or junk, or deep nesting."""
    kind = draw(st.sampled_from(["tables", "junk", "deep", "bigint"]))
    if kind == "deep":
        depth = draw(st.integers(min_value=500, max_value=20_000))
        return "[" * depth + "]" * depth
    if kind == "bigint":
        return '{"table4": [' + "9" * draw(st.integers(min_value=10, max_value=6000)) + "]}"
    if kind == "junk":
        return json.dumps(draw(json_values), ensure_ascii=False)
    rows = st.dictionaries(st.sampled_from(["（七）总计", "行政规范性文件", "规章", "其他"]), json_values, max_size=3)
    data = {"table2": draw(rows), "table3": draw(rows), "table4": draw(json_values)}
    return json.dumps({"template": draw(st.sampled_from(["2021", "2019", "1999"])), "tables": data})


@FUZZ
@given(tables_json())
def test_any_tables_json_loads_or_is_a_user_error(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("json") / "tables.json"
    path.write_text(text, encoding="utf-8")
    try:
        load_tables(path)
    except UserError as exc:
        assert str(exc)


# ── HTML structure ──


@st.composite
def html_pages(draw: st.DrawFn, depth: int = 0) -> str:
    """Nested blocks, tables with any rowspan/colspan text, cells of any text."""
    parts = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        kind = draw(st.sampled_from(["text", "block", "table", "br"] if depth < 4 else ["text", "br"]))
        if kind == "text":
            parts.append(draw(texts).replace("<", "＜"))
        elif kind == "br":
            parts.append("<br>")
        elif kind == "block":
            tag = draw(st.sampled_from(["div", "p", "span", "li", "h2"]))
            parts.append(f"<{tag}>{draw(html_pages(depth + 1))}</{tag}>")
        else:
            rows = []
            for _ in range(draw(st.integers(min_value=0, max_value=4))):
                cells = []
                for _ in range(draw(st.integers(min_value=0, max_value=5))):
                    span = draw(
                        st.sampled_from(["", ' rowspan="2"', ' colspan="3"', ' rowspan="x"', ' colspan="99999"'])
                    )
                    cells.append(f"<td{span}>{draw(html_pages(depth + 1))}</td>")
                rows.append(f"<tr>{''.join(cells)}</tr>")
            parts.append(f"<table>{''.join(rows)}</table>")
    return "".join(parts)


@FUZZ
@given(html_pages())
def test_any_html_reads_and_parses_or_is_unreadable(body: str) -> None:
    page = f"<html><body><h1>平潭综合实验区2024年政府信息公开工作年度报告</h1>一、总体情况{body}</body></html>"
    try:
        document = read_bytes(page.encode("utf-8", "surrogatepass"), "page.html")
        parse_document(document)
    except UnreadableError:
        return
    assert not INVISIBLE.search(document.text)


# ── .docx structure ──

docx_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


@SLOW
@given(
    st.lists(docx_text, max_size=5),
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 6), st.lists(docx_text, max_size=30), st.booleans()), max_size=3
    ),
)
def test_any_docx_reads_and_parses_or_is_unreadable(paragraphs: list[str], tables: list) -> None:
    document = docx.Document()
    document.add_paragraph("一、总体情况")
    for text in paragraphs:
        document.add_paragraph(text)
    for rows, cols, cells, merge in tables:
        table = document.add_table(rows=rows, cols=cols)
        for i, text in enumerate(cells[: rows * cols]):
            table.cell(i // cols, i % cols).text = text
        if merge and rows > 1 and cols > 1:
            table.cell(0, 0).merge(table.cell(rows - 1, 1))
    out = io.BytesIO()
    document.save(out)
    try:
        read = read_bytes(out.getvalue(), "fuzz.docx")
        parse_document(read)
    except UnreadableError:
        return
    assert not INVISIBLE.search(read.text)
