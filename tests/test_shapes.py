"""The parser and checker on the real reports reshaped as extraction tools reshape them (tests/reshape.py):
every 表三/表四 cell comes back, the published error of pingtan 2020 is still an error naming its cell, and
the reports whose tables add up get no error and no parse finding."""

from __future__ import annotations

import pytest

from assistant.checks import check
from assistant.labels import SECTIONS, T3_TOTAL
from assistant.parser import parse_text
from assistant.tables import Location, t3_cell

from . import reshape
from .conftest import report_names

FILES = report_names()
SIX = reshape.SIX


@pytest.fixture(scope="module")
def references(reports, expected_tables):
    return {name: reshape.reference(reports / name, expected_tables[name]) for name in FILES}


@pytest.mark.parametrize("shape", list(reshape.SHAPES))
@pytest.mark.parametrize("name", FILES)
def test_every_cell_comes_back_and_only_real_errors_are_reported(shape, name, references, expected_tables):
    ref = references[name]
    report = parse_text(reshape.SHAPES[shape](ref), name)
    assert report.table3 == reshape.expected_table3(expected_tables[name]["table3"], shape, ref.template)
    assert report.table4 == expected_tables[name]["table4"]
    assert list(report.sections) == [s.text for s in SECTIONS]
    findings = check(report)
    # weishi's narrative error (其中 parts above their whole) is tested in test_checks; here: the tables
    errors = {(f.rule, f.where) for f in findings if f.severity == "error" and not f.where.section}
    if name == "pingtan-2020.txt":  # the published error: （七）总计 21 while the result rows add up to 27
        assert errors == {("T3-RESULT-SUM", t3_cell(T3_TOTAL, 0)), ("T3-RESULT-SUM", t3_cell(T3_TOTAL, 6))}
    else:
        assert not errors
    parse_findings = [f.rule for f in findings if f.rule.startswith("P-") and f.where.table != "table2"]
    assert not parse_findings
    blank = [f.message for f in findings if f.rule == "BLANK-CELL" and f.where.table != "table2"]
    assert not blank  # the unprinted （六） sub-rows of a collapsed （六） are not blanks


def test_collapsed_six_keeps_its_total_and_checks_the_result_sum(references):
    ref = references["huaian-shi-2024.pdf"]
    text = reshape.collapsed_six(ref)
    report = parse_text(text)
    assert report.table3[SIX] == [181, 5, 0, 0, 1, 0, 187]
    assert not [f for f in check(report) if f.severity == "error"]
    wrong = parse_text(text.replace("| 181 | 5 | 0 | 0 | 1 | 0 | 187 |", "| 180 | 5 | 0 | 0 | 1 | 0 | 186 |"))
    found = {(f.rule, f.where) for f in check(wrong) if f.severity == "error"}
    assert found == {("T3-RESULT-SUM", t3_cell(T3_TOTAL, 0)), ("T3-RESULT-SUM", t3_cell(T3_TOTAL, 6))}


def test_t4_in_three_tables_follows_the_group_names_not_the_order(references):
    # the three small tables printed 复议后起诉 first: each group's numbers still go to their own columns
    ref = references["huaian-shi-2024.pdf"]
    lines = reshape.table4_split(ref)
    per_group = len(lines) // 3
    shuffled = lines[2 * per_group :] + lines[:per_group] + lines[per_group : 2 * per_group]
    report = parse_text(reshape.render(ref, table4=lambda r: shuffled))
    assert report.table4 == ref.table4


def test_a_footer_is_never_read_as_a_cell(references):
    ref = references["pingtan-2024.txt"]
    text = reshape.render(ref, reshape.table3_wrapped)
    lines = text.split("\n")
    at = next(i for i, ln in enumerate(lines) if ln.startswith("（一）予以公开"))
    for footer in ("— 5 —", "- 4 -", "第 3 页 共 8 页"):
        report = parse_text("\n".join([*lines[:at], footer, *lines[at:]]))
        assert report.table3 == ref.table3, footer


def test_a_label_with_a_typo_and_no_numbers_in_between_stays_blank_not_shifted(references):
    # a typo'd label whose row was lost entirely: the neighbours keep their own values
    ref = references["huaian-shi-2024.pdf"]
    text = reshape.typo_labels(ref)
    lines = [ln for ln in text.split("\n") if "重夏申请" not in ln]
    report = parse_text("\n".join(lines))
    assert report.table3["2.重复申请"] == [None] * 7
    assert report.table3["3.要求提供公开出版物"] == ref.table3["3.要求提供公开出版物"]
    assert report.table3["1.信访举报投诉类申请"] == ref.table3["1.信访举报投诉类申请"]
    missing = [f for f in check(report) if f.where == Location(table="table3", row="2.重复申请")]
    assert [(f.rule, f.severity) for f in missing] == [("P-ROW-MISSING", "warning")]
