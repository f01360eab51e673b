"""The parser against every real report of the bundled corpus and against the table shapes real files produce."""

from __future__ import annotations

import pytest

from assistant.labels import SECTIONS, T3_ROWS
from assistant.parser import _splits, parse_file, parse_text
from assistant.tables import Location, t3_cell

from .conftest import report_names

FILES = report_names()
META = {
    "weishi-kaifaqu-2022.txt": ("尉氏县先进制造业开发区", 2022, "2021"),
    "huaian-shi-2024.pdf": ("淮安市人民政府", 2024, "2021"),
    "pingtan-2024.html": ("平潭综合实验区", 2024, "2021"),
    **{f"pingtan-{y}.txt": ("平潭综合实验区", y, "2019" if y < 2021 else "2021") for y in range(2019, 2026)},
}


@pytest.fixture(scope="module", params=FILES)
def parsed(request, reports):
    return request.param, parse_file(reports / request.param)


def test_tables_match_reference(parsed, expected_tables):
    name, report = parsed
    expected = expected_tables[name]
    assert report.table3 == expected["table3"]
    assert report.table4 == expected["table4"]


def test_body_year_template_sections(parsed):
    name, report = parsed
    org, year, template = META[name]
    assert (report.org, report.year, report.template) == (org, year, template)
    assert list(report.sections) == [s.text for s in SECTIONS]
    # narrative sections carry their text; the table sections only what precedes their table
    assert all(report.sections[SECTIONS[i].text] for i in (0, 4, 5))
    assert "本年新收" not in report.sections[SECTIONS[2].text]
    assert len(report.table3) == len(T3_ROWS[template])


def test_huaian_table2_matches_reference(expected_tables, reports):
    report = parse_file(reports / "huaian-shi-2024.pdf")
    t2 = expected_tables["huaian-shi-2024.pdf"]["table2"]
    assert report.table2["规章"] == t2["规章"]
    assert report.table2["行政规范性文件"] == t2["行政规范性文件"]
    assert report.table2["行政许可"] == [t2["行政许可"]]
    assert report.table2["行政处罚"] == [t2["行政处罚"]]
    assert report.table2["行政强制"] == [t2["行政强制"]]
    assert report.table2["行政事业性收费"] == [t2["行政事业性收费(万元)"]]


def test_joint_solving_settles_rows_a_row_total_alone_cannot(reports):
    # "270020130" splits as 27,0,0,2,0,1,30 or 2,7,0,0,20,1,30: both keep the row total; only the
    # column identities of the whole table decide (expected-tables.json lists these as hand-resolved).
    report = parse_file(reports / "pingtan-2021.txt")
    assert report.table3["（一）予以公开"] == [27, 0, 0, 2, 0, 1, 30]
    assert report.table3["1.本机关不掌握相关政府信息"] == [22, 0, 0, 0, 0, 3, 25]
    assert not [f for f in report.parse_findings if f.where.table == "table3"]


def test_shifted_web_copy_rows_are_read(reports):
    # weishi rows carry 6 cells (one lost to a shifted column) or start one column late
    report = parse_file(reports / "weishi-kaifaqu-2022.txt")
    assert all(row == [0] * 7 for row in report.table3.values())
    assert report.table2["行政规范性文件"] == [0, 0, 0]


def test_digit_runs_in_table2_that_no_identity_settles_are_reported_not_guessed(reports):
    report = parse_file(reports / "pingtan-2024.txt")
    assert report.table2["行政规范性文件"] == [None, None, None]
    finding = next(f for f in report.parse_findings if f.where == Location(table="table2", row="行政规范性文件"))
    assert finding.rule == "P-AMBIGUOUS" and "6233440" in finding.message
    assert report.table2["行政许可"] == [4529]
    assert report.table2["行政事业性收费"] == [18651.06]


def test_signed_2019_cells_are_split_at_the_sign(reports):
    report = parse_file(reports / "pingtan-2020.txt")
    assert report.table2["行政事业性收费"] == [35, -15]


def test_period_year_is_read(reports):
    assert parse_file(reports / "pingtan-2020.txt").period_year == 2020


def _table3_text(rows: dict[str, str]) -> str:
    lines = ["某某局2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况"]
    lines += [f"{label.text}\t{rows.get(label.text, chr(9).join(['0'] * 7))}" for label in T3_ROWS["2021"]]
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    return "\n".join(lines)


def test_blank_and_slash_cells_stay_blank():
    text = _table3_text({"（一）予以公开": "/\t—\t\t0\t0\t0\t0"})
    report = parse_text(text)
    assert report.table3["（一）予以公开"] == [None, None, None, 0, 0, 0, 0]


def test_two_readings_that_fit_equally_are_reported():
    # with 一 and （七） blank no column identity can be evaluated, so "110000011" (11,0,…,11 or
    # 1,10,0,…,11) stays undecided
    blank = "\t".join(["/"] * 7)
    rows = {"（一）予以公开": "110000011", "一、本年新收政府信息公开申请数量": blank, "（七）总计": blank}
    report = parse_text(_table3_text(rows))
    finding = next(f for f in report.parse_findings if f.where == Location(table="table3", row="（一）予以公开"))
    assert finding.rule == "P-AMBIGUOUS"
    assert finding.message == (
        "表三「（一）予以公开」行有 2 种读法都符合表内关系（如 1、10、0、0、0、0、11；11、0、0、0、0、0、11），"
        "已取第一种，请核对原表"
    )


def test_splits_respect_row_totals_and_leading_zeros():
    assert list(_splits("640020470", 7, 7)) == [(64, 0, 0, 2, 0, 4, 70)]
    assert list(_splits("0000000", 7, 7)) == [(0,) * 7]
    assert (1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0) in list(_splits("10203120001200000", 15, 5))
    assert all(len(s) == 3 for s in _splits("6233440", 3))
    assert list(_splits("01", 2)) == [(0, 1)]


@pytest.mark.parametrize(
    "title",
    [
        "某某市交通运输局2023年政府信息公开工作年度报告",
        "2023年度某某市交通运输局政府信息公开工作年度报告",
        "某某市交通运输局政府信息公开工作2023年度报告",
    ],
)
def test_title_forms(title):
    report = parse_text(f"{title}\n一、总体情况\n2023年，我局……")
    assert (report.org, report.year) == ("某某市交通运输局", 2023)


def test_rows_with_a_cell_too_few_are_named(reports):
    report = parse_file(reports / "weishi-kaifaqu-2022.txt")
    finding = next(f for f in report.parse_findings if f.rule == "P-SHIFTED")
    assert "（一）予以公开" in finding.message and "6 个数" in finding.message


def test_gridless_pdf_text_with_wrapped_labels_and_values_between_the_halves(expected_tables):
    # a PDF without ruling lines comes out as lines "label-start v1 v2 … v7" with the label's rest on
    # the next line; the reference values of huaian must still come back
    expected = expected_tables["huaian-shi-2024.pdf"]["table3"]
    lines = ["某某市人民政府2024年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况"]
    for label, row in expected.items():
        head, tail = label[:9], label[9:]
        lines.append(f"{head} {' '.join(map(str, row))}")
        if tail:
            lines.append(tail)
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    report = parse_text("\n".join(lines))
    assert report.table3 == expected


def test_markdown_export_parses_back(tmp_path, reports):
    # a draft saved as .md must be checkable: its pipe tables read like any other table
    from assistant.export import to_markdown

    for name in ("huaian-shi-2024.pdf", "pingtan-2020.txt"):
        report = parse_file(reports / name)
        path = tmp_path / f"{name}.md"
        path.write_text(to_markdown(report), encoding="utf-8")
        back = parse_file(path)
        assert (back.org, back.year, back.template) == (report.org, report.year, report.template)
        assert (back.table2, back.table3, back.table4) == (report.table2, report.table3, report.table4)


def test_heading_variants_are_found_in_order():
    text = "\n".join(
        [
            "某某局2023年政府信息公开工作年度报告",
            "一、总体情况",
            "2023年，我局……（一）主动公开情况……",
            "二、主动公开政府信息",
            "三、收到和处理政府信息公开申请",
            "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
            "五、政府信息公开工作存在的主要问题和整改措施",
            "问题是……",
            "六、其他事项",
            "本年度未收取信息处理费。",
        ]
    )
    report = parse_text(text)
    assert list(report.sections) == [s.text for s in SECTIONS]
    assert report.sections[SECTIONS[4].text] == "问题是……"
    assert report.sections[SECTIONS[5].text] == "本年度未收取信息处理费。"


def test_2019_table2_signed_cells_in_a_real_table():
    text = "\n".join(
        [
            "某某局2019年政府信息公开工作年度报告",
            "二、主动公开政府信息情况",
            "第二十条第（五）项",
            "信息内容\t上一年项目数量\t本年增/减\t处理决定数量",
            "行政许可\t396\t+44\t2278",
            "其他对外管理服务事项\t10\t-3\t/",
            "三、收到和处理政府信息公开申请情况",
        ]
    )
    report = parse_text(text)
    assert report.template == "2019"
    assert report.table2["行政许可"] == [396, 44, 2278]
    assert report.table2["其他对外管理服务事项"] == [10, -3, None]


# A 2019-format report as a provincial CMS publishes it (the values of a real 2019 report): blank cells
# as &nbsp; instead of 0, 表二 cells under uneven colspans, merged label columns, a 表四 with blanks.
_ = None
SH_T3 = [
    [821, 35, _, _, 2, 1, 859],
    [18, _, _, _, _, _, 18],
    [258, 12, _, _, 1, 1, _],
    [3, _, _, _, _, _, _],
    [14, _, _, _, _, _, _],
    [_] * 7,
    [_] * 7,
    [_] * 7,
    [5, _, _, _, _, _, _],
    [3, 1, _, _, _, _, _],
    [_] * 7,
    [10, 2, _, _, _, _, _],
    [252, 12, _, _, 1, _, _],
    [44, 3, _, _, _, _, _],
    [25, _, _, _, _, _, _],
    [148, 1, _, _, _, _, _],
    [5, 4, _, _, _, _, _],
    [_] * 7,
    [_] * 7,
    [_] * 7,
    [_] * 7,
    [767, 35, _, _, 2, 1, 805],
    [72, _, _, _, _, _, 72],
]
SH_T4 = [5, _, _, 2, 7, 8, _, _, 1, 9, _, _, _, _, _]


def _cms_html() -> str:
    def td(v):
        return "<td>&nbsp;</td>" if v is None else f'<td><p align="center">{v}</p></td>'

    groups = {4: ("（三）不予公开", 8), 12: ("（四）无法提供", 3), 15: ("（五）不予处理", 5)}
    rows = [
        '<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
        '<td colspan="7">申请人情况</td></tr><tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td>'
        '<td rowspan="2">总计</td></tr><tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>'
        "<td>法律服务机构</td><td>其他</td></tr>"
    ]
    for i, (row, values) in enumerate(zip(T3_ROWS["2019"], SH_T3, strict=True)):
        head = '<td rowspan="20">三、本年度办理结果</td>' if i == 2 else ""
        if i in groups:
            head += f'<td rowspan="{groups[i][1]}"><p>{groups[i][0]}</p></td>'
        span = 1 if row.group and row.group != "（六）其他处理" else 3 if i in (0, 1, 22) else 2
        rows.append(f'<tr>{head}<td colspan="{span}"><p>{row.text}</p></td>{"".join(map(td, values))}</tr>')
    outcomes = "".join(f"<td>{x}</td>" for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
    t4 = (
        '<table><tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>'
        f'<tr>{outcomes.replace("<td>", "<td rowspan=2>")}<td colspan="5">未经复议直接起诉</td>'
        f'<td colspan="5">复议后起诉</td></tr><tr>{outcomes * 2}</tr><tr>{"".join(map(td, SH_T4))}</tr></table>'
    )
    t2 = (
        '<table><tr><td colspan="5">第二十条第（一）项</td></tr><tr><td>信息内容</td><td>本年新<br/>制作数量</td>'
        '<td colspan="2">本年新<br/>公开数量</td><td>对外公开总数量</td></tr>'
        '<tr><td>规章</td><td>13</td><td colspan="2">13</td><td>524</td></tr>'
        '<tr><td>规范性文件</td><td>60</td><td colspan="2">60</td><td>368</td></tr>'
        '<tr><td colspan="5">第二十条第（九）项</td></tr><tr><td>信息内容</td><td colspan="2">采购项目数量</td>'
        '<td colspan="2">采购总金额</td></tr><tr><td>政府集中采购</td><td colspan="2">6</td>'
        '<td colspan="2">251000元</td></tr></table>'
    )
    return (
        '<html><head><meta charset="utf-8"></head><body><p>2019年上海市人民政府办公厅政府信息公开工作年度报告</p>'
        "<p>本年度报告中所列数据统计期限从2019年1月1日到12月31日止。</p><p>一、总体情况</p>"
        "<p>（二）依申请公开方面</p><p>共受理政府信息公开申请859件；答复政府信息公开申请805件（含上年度结转申请18件，"
        "另有72件申请按照《条例》顺延到下年度答复）。信息公开类行政复议7件，诉讼9件，均获维持。</p>"
        f"<p>二、主动公开政府信息情况</p>{t2}<p>三、收到和处理政府信息公开申请情况</p><table>{''.join(rows)}</table>"
        f"<p><br/>四、政府信息公开行政复议、行政诉讼情况</p>{t4}<p>五、政府信息公开工作存在的主要问题及改进情况</p>"
        "<p>一是……</p><p>六、其他需要报告的事项</p><p>无。</p></body></html>"
    )


def test_cms_html_with_blank_cells_and_uneven_colspans(tmp_path):
    from assistant.checks import check

    path = tmp_path / "report.html"
    path.write_text(_cms_html(), encoding="utf-8")
    report = parse_file(path)
    assert (report.org, report.year, report.template, report.period_year) == (
        "上海市人民政府办公厅",
        2019,
        "2019",
        2019,
    )
    assert list(report.table3.values()) == SH_T3
    assert report.table4 == SH_T4
    assert report.table2["规章"] == [13, 13, 524] and report.table2["政府集中采购"] == [6, 251000]
    findings = check(report)
    # blanks are named, never summed into a false error; the narrative's figures agree with the tables
    assert not [f for f in findings if f.severity == "error"]
    assert any(f.rule == "BLANK-CELL" for f in findings)
    assert not [f for f in findings if f.rule in ("N-TABLE-MISMATCH", "P-SHIFTED", "P-UNREADABLE")]


def test_a_drafts_own_findings_list_is_not_read_as_report_text(tmp_path, reports):
    from assistant.checks import check
    from assistant.export import to_docx, to_markdown

    report = parse_file(reports / "pingtan-2020.txt")
    findings = check(report)
    assert any(f.severity == "error" for f in findings)
    for path in (tmp_path / "d.docx", tmp_path / "d.md"):
        if path.suffix == ".docx":
            to_docx(report, path, findings=findings, status="未通过校验")
        else:
            path.write_text(to_markdown(report, findings=findings, status="未通过校验"), encoding="utf-8")
        back = parse_file(path)
        assert back.sections[SECTIONS[5].text] == report.sections[SECTIONS[5].text]
        errors = [(f.rule, f.where) for f in findings if f.severity == "error"]
        assert [(f.rule, f.where) for f in check(back) if f.severity == "error"] == errors


# ── what is printed is read, even when it is wrong ─────────────────────────────────────────


def _pingtan_2024_with(row: str, run: str) -> str:
    """pingtan 2024's crawler text (digit runs) with one row's run replaced."""
    from .conftest import CORPUS

    text = (CORPUS / "pingtan-2024.txt").read_text(encoding="utf-8")
    report = parse_text(text)
    printed = "".join(map(str, report.table3[row]))
    assert text.count(row + printed) == 1
    return text.replace(row + printed, row + run)


def test_a_run_of_exactly_as_many_digits_as_cells_is_read_and_its_error_reported():
    # "3.要求提供公开出版物" printed as 1000002 (1+0+…=1, not 2): one reading, and the checker names the cell
    from assistant.checks import check

    report = parse_text(_pingtan_2024_with("3.要求提供公开出版物", "1000002"))
    assert report.table3["3.要求提供公开出版物"] == [1, 0, 0, 0, 0, 0, 2]
    found = {(f.rule, f.where) for f in check(report) if f.severity == "error"}
    assert ("T3-ROW-TOTAL", t3_cell("3.要求提供公开出版物", 6)) in found
    assert not [f for f in report.parse_findings if f.where.table == "table3"]


def test_a_longer_run_with_no_consistent_split_is_settled_by_the_columns():
    # 9 digits for 7 cells, no split keeps the row total (71 printed where 72 belongs, or the reverse);
    # the column identities pick the reading, and the checker names the row's 总计
    from assistant.checks import check

    report = parse_text(_pingtan_2024_with("（一）予以公开", "710000072"))
    assert report.table3["（一）予以公开"] == [71, 0, 0, 0, 0, 0, 72]
    assert ("T3-ROW-TOTAL", t3_cell("（一）予以公开", 6)) in {(f.rule, f.where) for f in check(report)}


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        # 15 digits: one reading; 行政复议 1+0+1+0 = 2, not 3: T4-GROUP-TOTAL names 行政复议·总计
        ("101030000000000", [1, 0, 1, 0, 3, *[0] * 10]),
    ],
)
def test_t4_run_read_as_printed(run, expected):
    from assistant.checks import check

    text = _table4_text(run)
    report = parse_text(text)
    assert report.table4 == expected
    found = [(f.rule, f.where) for f in check(report) if f.severity == "error" and f.where.table == "table4"]
    assert found == [("T4-GROUP-TOTAL", Location(table="table4", column="行政复议·总计"))]


def _table4_text(run: str) -> str:
    header = (
        "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉"
        + "结果维持结果纠正其他结果尚未审结总计" * 2
    )
    title = "某某局2023年政府信息公开工作年度报告"
    return f"{title}\n四、政府信息公开行政复议、行政诉讼情况\n{header}{run}\n五、存在的主要问题及改进情况\n无。"


def test_t4_run_no_split_of_which_adds_up_is_an_error_naming_the_group_and_readings():
    report = parse_text(_table4_text("1010300000000000001"))
    assert report.table4 == [None] * 15
    finding = next(f for f in report.parse_findings if f.where == Location(table="table4"))
    assert (finding.rule, finding.severity) == ("P-INCONSISTENT", "error")
    assert "「行政复议」、「行政诉讼（复议后起诉）」的总计" in finding.message
    assert "1、0、1、0、30000" in finding.message  # a reading that was tried


def test_unreadable_is_only_for_text_that_cannot_be_read():
    report = parse_text(_table3_text({"（一）予以公开": "7\t0\t约5\t0\t0\t0\t12"}))
    assert [f.rule for f in report.parse_findings] == ["P-UNREADABLE"]
    assert report.parse_findings[0].where == Location(table="table3", row="（一）予以公开")


# ── sections by what they are ──────────────────────────────────────────────────────────────


def test_sections_are_found_by_title_when_renumbered(reports):
    # a body with no 表二 numbers 收到和处理 as 二、, 复议诉讼 as 三、 … : each is recognised by its title
    from assistant.checks import check

    report = parse_file(reports / "huaian-shi-2024.pdf")
    text = "\n".join(
        [
            "某某局2024年政府信息公开工作年度报告",
            "一、总体情况",
            report.sections[SECTIONS[0].text],
            "二、收到和处理政府信息公开申请情况",
            "\n".join("\t".join([label, *map(str, row)]) for label, row in report.table3.items()),
            "三、政府信息公开行政复议、行政诉讼情况",
            "结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
            "\t".join(map(str, report.table4)),
            "四、存在的主要问题及改进情况",
            report.sections[SECTIONS[4].text],
            "五、其他需要报告的事项",
            report.sections[SECTIONS[5].text],
        ]
    )
    back = parse_text(text)
    assert list(back.sections) == [s.text for s in SECTIONS if s.text != SECTIONS[1].text]
    assert back.table3 == report.table3 and back.table4 == report.table4
    found = check(back)
    numbering = [f.message for f in found if f.rule == "S-SECTION-NUMBER"]
    heading = "收到和处理政府信息公开申请情况"
    assert numbering[0] == f"「二、{heading}」编号为“二、”，规定格式中该部分为「三、{heading}」。"
    assert len(numbering) == 4 and all(f.severity == "warning" for f in found if f.rule == "S-SECTION-NUMBER")
    # 表二 is truly absent (the words 行政许可… of the narrative are no table): its section is missing (error)
    assert not back.table2
    assert [(f.severity, f.where) for f in found if f.rule == "S-SECTION-MISSING"] == [
        ("error", Location(section=SECTIONS[1].text))
    ]


def test_an_unnumbered_problems_heading_is_the_section_with_a_numbering_warning():
    from assistant.checks import check

    text = "\n".join(
        [
            "某某局2023年政府信息公开工作年度报告",
            "一、总体情况",
            "2023年，我局……",
            "存在的主要问题及改进情况",
            "一是公开内容不够全面。",
            "六、其他需要报告的事项",
            "本年度未收取信息处理费。",
        ]
    )
    report = parse_text(text)
    assert report.sections[SECTIONS[4].text] == "一是公开内容不够全面。"
    found = {f.rule: f for f in check(report) if f.where == Location(section=SECTIONS[4].text)}
    assert found["S-SECTION-NUMBER"].message.startswith("「存在的主要问题及改进情况」没有编号")
    assert "S-SECTION-MISSING" not in found


@pytest.mark.parametrize(
    ("name", "row", "run", "readings"),
    [
        ("pingtan-2019.txt", "政府集中采购", "13575394432.52", 4),  # a count run into an amount with decimals
        ("pingtan-2020.txt", "行政处罚", "2648-18538", 7),  # a signed 本年增/减 run into its neighbours
    ],
)
def test_table2_runs_with_an_amount_or_a_sign_are_ambiguous_not_unreadable(name, row, run, readings, reports):
    report = parse_file(reports / name)
    finding = next(f for f in report.parse_findings if f.where == Location(table="table2", row=row))
    assert finding.rule == "P-AMBIGUOUS" and f"（“{run}”），有 {readings} 种拆分方式" in finding.message
    assert not [f for f in report.parse_findings if f.rule == "P-UNREADABLE"]
