"""The checker: each rule passes a clean report and catches its failure; properties; real reports."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.checks import RULES, check
from assistant.checks.narrative import parts_exceeding, stated_figures
from assistant.labels import (
    PARTS,
    SECTIONS,
    T3_CARRIED,
    T3_CARRY_NEXT,
    T3_NEW,
    T3_ROWS,
    T3_TOTAL,
    TABLE2,
    t3_result_rows,
)
from assistant.parser import parse_text
from assistant.report import Finding, Report
from assistant.tables import Location, t2_cell, t3_cell

from .conftest import report_names

OVERVIEW, SIX = SECTIONS[0].text, SECTIONS[5].text
TEMPLATE_OF = {"pingtan-2019.txt": "2019", "pingtan-2020.txt": "2019"}


def balanced_tables(template: str, seed: int) -> tuple[dict, list]:
    """A random 表三/表四 satisfying every identity: results spread over rows, columns summed."""
    rng = random.Random(seed)
    results = t3_result_rows(template)
    t3: dict[str, list[int]] = {row.text: [0] * 7 for row in T3_ROWS[template]}
    for col in range(6):
        for label in results:
            t3[label][col] = rng.randint(0, 5)
        done = sum(t3[label][col] for label in results)
        t3[T3_TOTAL][col] = done
        t3[T3_CARRIED][col] = rng.randint(0, 3)
        t3[T3_CARRY_NEXT][col] = rng.randint(0, 3)
        t3[T3_NEW][col] = done + t3[T3_CARRY_NEXT][col] - t3[T3_CARRIED][col]
        if t3[T3_NEW][col] < 0:
            t3[T3_CARRY_NEXT][col] -= t3[T3_NEW][col]
            t3[T3_NEW][col] = 0
    for row in t3.values():
        row[6] = sum(row[:6])
    t4: list[int] = []
    for _ in range(3):
        parts = [rng.randint(0, 9) for _ in range(4)]
        t4 += [*parts, sum(parts)]
    return t3, t4


def make_report(template: str = "2021", seed: int = 0, **fields) -> Report:
    """A clean report: balanced tables, zero 表二, six sections, five parts, the fee mentioned."""
    t3, t4 = balanced_tables(template, seed)
    t2 = {row.text: [0] * len(item.columns) for item in TABLE2[template] for row in item.rows}
    sections = {s.text: f"{s.text}的内容。" for s in SECTIONS}
    sections[OVERVIEW] = "2024 年，我局做好" + "、".join(p.text for p in PARTS) + "工作。"
    sections[SIX] = "本年度未收取信息处理费。"
    base = dict(year=2024, period_year=2024, org="某市某局", template=template)
    base |= dict(table2=t2, table3=t3, table4=t4, sections=sections)
    return Report(**(base | fields))


def codes(report: Report, prior: Report | None = None) -> set[str]:
    return {f.rule for f in check(report, prior)}


def errors(report: Report, prior: Report | None = None) -> set[str]:
    return {f.rule for f in check(report, prior) if f.severity == "error"}


@pytest.fixture(scope="session")
def from_expected(expected_tables: dict) -> Callable[..., Report]:
    """from_expected(name, **fields): a report holding a real report's reference tables (and blank 表二)."""

    def build(name: str, **fields) -> Report:
        return _from_reference(name, expected_tables[name], **fields)

    return build


def _from_reference(name: str, ref: dict, **fields) -> Report:
    template = TEMPLATE_OF.get(name, "2021")
    t2 = {row.text: [0] * len(item.columns) for item in TABLE2[template] for row in item.rows}
    year = int(name.split("-")[-1][:4])
    tables = {"table3": ref["table3"], "table4": ref["table4"]}
    return Report(template=template, year=year, org="平潭综合实验区", table2=t2, **(tables | fields))


# ── catalogue and clean reports ─────────────────────────────────────────────────────────────


def test_catalogue_has_codes_severities_and_docs():
    assert {
        "T3-BALANCE",
        "T3-ROW-TOTAL",
        "T3-RESULT-SUM",
        "T4-GROUP-TOTAL",
        "BLANK-CELL",
        "X-CARRYOVER",
    } <= set(RULES)
    for code, rule in RULES.items():
        assert rule.severity in ("error", "warning") and "Why" in rule.doc, code


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_clean_report_has_no_findings(template):
    assert check(make_report(template)) == []


def test_findings_sorted_errors_first_and_parse_findings_included():
    report = make_report(period_year=2023)
    report.sections[SIX] = "无。"
    report.parse_findings = [Finding(rule="P-AMBIGUOUS", severity="warning", message="两种拆分")]
    found = check(report)
    assert [f.rule for f in found] == ["S-YEAR", "P-AMBIGUOUS", "S-FEE"]


# ── tables ──────────────────────────────────────────────────────────────────────────────────


def test_t3_balance_names_column_and_shows_arithmetic():
    report = make_report()
    report.table3[T3_NEW] = [v + (2 if i in (0, 6) else 0) for i, v in enumerate(report.table3[T3_NEW])]
    found = [f for f in check(report) if f.rule == "T3-BALANCE"]
    assert [f.where for f in found] == [t3_cell(T3_TOTAL, 0), t3_cell(T3_TOTAL, 6)]
    new, carried = report.table3[T3_NEW][0], report.table3[T3_CARRIED][0]
    assert f"一({new})+二({carried})={new + carried}" in found[0].message


def test_t3_row_total():
    report = make_report()
    report.table3["（一）予以公开"][6] += 1
    found = [f for f in check(report) if f.rule == "T3-ROW-TOTAL"]
    assert len(found) == 1 and found[0].where == t3_cell("（一）予以公开", 6)


def test_t3_result_sum():
    report = make_report("2019")
    report.table3["（六）其他处理"][1] += 4
    report.table3["（六）其他处理"][6] += 4
    found = [f for f in check(report) if f.rule == "T3-RESULT-SUM"]
    assert [f.where for f in found] == [t3_cell(T3_TOTAL, 1), t3_cell(T3_TOTAL, 6)]


def test_t4_group_total():
    report = make_report()
    report.table4[14] += 1
    found = [f for f in check(report) if f.rule == "T4-GROUP-TOTAL"]
    assert len(found) == 1 and "复议后起诉" in found[0].message


@pytest.mark.parametrize("bad", [3.5, -1])
def test_t3_and_t4_integer(bad):
    report = make_report()
    report.table3["（一）予以公开"][2] = bad
    report.table4[0] = bad
    assert {"T3-INTEGER", "T4-INTEGER"} <= errors(report)


def test_t2_count_allows_2019_signed_changes_and_2021_fee_amounts():
    ok19, ok21 = make_report("2019"), make_report("2021")
    ok19.table2["行政许可"][1] = -18
    ok19.table2["政府集中采购"][1] = 251000.52
    ok21.table2["行政事业性收费"][0] = 96171.6
    assert "T2-COUNT" not in codes(ok19) | codes(ok21)
    bad = make_report("2021")
    bad.table2["行政许可"][0] = 12.5
    bad.table2["行政事业性收费"][0] = -3
    found = [f for f in check(bad) if f.rule == "T2-COUNT"]
    assert [f.where for f in found] == [
        t2_cell("行政许可", "本年处理决定数量"),
        t2_cell("行政事业性收费", "本年收费金额（单位：万元）"),
    ]
    neg = make_report("2019")
    neg.table2["规章"][0] = -1
    assert "T2-COUNT" in errors(neg)


def test_table_missing():
    assert "TABLE-MISSING" in errors(make_report(table4=[]))
    assert "TABLE-MISSING" in errors(make_report(table2={}))
    short = make_report()
    del short.table3[T3_CARRY_NEXT]
    short.table4.pop()
    found = [f.where for f in check(short) if f.rule == "TABLE-MISSING"]
    assert found == [Location(table="table3", row=T3_CARRY_NEXT), Location(table="table4")]


def test_blank_cells_are_grouped_and_skip_sums():
    t2, t3, t4 = (
        {row.text: [None] * len(item.columns) for item in TABLE2["2021"] for row in item.rows},
        {row.text: [None] * 7 for row in T3_ROWS["2021"]},
        [None] * 15,
    )
    found = check(make_report(table2=t2, table3=t3, table4=t4))
    blank = [f for f in found if f.rule == "BLANK-CELL"]
    assert [f.where for f in blank] == [Location(table=t) for t in ("table3", "table4", "table2")]
    assert blank[0].message == "表三全部为空白，请填写数字（没有的填 0）。"
    assert not [f for f in found if f.severity == "error"]
    every = [f.where for f in check(make_report(table2=t2, table3=t3, table4=t4), every_cell=True)]
    assert len(every) == 7 * len(t3) + 15 + sum(map(len, t2.values()))
    assert every[0] == t3_cell(T3_NEW, 0)


def test_blank_cells_of_a_real_table_are_one_warning_listing_the_rows(from_expected):
    # huaian's table with "/" written for 0 in two rows: one warning for 表三, every cell kept with every_cell
    report = from_expected("huaian-shi-2024.pdf")
    for label in ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "3.补正后申请内容仍不明确"):
        report.table3[label] = [None if v == 0 else v for v in report.table3[label]]
    blank = [f for f in check(report) if f.rule == "BLANK-CELL"]
    assert [(f.where, f.severity) for f in blank] == [(Location(table="table3"), "warning")]
    assert blank[0].message == (
        "表三有 9 个单元格为空白（没有的应填 0）：「（二）部分公开（区分处理的，只计这一情形，不计其他情形）」"
        "（科研机构、社会公益组织、法律服务机构、其他）、「3.补正后申请内容仍不明确」（商业企业、科研机构、社会公益组织、"
        "法律服务机构、其他）。"
    )
    cells = [f.where for f in check(report, every_cell=True) if f.rule == "BLANK-CELL"]
    assert len(cells) == 9 and cells[0] == t3_cell("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 2)


@pytest.mark.parametrize("template", ["2019", "2021"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_changed_t3_cell_is_caught(template, data):
    report = make_report(template, seed=data.draw(st.integers(0, 10_000)))
    label = data.draw(st.sampled_from(list(report.table3)))
    col = data.draw(st.integers(0, 6))
    delta = data.draw(st.integers(1, 50))
    report.table3[label][col] += delta
    assert errors(report) & {"T3-BALANCE", "T3-ROW-TOTAL", "T3-RESULT-SUM"}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), col=st.integers(0, 14), delta=st.integers(1, 50))
def test_any_changed_t4_cell_is_caught(seed, col, delta):
    report = make_report(seed=seed)
    report.table4[col] += delta
    assert "T4-GROUP-TOTAL" in errors(report)


@pytest.mark.parametrize("template", ["2019", "2021"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_blank_cell_warns_without_sum_error(template, data):
    report = make_report(template, seed=data.draw(st.integers(0, 10_000)))
    if data.draw(st.booleans()):
        label = data.draw(st.sampled_from(list(report.table3)))
        report.table3[label][data.draw(st.integers(0, 6))] = None
    else:
        report.table4[data.draw(st.integers(0, 14))] = None
    found = check(report)
    assert [f.rule for f in found] == ["BLANK-CELL"]


# ── real tables (expected-tables.json) ─────────────────────────────────────────────────────

TABLE_RULES = {"TABLE-MISSING", "BLANK-CELL", "T3-INTEGER", "T4-INTEGER", "T3-BALANCE", "T3-ROW-TOTAL"}
TABLE_RULES |= {"T3-RESULT-SUM", "T4-GROUP-TOTAL", "T2-COUNT"}


def test_pingtan_2020_result_rows_do_not_add_up(from_expected):
    found = [f for f in check(from_expected("pingtan-2020.txt")) if f.rule == "T3-RESULT-SUM"]
    total = next(f for f in found if f.where == t3_cell(T3_TOTAL, 6))
    assert (total.severity, total.message) == (
        "error",
        "表三「（七）总计」行「总计」列为 21，而各办理结果行之和为 7+6+4+3+3+4=27。",
    )


@pytest.mark.parametrize("name", [n for n in report_names() if n != "pingtan-2020.txt"])
def test_other_real_tables_pass_all_table_rules(name, from_expected):
    assert not codes(from_expected(name)) & TABLE_RULES


PINGTAN = [f"pingtan-{y}.txt" for y in range(2019, 2026)]


@pytest.mark.parametrize(("before", "after"), list(zip(PINGTAN, PINGTAN[1:], strict=False)))
def test_pingtan_consecutive_years_carry_over(before, after, from_expected):
    assert not codes(from_expected(after), from_expected(before)) & {"X-CARRYOVER", "X-PRIOR"}


def test_carryover_mismatch_is_an_error_for_last_years_report(from_expected):
    # 2021's 结转下年度 (自然人 1) given as the prior of a 2022 report whose 上年结转 says 0
    report, prior = from_expected("pingtan-2022.txt"), from_expected("pingtan-2021.txt")
    report.table3[T3_CARRIED] = [0, 0, 0, 0, 0, 0, 0]
    carry = [f for f in check(report, prior) if f.rule == "X-CARRYOVER"]
    assert [f.where for f in carry] == [
        t3_cell(T3_CARRIED, 0),
        t3_cell(T3_CARRIED, 6),
    ]


def test_a_prior_of_another_year_is_named_not_compared(from_expected):
    found = check(from_expected("pingtan-2022.txt"), from_expected("pingtan-2020.txt"))
    assert not [f for f in found if f.rule == "X-CARRYOVER"]
    assert [(f.rule, f.message) for f in found if f.rule.startswith("X-")] == [
        ("X-PRIOR", "上年报告的年度为 2020 年，应为 2021 年。")
    ]


def test_prior_of_another_body_warns():
    report, prior = make_report(), make_report(year=2023, org="平潭综合实验区管委会")
    assert "X-PRIOR" in codes(report, prior)
    assert "X-PRIOR" not in codes(report, make_report(year=2023, org="某市某局办公室"))


# ── narrative ──────────────────────────────────────────────────────────────────────────────


def with_overview(text: str, **fields) -> Report:
    report = make_report(**fields)
    report.sections[OVERVIEW] = report.sections[OVERVIEW] + text
    return report


def huaian_like() -> Report:
    """Tables with huaian 2024's totals (新收 3119, 上年结转 34, 总计 3050, 结转 103; 复议 351, 诉讼 26+20)."""
    report = make_report()
    for label, total in ((T3_NEW, 3119), (T3_CARRIED, 34), (T3_TOTAL, 3050), (T3_CARRY_NEXT, 103)):
        report.table3[label][6] = total
    report.table4[4], report.table4[9], report.table4[14] = 351, 26, 20
    return report


HUAIAN_TEXT = (
    "2024 年,全市共受理政府信息公开申请 3119 件,答\n复 3050 件(含上年度结转申请 34 件,另有 103 件顺延到下年度\n"
    "答复),均在法定期限内予以答复。政府信息公开行政复议 351\n件,其中结果维持 72 件,结果纠正 64 件,其他结果 178 件,尚\n"
    "未审结 37 件;政府信息公开行政诉讼 46 件,其中结果维持 25\n件,结果纠正 5 件,其他结果 9 件,尚未审结 7 件。"
)


def test_stated_figures_read_concepts_from_huaian_sentences():
    from assistant.textnums import sentences, unwrap

    got = {(c, q.value) for s in sentences(unwrap(HUAIAN_TEXT)) for c, q in stated_figures(s)}
    assert got == {
        ("新收", 3119),
        ("办结", 3050),
        ("上年结转", 34),
        ("结转下年度", 103),
        ("行政复议", 351),
        ("行政诉讼", 46),
    }


def test_narrative_agreeing_with_tables_passes():
    report = huaian_like()
    report.sections[OVERVIEW] += HUAIAN_TEXT
    assert not codes(report) & {"N-TABLE-MISMATCH", "N-NONE-CONTRADICTS", "N-PART-EXCEEDS-WHOLE"}
    report.sections[OVERVIEW] += "共收到申请 3153 件（含上年结转 34 件）。"
    assert "N-TABLE-MISMATCH" not in codes(report)


def test_narrative_figure_matching_no_table_quantity_warns():
    report = huaian_like()
    report.sections[OVERVIEW] += "全年共收到政府信息公开申请 3200 件，行政诉讼 40 件。"
    found = [f for f in check(report) if f.rule == "N-TABLE-MISMATCH"]
    assert len(found) == 2 and all(f.severity == "warning" for f in found)
    claims = [f.message.split("：「")[0] for f in found]  # the quoted sentence after "：「" is the same for both
    assert claims == [
        "正文称新收 3200 件，与统计表不符（表中对应：本年新收 3119、本年新收＋上年结转 3153）",
        "正文称行政诉讼 40 件，与统计表不符（表中对应：复议后起诉 20、未经复议直接起诉 26、行政诉讼合计 46）",
    ]


def test_none_statement_contradicting_tables_is_error():
    report = huaian_like()
    report.sections[OVERVIEW] += "本年度未收到政府信息公开申请，也未发生行政复议和行政诉讼案件。"
    found = [f.message for f in check(report) if f.rule == "N-NONE-CONTRADICTS"]
    assert len(found) == 3 and "3119" in found[0]


def test_none_statement_with_zero_tables_passes():
    report = make_report(seed=1)
    for row in report.table3.values():
        row[:] = [0] * 7
    report.table4[:] = [0] * 15
    report.sections[OVERVIEW] += (
        "2024年度我区未接到依申请公开办理事件，也未有因信息公开而产生的行政复议和行政诉讼事件。"
    )
    assert check(report) == []


def test_part_exceeding_whole_in_same_sentence():
    report = with_overview("共接受群众咨询 65 人次，其中现场咨询 30 余次，电话咨询 52 次。")
    found = [f for f in check(report) if f.rule == "N-PART-EXCEEDS-WHOLE"]
    assert [(f.severity, f.message) for f in found] == [
        (
            "warning",
            "「其中」各项之和 30余次+52次=82，超过总数 65人次（如各项有交叉请忽略）："
            "「共接受群众咨询 65 人次，其中现场咨询 30 余次，电话咨询 52 次。」",
        )
    ]
    fine = with_overview("共接受群众咨询 90 人次，其中现场咨询 30 余次，电话咨询 52 次。")
    assert "N-PART-EXCEEDS-WHOLE" not in codes(fine)


def test_approximate_whole_is_an_upper_bound_too():
    assert not list(parts_exceeding("发布信息 500 余条，其中网站 350 条，微博 200 条。"))
    assert list(parts_exceeding("发布信息 500 余条，其中网站 450 条，微博 200 条。"))


def test_weishi_two_part_errors_are_found(reports):
    text = (reports / "weishi-kaifaqu-2022.txt").read_text(encoding="utf-8")
    found = [f for f in check(make_report(sections={OVERVIEW: text})) if f.rule == "N-PART-EXCEEDS-WHOLE"]
    assert len(found) == 2
    by_severity = {f.severity: f.message for f in found}
    # a single part (1600 余条) above its whole is impossible: error
    assert "1600余条" in by_severity["error"] and "500余条" in by_severity["error"]
    # parts that only add up to more (30+52 > 65) may overlap: warning
    assert "30余次+52次=82" in by_severity["warning"] and "65人次" in by_severity["warning"]


@pytest.mark.parametrize("name", [*PINGTAN, "pingtan-2024.html"])
def test_no_false_part_errors_in_pingtan(name, reports):
    assert not list(parts_exceeding((reports / name).read_text(encoding="utf-8")))


def test_huaian_pdf_passes_narrative_and_table_rules(reports):
    from assistant.parser import parse_file

    report = parse_file(reports / "huaian-shi-2024.pdf")
    assert not list(parts_exceeding(report.text))
    found = codes(report)
    assert not found & (TABLE_RULES | {"N-TABLE-MISMATCH", "N-NONE-CONTRADICTS", "N-PART-EXCEEDS-WHOLE"})


# ── structure ──────────────────────────────────────────────────────────────────────────────


def test_section_missing_and_order():
    report = make_report()
    del report.sections[SECTIONS[4].text]
    found = [f for f in check(report) if f.rule == "S-SECTION-MISSING"]
    assert [f.where for f in found] == [Location(section=SECTIONS[4].text)]
    shuffled = make_report()
    shuffled.sections = {k: shuffled.sections[k] for k in [s.text for s in SECTIONS][::-1]}
    assert [(f.rule, f.severity) for f in check(shuffled)][-1] == ("S-SECTION-ORDER", "warning")


def test_a_real_report_with_two_sections_swapped_is_read_whole_and_warned(reports):
    text = (reports / "pingtan-2022.txt").read_text(encoding="utf-8")
    four = text.index("四、", text.index("四、结转下年度继续办理") + 2)  # 四's heading, after 表三's row 四
    five, six = text.index("五、存在的主要问题"), text.index("六、其他需要报告")
    swapped = parse_text(text[:four] + text[five:six] + text[four:five] + text[six:])
    original = parse_text(text)
    assert list(swapped.sections) == [SECTIONS[i].text for i in (0, 1, 2, 4, 3, 5)]
    assert swapped.sections == original.sections and swapped.tables_json() == original.tables_json()
    found = [(f.rule, f.where) for f in check(swapped) if f.rule.startswith("S-SECTION")]
    assert found == [("S-SECTION-ORDER", Location(section=SECTIONS[3].text))]


def test_parts_missing_named():
    report = make_report(sections={OVERVIEW: "做好主动公开、依申请公开、政府信息管理工作。"})
    found = [f.message for f in check(report) if f.rule == "S-PARTS"]
    assert len(found) == 2 and "平台" in found[0] and "监督保障" in found[1]
    parted = make_report(sections={OVERVIEW: "做好主动公开、依申请公开、政府信息管理工作。"})
    parted.parts = {PARTS[3].text: "网站", PARTS[4].text: "考核"}
    assert "S-PARTS" not in codes(parted)


def test_length_2021_only():
    long = "主动公开依申请政府信息管理平台监督保障" + "工作" * 495
    assert "S-LENGTH" in codes(make_report(sections={OVERVIEW: long}))
    assert "S-LENGTH" not in codes(make_report("2019", sections={OVERVIEW: long}))
    spaced = "主动公开依申请政府信息管理平台监督保障" + "工作，" * 490
    assert "S-LENGTH" not in codes(make_report(sections={OVERVIEW: spaced}))


def test_year_period_mismatch_is_error_and_reused_text_warns():
    found = {f.rule: f.severity for f in check(make_report(period_year=2023))}
    assert found == {"S-YEAR": "error"}
    reused = with_overview("2023 年，我局…2023 年全年…2023年底。")
    assert [(f.rule, f.severity) for f in check(reused)] == [("S-YEAR", "warning")]


def test_fee_not_mentioned_2021_only():
    report = make_report()
    report.sections[SIX] = "无其他需要报告的事项。"
    assert "S-FEE" in codes(report)
    old = make_report("2019")
    old.sections[SIX] = "无其他需要报告的事项。"
    assert "S-FEE" not in codes(old)


def test_no_review_application_is_not_read_as_no_disclosure_application():
    report = make_report(sections={OVERVIEW: "本年度未收到行政复议申请。"})
    report.table3[T3_NEW] = [1, 0, 0, 0, 0, 0, 1]
    assert not [f for f in check(report) if f.message.startswith("正文称未收到申请")]


@pytest.mark.parametrize(
    "sentence",
    ["本年度未发生因政府信息公开被申请行政复议的情况。", "本年度未收到因政府信息公开申请行政复议的情况。"],
)
def test_no_review_sentence_is_not_read_as_no_disclosure_application(sentence):
    report = make_report(sections={OVERVIEW: sentence})
    report.table3[T3_NEW] = [1, 0, 0, 0, 0, 0, 1]
    assert not [f for f in check(report) if f.message.startswith("正文称未收到申请")]


def test_parts_may_belong_to_an_earlier_figure_than_the_nearest():
    text = "全年新收政府信息公开申请 41 件，上年结转 3 件；其中自然人 35 件，商业企业 4 件，法律服务机构 2 件。"
    assert not list(parts_exceeding(text))
    assert list(parts_exceeding(text.replace("41 件", "40 件")))


def test_figures_of_the_request_part_need_not_repeat_the_word_application():
    from assistant.labels import PARTS

    part = "（二）依申请公开\n一是规范办理流程；二是办结 50 件，结转下年度 2 件。"
    report = make_report(sections={OVERVIEW: part}, parts={PARTS[1].text: part})
    report.table3[T3_TOTAL][6], report.table3[T3_CARRY_NEXT][6] = 42, 2
    found = [f for f in check(report) if f.rule == "N-TABLE-MISMATCH"]
    assert len(found) == 1 and "办结 50" in found[0].message
    assert "（七）总计 42" in found[0].message  # each table figure is named by what it counts


def test_a_placeholder_left_in_the_text_is_an_error():
    heading = SECTIONS[5].text
    report = make_report(sections={heading: "（要点未涉及信息处理费收取情况，请补充。）"})
    found = [f for f in check(report) if f.rule == "S-PLACEHOLDER"]
    assert len(found) == 1 and found[0].severity == "error" and "信息处理费" in found[0].message
    assert "S-PLACEHOLDER" not in codes(make_report(sections={heading: "本年度未收取信息处理费。"}))


def test_catalogue_reads_tables_first_and_last_years_report_last():
    codes_in_order = list(RULES)
    assert codes_in_order[0] == "TABLE-MISSING" and codes_in_order[-2:] == ["X-CARRYOVER", "X-PRIOR"]
    assert all(RULES[code].doc for code in codes_in_order)  # every rule documents what, why, example


# ── fewer false alarms ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "sentence",
    [
        "本年度未收到申请人提交的补正材料，按规定终止办理。",
        "本年度未收到对本机关政府信息公开工作的投诉举报。",
        "全年未收到申请人对答复结果的异议。",
    ],
)
def test_not_received_about_something_else_is_no_contradiction(sentence):
    report = make_report(sections={OVERVIEW: sentence})
    report.table3[T3_NEW][6] = max(report.table3[T3_NEW][6], 1)
    assert "N-NONE-CONTRADICTS" not in codes(report)


@pytest.mark.parametrize(
    "sentence", ["本年度未收到政府信息公开申请。", "全年没有受理依申请公开事项。", "本年度暂未收到公开申请。"]
)
def test_denying_disclosure_applications_contradicts_a_counted_one(sentence):
    report = make_report(sections={OVERVIEW: sentence})
    report.table3[T3_NEW] = [1, 0, 0, 0, 0, 0, 1]
    found = [f for f in check(report) if f.rule == "N-NONE-CONTRADICTS"]
    assert [(f.severity, f.where) for f in found] == [("error", Location(section=OVERVIEW))]


def test_parts_are_covered_by_their_content(reports):
    from assistant.parser import parse_file

    # pingtan 2019's overview never uses the words 信息管理/监督保障 but speaks of 规范性文件 and of training
    # and 督促: those parts are covered; it says nothing at all about applications, which stays a warning
    found = [f.message for f in check(parse_file(reports / "pingtan-2019.txt")) if f.rule == "S-PARTS"]
    assert found == ["总体情况未涉及「（二）依申请公开」（未找到相关内容）。"]
    figures = "全年公开政府信息 2602 条。共受理政府信息公开申请 21 件。"
    found = [f.message for f in check(make_report(sections={OVERVIEW: figures})) if f.rule == "S-PARTS"]
    assert found == [
        "总体情况未涉及「（三）政府信息管理」（未找到相关内容）。",
        "总体情况未涉及「（四）政府信息公开平台建设」（未找到相关内容）。",
        "总体情况未涉及「（五）监督保障」（未找到相关内容）。",
    ]


# ── what the narrative states beyond totals ─────────────────────────────────────────────────

PINGTAN_2023_RESULTS = (
    "办结依申请公开81件，其中：予以公开及部分公开42件，占51.85%；不予公开5件，占6.17%；无法提供31件，"
    "占38.27%；不予处理1件，占1.23%；其他处理2件，占2.47%。"
)


def test_result_categories_and_shares_of_a_real_report_agree(reports):
    from assistant.parser import parse_file

    report = parse_file(reports / "pingtan-2023.txt")
    assert PINGTAN_2023_RESULTS.rstrip("。") in report.sections[OVERVIEW]  # the sentence as published
    assert not codes(report) & {"N-RESULT-MISMATCH", "N-SHARE"}


@pytest.mark.parametrize(
    ("wrong", "right", "severity"),
    [
        ("不予公开5件", "不予公开4件", "error"),  # 表三（三）'s eight sub-rows add up to 5
        ("无法提供31件", "无法提供30件", "error"),
        ("其他处理2件", "其他处理3件", "error"),
        ("予以公开及部分公开42件", "予以公开及部分公开40件", "error"),
    ],
)
def test_a_wrong_result_category_names_sentence_and_rows(wrong, right, severity, from_expected):
    report = from_expected("pingtan-2023.txt", sections={OVERVIEW: PINGTAN_2023_RESULTS.replace(wrong, right)})
    found = [f for f in check(report) if f.rule == "N-RESULT-MISMATCH"]
    assert [(f.severity, f.where) for f in found] == [(severity, Location(section=OVERVIEW))]
    assert f"正文称{right}" in found[0].message and "总计为" in found[0].message


def test_public_alone_accepts_either_wording_and_warns_otherwise(from_expected):
    # 予以公开 alone: 表三（一）, or （一）+（二） when a report counts 部分公开 in
    for stated, found in (("予以公开42件", set()), ("予以公开40件", {("N-RESULT-MISMATCH", "warning")})):
        report = from_expected("pingtan-2023.txt", sections={OVERVIEW: f"办结申请81件，{stated}。"})
        table = report.t3_total("（一）予以公开")
        assert table != 42 and table != 40
        assert {(f.rule, f.severity) for f in check(report) if f.rule == "N-RESULT-MISMATCH"} == found


def test_a_share_that_fits_no_whole_warns(from_expected):
    text = PINGTAN_2023_RESULTS.replace("占6.17%", "占8.2%")
    found = [f for f in check(from_expected("pingtan-2023.txt", sections={OVERVIEW: text})) if f.rule == "N-SHARE"]
    assert [(f.severity, f.message.split("：「")[0]) for f in found] == [
        ("warning", "正文称5件占 8.2%，与任一总数都不符（5/42=11.9%、5/81=6.2%）")
    ]


def test_a_share_of_a_stated_whole_is_checked_too():
    assert "N-SHARE" not in codes(with_overview("全年发布信息 200 条，其中政策解读 50 条，占 25%。"))
    assert "N-SHARE" in codes(with_overview("全年发布信息 200 条，其中政策解读 50 条，占 30%。"))


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("行政复议 2 件，均获维持。", {("N-OUTCOME", "error")}),  # pingtan 2023: 复议 1 upheld, 1 corrected
        ("行政诉讼 7 件，均获维持。", {("N-OUTCOME", "warning")}),  # 诉讼: 5 upheld, 1 other, 1 pending
        ("行政诉讼 7 件，均已审结。", {("N-OUTCOME", "error")}),
        ("行政复议 2 件，均已审结。", set()),
    ],
)
def test_case_outcomes_against_table4(sentence, expected, from_expected):
    report = from_expected("pingtan-2023.txt", sections={OVERVIEW: sentence})
    assert {(f.rule, f.severity) for f in check(report) if f.rule == "N-OUTCOME"} == expected


def test_changes_against_last_years_report(from_expected):
    prior = from_expected("pingtan-2023.txt")
    right = "2024年共收到政府信息公开申请218件，较去年增长169.1%。行政复议7件，同比增加5件。"
    assert "X-CHANGE" not in codes(from_expected("pingtan-2024.txt", sections={OVERVIEW: right}), prior)
    wrong = "共收到政府信息公开申请218件，同比增长20%。行政复议7件，较上年减少5件。"
    found = [
        f for f in check(from_expected("pingtan-2024.txt", sections={OVERVIEW: wrong}), prior) if f.rule == "X-CHANGE"
    ]
    assert [(f.severity, f.message.split("：「")[0]) for f in found] == [
        ("error", "正文称新收 218 件同比增长20%，与上年报告不符（上年本年新收＋上年结转 81、本年新收 81）"),
        ("error", "正文称行政复议 7 件较上年减少5件，与上年报告不符（上年行政复议总计 2）"),
    ]
    # without last year's report (or against another year's) nothing is compared
    assert "X-CHANGE" not in codes(from_expected("pingtan-2024.txt", sections={OVERVIEW: wrong}))
    assert "X-CHANGE" not in codes(
        from_expected("pingtan-2024.txt", sections={OVERVIEW: wrong}), from_expected("pingtan-2022.txt")
    )
