"""Drafting from notes, offline engine: notes understanding, faithfulness, tables, the gate, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from assistant.cli import main
from assistant.compare import COPY_THRESHOLD, compare, similarity
from assistant.drafting import NotesConflict, NotesError, NotesIncomplete, draft
from assistant.drafting.gate import fragment, gate
from assistant.drafting.notes import IMPROVEMENTS, OTHER, PROBLEMS, classify, parse_notes
from assistant.drafting.offline import (
    MISSING_FEE,
    MISSING_IMPROVEMENTS,
    MISSING_PROBLEMS,
    OVERVIEW_LIMIT,
    applications_sentence,
    intro,
    reviews_sentence,
    table_sentences,
    without_restated,
)
from assistant.drafting.pipeline import allowed_numbers
from assistant.labels import PARTS, SECTIONS, T3_CARRY_NEXT, T3_NEW, T3_TOTAL
from assistant.parser import parse_file
from assistant.readers import read_file
from assistant.settings import Settings
from assistant.spreadsheet import load_tables
from assistant.tables import Tables
from assistant.textnums import numbers_in, quantities, sentences

from .conftest import ROOT

DATA = Path(__file__).resolve().parent / "data"
NOTES = DATA / "notes-pingtan-2024.md"
TABLES = DATA / "tables-pingtan-2024.json"
OFFLINE = Settings()


@pytest.fixture(autouse=True)
def offline_env(data_dir):
    """The CLI reads settings from the environment: no LLM and no corpus here, whatever the machine has."""


@pytest.fixture(scope="module")
def pingtan_2023(reports):
    return parse_file(reports / "pingtan-2023.txt")


@pytest.fixture(scope="module")
def result(pingtan_2023):
    return draft(NOTES.read_text(encoding="utf-8"), tables=load_tables(TABLES), prior=pingtan_2023, settings=OFFLINE)


def test_tables_fixture_is_the_reference_data(expected_tables):
    tables = load_tables(TABLES)
    assert tables.table3 == expected_tables["pingtan-2024.txt"]["table3"]
    assert tables.table4 == expected_tables["pingtan-2024.txt"]["table4"]


# ── notes ──


def test_headings_place_every_bullet():
    notes = parse_notes(NOTES.read_text(encoding="utf-8"))
    assert (notes.org, notes.year) == ("平潭综合实验区", 2024)
    assert [len(notes.bullets[p.text]) for p in PARTS] == [3, 2, 2, 2, 2]
    assert len(notes.bullets[PROBLEMS]) == 3 and len(notes.bullets[IMPROVEMENTS]) == 3
    assert notes.bullets[OTHER] == ["本年度无收取信息处理费情况"] and not notes.unplaced


def test_keyword_rules_place_bullets_without_headings():
    text = """机关：某某区人民政府
年度：2023
1. 全年主动公开政府信息1200条，发布政策解读35篇
2、全年办理依申请公开2件，均按期答复
- 开展保密审查，清理规范性文件8件
* 政府网站新增专栏3个，关停政务新媒体1个
• 组织政务公开培训2场，纳入绩效考核
- 政策解读形式仍需丰富
- 下一步，将进一步提升答复质量
- 本年度未收取信息处理费
- 其他一件与政务公开无关的事
"""
    notes = parse_notes(text)
    assert (notes.org, notes.year) == ("某某区人民政府", 2023)
    assert [notes.bullets[p.text][0][:4] for p in PARTS] == ["全年主动", "全年办理", "开展保密", "政府网站", "组织政务"]
    assert notes.bullets[PROBLEMS] == ["政策解读形式仍需丰富"]
    assert notes.bullets[IMPROVEMENTS] == ["下一步，将进一步提升答复质量"]
    assert notes.unplaced == ["其他一件与政务公开无关的事"]
    assert classify("与政务公开无关") is None


def test_counts_of_published_items_are_active_disclosure_whatever_channel_they_name():
    """The weishi report's own paragraph: every count of what was published belongs to （一）主动公开."""
    assert classify("利用云上尉氏平台、微博、美篇、微信群等多种渠道共累计发布政务信息500余条（次）") == PARTS[0].text
    assert classify("官方微博发布信息1300余条，国家级媒体103篇") == PARTS[0].text
    assert classify("优化政府网站智能搜索功能") == PARTS[3].text  # a platform without published counts stays there
    notes = parse_notes((DATA / "notes" / "paragraphs-weishi-2022.txt").read_text("utf-8"))
    active = "".join(notes.bullets[PARTS[0].text])
    assert all(f in active for f in ("60余条", "500余条", "1600余条", "103篇", "150余篇", "1300余条"))


@pytest.mark.parametrize(
    "bullet",
    [
        "行政许可处理决定 146 件，行政处罚 23 件",
        "全年作出行政强制决定5件",
        "公开行政事业性收费项目3项",
        "政府集中采购项目12个",
    ],
)
def test_article_20_items_are_active_disclosure(bullet):
    assert classify(bullet) == PARTS[0].text
    notes = parse_notes(f"机关：某某市市场监督管理局\n年度：2024\n- {bullet}")
    assert notes.bullets[PARTS[0].text] == [bullet] and not notes.unplaced


@pytest.mark.parametrize(
    "bullet",
    ["本年办结56件，结转下年度继续办理2件", "上年结转3件已全部办结", "全年受理12件，均按期办理", "本年新收5件"],
)
def test_applications_told_without_the_word_application_are_request_bullets(bullet):
    assert classify(bullet) == PARTS[1].text
    result = draft(f"机关：某某局\n年度：2024\n- {bullet}", settings=OFFLINE)
    assert result.report.parts[PARTS[1].text] == bullet + "。"
    assert bullet not in result.report.sections[SECTIONS[5].text]
    assert not any("未能归类" in n for n in result.notices)


def test_problems_read_as_problems_even_about_article_20_items():
    assert classify("行政处罚结果公开不够及时") == PROBLEMS


LABELLED = """机关：某某县自然资源局
年度：2024
- 问题：征地信息公开不够及时
- 不足：政策解读形式单一
- 改进：建立征地信息公开台账
- 下一步：加强业务培训
"""


@pytest.mark.parametrize("heading", ["", "## 存在的主要问题及改进情况\n", "## 存在的问题\n"])
def test_leading_labels_place_bullets_and_are_stripped(heading):
    text = LABELLED.replace("- 问题", heading + "- 问题", 1)
    result = draft(text, settings=OFFLINE)
    five = result.report.sections[SECTIONS[4].text]
    assert "仍存在一些不足：一是征地信息公开不够及时；二是政策解读形式单一。" in five
    assert "加以改进：一是建立征地信息公开台账；二是加强业务培训。" in five
    for doubled in ("问题：征地", "不足：政策", "改进：建立", "下一步：加强"):
        assert doubled not in five


def test_a_label_under_a_part_heading_is_stripped_but_the_heading_decides():
    notes = parse_notes("机关：某某局\n年度：2024\n## 主动公开\n- 措施：开设重点领域信息公开专栏")
    assert notes.bullets[PARTS[0].text] == ["开设重点领域信息公开专栏"]
    unlabelled = parse_notes("机关：某某局\n年度：2024\n- 措施落实到位，全年主动公开信息10条")
    assert unlabelled.bullets[PARTS[0].text] == ["措施落实到位，全年主动公开信息10条"]


def test_word_headings_arrive_as_bare_lines(tmp_path):
    doc = docx.Document()
    doc.add_heading("某某县交通运输局2024年政府信息公开工作要点", 1)
    doc.add_heading("主动公开", 2)
    doc.add_paragraph("一是全年主动公开政府信息356条", style="List Bullet")
    doc.add_paragraph("强化经费保障", style="List Bullet")
    doc.add_heading("存在的问题", 2)
    doc.add_paragraph("政策解读形式较为单一", style="List Bullet")
    path = tmp_path / "notes.docx"
    doc.save(path)
    notes = parse_notes(read_file(path).text)
    assert (notes.org, notes.year) == ("某某县交通运输局", 2024)
    assert notes.bullets[PARTS[0].text] == ["全年主动公开政府信息356条", "强化经费保障"]
    assert notes.bullets[PROBLEMS] == ["政策解读形式较为单一"]
    assert main(["draft", str(path), "-o", str(tmp_path / "out.md")]) == 1  # no tables: the gate fails
    assert "全年主动公开政府信息356条" in (tmp_path / "out.md").read_text(encoding="utf-8")


def test_flags_override_notes():
    notes = parse_notes(NOTES.read_text(encoding="utf-8"), org="某某局", year=2025)
    assert (notes.org, notes.year) == ("某某局", 2025)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "要点为空"),
        ("  \n\n ", "要点为空"),
        ("年度：2024\n- 全年主动公开信息10条", "未能从要点中识别机关名称，请用 --org 指定"),
        ("机关：某某局\n- 全年主动公开信息10条", "未能从要点中识别报告年度，请用 --year 指定"),
        ("# 某某局2024年政府信息公开工作要点\n", "没有可用的内容"),
        ("机关：某某局\n年度：1999\n- 全年主动公开信息10条", "报告年度1999无效：须在2008至2100年之间"),
    ],
)
def test_bad_notes_raise_a_chinese_notes_error(text, message):
    with pytest.raises(NotesError, match=message):
        draft(text, settings=OFFLINE)


@pytest.mark.parametrize(("year", "ok"), [(1899, False), (2007, False), (2008, True), (2100, True), (2101, False)])
def test_year_must_be_within_the_regulation_era(year, ok):
    text = "机关：某某局\n- 全年主动公开信息10条"
    if ok:
        assert parse_notes(text, year=year).year == year
    else:
        with pytest.raises(NotesError, match=f"报告年度{year}无效"):
            parse_notes(text, year=year)


# ── the offline draft of a real report's notes ──


def test_every_note_figure_appears_and_none_is_invented(result):
    notes = NOTES.read_text(encoding="utf-8")
    text = result.report.text
    assert numbers_in(notes) <= numbers_in(text)
    assert numbers_in(text) <= allowed_numbers(notes, load_tables(TABLES), 2024)
    restated = "强化与区直各部门协调联动，畅通信息查找渠道，全年办理政府信息公开申请218件"
    fee = "本年度无收取信息处理费情况"  # written with its subject and year
    for bullet in parse_notes(notes).all_bullets:
        assert (bullet in text) != (bullet in (restated, fee))


def test_request_part_states_each_table_figure_once(result):
    part = result.report.parts[PARTS[1].text]
    facts = "".join(table_sentences(load_tables(TABLES)))
    notes_part = part.removesuffix(facts)
    assert notes_part == (
        "一是规范做好申请登记、审查、办理、答复、归档等工作，主动加强与申请人沟通，了解实质诉求；"
        "二是强化与区直各部门协调联动，畅通信息查找渠道。"
    )
    assert numbers_in(notes_part) == set()
    for q in quantities(facts):
        assert part.count(q.text) == facts.count(q.text), q.text


def test_without_tables_the_request_bullets_keep_their_figures():
    result = draft(NOTES.read_text(encoding="utf-8"), settings=OFFLINE)
    assert "畅通信息查找渠道，全年办理政府信息公开申请218件" in result.report.parts[PARTS[1].text]


def test_only_clauses_restating_table_counts_are_dropped():
    facts = ["本年度新收政府信息公开申请5件，无上年结转申请，办结5件，其中予以公开2件、不予公开3件。"]
    bullets = [
        "全年收到申请5件、办结5件",  # all restated: dropped
        "开展申请人回访2次，答复满意率100%",  # not 件 counts: kept
        "全年办理申请5件，其中自然人4件，均按期答复",  # 4 is not in the tables: kept with its whole
        "规范答复文书，全年办理依申请公开5件",  # the restated clause goes, the rest stays
        "本年办结5件，均在法定期限内答复",  # 办结 is about applications without the word 申请
    ]
    assert without_restated(bullets, facts) == [
        "开展申请人回访2次，答复满意率100%",
        "全年办理申请5件，其中自然人4件，均按期答复",
        "规范答复文书",
        "本年度的政府信息公开申请均在法定期限内答复",  # its subject went with the restated clause: given back
    ]
    assert without_restated(bullets, []) == bullets


def test_narrative_and_tables_agree(result, expected_tables):
    t3 = expected_tables["pingtan-2024.txt"]["table3"]
    text = result.report.sections[SECTIONS[0].text]
    assert f"新收政府信息公开申请{t3[T3_NEW][6]}件" in text
    assert f"办结{t3[T3_TOTAL][6]}件" in text
    assert "予以公开71件、部分公开29件、不予公开39件、无法提供75件、不予处理1件、其他处理3件" in text
    assert "被申请行政复议7件（结果维持2件、结果纠正1件、其他结果3件、尚未审结1件）" in text
    assert "被提起行政诉讼19件" in text
    assert result.report.table3 == t3 and result.report.table4 == expected_tables["pingtan-2024.txt"]["table4"]


def test_register_structure_and_length(result, pingtan_2023):
    report = result.report
    assert list(report.sections) == [s.text for s in SECTIONS]
    overview = report.sections[SECTIONS[0].text]
    assert overview.startswith("2024年，平潭综合实验区")
    assert all(f"\n{p.text}\n" in overview for p in PARTS)
    assert "一是" in overview and "二是" in overview
    assert len("".join(overview.split())) <= OVERVIEW_LIMIT
    assert report.sections[SECTIONS[5].text] == "2024年，平潭综合实验区未收取信息处理费。"
    # the one notice: what last year's report covered that this draft does not (the shared comparison)
    missing = "、".join(compare(pingtan_2023, report).missing_topics)
    assert result.engine == "offline" and result.notices == [
        f"对照上年报告，请核对：上年提到、本年未提到的工作：{missing}。"
    ]


def test_check_passes_with_prior_year(result):
    assert result.ok, result.findings
    assert not [f for f in result.findings if f.rule == "D-COPY"]


def test_zero_tables_say_none_received(expected_tables):
    zero = Tables(template="2021", **expected_tables["weishi-kaifaqu-2022.txt"])
    assert applications_sentence(zero) == "本年度未收到政府信息公开申请，无上年结转申请。"
    assert (
        reviews_sentence(zero)
        == "本年度未发生因政府信息公开被申请行政复议的情况；未发生因政府信息公开被提起行政诉讼的情况。"
    )


def test_carried_applications_are_stated(expected_tables):
    t3 = expected_tables["pingtan-2025.txt"]["table3"]
    sentence = applications_sentence(Tables(template="2021", table3=t3))
    assert f"结转下年度继续办理{t3[T3_CARRY_NEXT][6]}件" in sentence
    assert t3[T3_CARRY_NEXT][6] > 0


def test_silent_notes_get_a_fee_placeholder_never_an_invented_fact(tmp_path, capsys):
    notes = "机关：某某局\n年度：2024\n- 全年主动公开信息10条"
    result = draft(notes, settings=OFFLINE)
    assert result.report.sections[SECTIONS[5].text] == MISSING_FEE
    assert "未收取" not in result.report.text
    assert any("要点未提及信息处理费" in n for n in result.notices)
    no_tables = [n for n in result.notices if "表格语句未生成，正文只含要点中的数字" in n]
    assert len(no_tables) == 1
    assert "命令行用 --tables" in no_tables[0] and "网页版" in no_tables[0] and "（--tables）：" not in no_tables[0]
    path = tmp_path / "notes.md"
    path.write_text(notes, encoding="utf-8")
    main(["draft", str(path), "-o", str(tmp_path / "out.md")])
    err = capsys.readouterr().err
    assert "要点未提及信息处理费" in err and "正文只含要点中的数字" in err and "未写入正文" not in err
    assert MISSING_FEE in (tmp_path / "out.md").read_text(encoding="utf-8")


def test_each_placeholder_names_what_is_missing():
    result = draft("机关：某某局\n年度：2024\n- 全年主动公开信息10条", settings=OFFLINE)
    placeholders = [f.message.split("：", 1)[1] for f in result.findings if f.rule == "S-PLACEHOLDER"]
    assert len(placeholders) == len(set(placeholders)) == len(PARTS) - 1 + 3
    for part in PARTS[1:]:
        name = part.text[3:]  # "（三）政府信息管理" → "政府信息管理"
        assert result.report.parts[part.text] == f"（要点未涉及“{name}”方面的工作，请补充。）"
    assert result.report.sections[SECTIONS[4].text].split("\n") == [MISSING_PROBLEMS, MISSING_IMPROVEMENTS]
    assert any("要点未提供存在的主要问题及改进措施" in n for n in result.notices)


@pytest.mark.parametrize(
    ("bullet", "missing"), [("政策解读形式仍需丰富", MISSING_IMPROVEMENTS), ("下一步，将加强培训", MISSING_PROBLEMS)]
)
def test_section_five_asks_only_for_the_missing_half(bullet, missing):
    result = draft(f"机关：某某局\n年度：2024\n- {bullet}", settings=OFFLINE)
    five = result.report.sections[SECTIONS[4].text].split("\n")
    assert five[-1] == missing and bullet in five[0] and len(five) == 2
    other = MISSING_PROBLEMS if missing == MISSING_IMPROVEMENTS else MISSING_IMPROVEMENTS
    assert other not in result.report.text


def test_the_fee_placeholder_is_a_paragraph_of_its_own():
    result = draft("机关：某某局\n年度：2024\n## 其他需要报告的事项\n- 开展政务公开日活动", settings=OFFLINE)
    assert result.report.sections[SECTIONS[5].text].split("\n") == [MISSING_FEE, "开展政务公开日活动。"]


def test_a_fee_bullet_under_another_heading_goes_to_section_six():
    result = draft("机关：某某局\n年度：2024\n## 依申请公开\n- 全年未收取信息处理费", settings=OFFLINE)
    assert result.report.sections[SECTIONS[5].text] == "2024年，某某局未收取信息处理费。"
    assert not any("信息处理费" in n for n in result.notices)


def test_copied_sentences_are_flagged(pingtan_2023):
    copied = "\n".join(
        "- " + s
        for s in (
            "按照省政府办公厅相关工作要求设立规范性文件库，清理并集中发布现行有效行政规范性文件393件",
            "常态化开展日监测、月通报，对信息公开错情、政策解读、重要信息转载等情况每月通报",
        )
    )
    result = draft(f"机关：平潭综合实验区\n年度：2024\n{copied}", prior=pingtan_2023, settings=OFFLINE)
    copies = [f for f in result.findings if f.rule == "D-COPY"]
    assert len(copies) == 2 and all(f.severity == "warning" and "照搬往年表述" in f.message for f in copies)
    assert similarity("今年我区主动公开信息", "今年我区主动公开信息") == 1.0 > COPY_THRESHOLD


# ── CLI ──


def test_cli_docx_round_trip(tmp_path, capsys, reports):
    out = tmp_path / "draft.docx"
    prior = str(reports / "pingtan-2023.txt")
    code = main(["draft", str(NOTES), "--tables", str(TABLES), "--prior", prior, "-o", str(out)])
    assert code == 0
    assert "已写入最终稿" in capsys.readouterr().out
    back = parse_file(out)
    tables = load_tables(TABLES)
    assert (back.table2, back.table3, back.table4) == (tables.table2, tables.table3, tables.table4)
    assert (back.org, back.year) == ("平潭综合实验区", 2024)
    assert main(["check", str(out), "--prior", prior]) == 0


def test_cli_errors_exit_1_and_mark_the_draft(tmp_path, capsys):
    data = json.loads(TABLES.read_text(encoding="utf-8"))
    data["table3"][T3_NEW] = [300, 1, 0, 0, 0, 0, 301]  # no longer balances
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "draft.md"
    assert main(["draft", str(NOTES), "--tables", str(bad), "-o", str(out)]) == 1
    assert "未通过校验" in out.read_text(encoding="utf-8")
    assert "错误" in capsys.readouterr().out


def test_cli_bad_inputs_exit_2(tmp_path, capsys):
    no_org = tmp_path / "notes.md"
    no_org.write_text("年度：2024\n- 全年主动公开信息10条\n", encoding="utf-8")
    garbage = tmp_path / "notes.docx"
    garbage.write_bytes(b"PK\x03\x04 not really a docx")
    bad_tables = tmp_path / "t.json"
    bad_tables.write_text("{not json", encoding="utf-8")
    out = str(tmp_path / "o.docx")
    assert main(["draft", str(no_org), "-o", out]) == 2
    assert "请用 --org 指定" in capsys.readouterr().err
    assert main(["draft", str(no_org), "--org", "某某局", "--year", "1899", "-o", out]) == 2
    assert "报告年度1899无效" in capsys.readouterr().err
    assert main(["draft", str(no_org), "--org", "某某局", "-o", str(tmp_path / "o.pdf")]) == 2
    assert ".docx 或 .md" in capsys.readouterr().err
    assert main(["draft", str(garbage), "-o", out]) == 2
    assert "无法读取" in capsys.readouterr().err
    assert main(["draft", str(NOTES), "--tables", str(bad_tables), "-o", out]) == 2
    assert "统计表有误" in capsys.readouterr().err
    assert not Path(out).exists()


def test_offline_draft_imports_no_heavy_library(tmp_path):
    script = (
        "import sys\nfrom assistant.cli import main\n"
        f"code = main(['draft', {str(NOTES)!r}, '--tables', {str(TABLES)!r}, '-o', {str(tmp_path / 'o.docx')!r}])\n"
        "print(code, sorted(m for m in ('langchain_core', 'chromadb', 'gradio', 'openai') if m in sys.modules))"
    )
    env = {"PATH": "/usr/bin:/bin", "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip().splitlines()[-1] == "0 []"


# ── section 五 under one heading, or none ──

FIVE = """- 2022年，某某区政府信息公开工作取得了一定成绩，但还存在一些问题和不足：一是重大行政决策预公开程度需进一步加强
- 二是部分重点领域信息公开深度不足
- 三是政策解读形式单一，缺少多个角度多种形式的解读
- 2023年，我区将采取以下措施加以改进。
- 一是丰富意见征集形式，全年召开座谈会6场
- 二是加大重点领域公开信息整合归类力度
- （三）丰富政策解读形式，通过在线访谈等形式提高解读效果
"""
FIVE_PROBLEMS = [
    "重大行政决策预公开程度需进一步加强",
    "部分重点领域信息公开深度不足",
    "政策解读形式单一，缺少多个角度多种形式的解读",
]
FIVE_PLANS = [
    "丰富意见征集形式，全年召开座谈会6场",
    "加大重点领域公开信息整合归类力度",
    "丰富政策解读形式，通过在线访谈等形式提高解读效果",
]


@pytest.mark.parametrize("heading", ["## 五、存在的主要问题及改进情况\n", "## 存在的问题及改进\n", ""])
def test_section_five_splits_at_the_bullet_opening_improvements(heading):
    notes = parse_notes(f"机关：某某区人民政府\n年度：2022\n{heading}{FIVE}")
    assert notes.bullets[PROBLEMS] == FIVE_PROBLEMS
    assert notes.bullets[IMPROVEMENTS] == FIVE_PLANS
    assert not notes.unplaced and not any(notes.bullets[p.text] for p in PARTS)


def test_transition_is_dropped_and_enumerators_are_stripped():
    result = draft(f"机关：某某区人民政府\n年度：2022\n## 存在的问题及改进\n{FIVE}", settings=OFFLINE)
    five = result.report.sections[SECTIONS[4].text]
    assert MISSING_IMPROVEMENTS not in five and MISSING_PROBLEMS not in five
    assert "采取以下措施" not in five and "四是" not in five
    assert "：一是重大行政决策" in five and "一是丰富意见征集形式" in five and "三是丰富政策解读形式" in five
    for doubled in ("是一是", "是二是", "是三是", "是（三）", "一是2022年"):
        assert doubled not in five


def test_no_number_of_section_five_is_lost():
    lead = "- 全年收到意见建议35条，但仍存在以下问题：一是解读不够及时\n"
    transition = "- 2023年，我区将从以下3个方面加以改进\n"
    text = f"机关：某某区人民政府\n年度：2022\n## 存在的主要问题及改进情况\n{lead}{FIVE}{transition}- 开展培训4场"
    notes = parse_notes(text)
    assert notes.bullets[PROBLEMS][:2] == ["全年收到意见建议35条，但仍存在以下问题", "解读不够及时"]
    assert "2023年，我区将从以下3个方面加以改进" in notes.bullets[IMPROVEMENTS]
    drafted = draft(text, settings=OFFLINE).report.text
    assert all(q.text in drafted for q in quantities(text))
    assert numbers_in(text) <= numbers_in(drafted)


# ── notes in four styles (tests/data/notes/, derived from the corpus reports; truth.json) ──

NOTES_DIR = DATA / "notes"
TRUTH = json.loads((NOTES_DIR / "truth.json").read_text(encoding="utf-8"))
PART_NAMES = {p.text for p in PARTS}


def _draft_case(name: str):
    case = TRUTH[name]
    tables = parse_file(ROOT / "corpus" / case["report"])
    return case, tables, draft(read_file(NOTES_DIR / name).text, tables=tables, settings=OFFLINE)


def test_the_notes_cover_four_styles_and_a_dozen_files():
    styles = {case["style"] for case in TRUTH.values()}
    assert styles == {"bullets", "paragraphs", "docx", "sparse"} and len(TRUTH) >= 12
    assert all((NOTES_DIR / name).is_file() for name in TRUTH)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_each_notes_file_drafts_every_figure_no_invention_no_fragment(name):
    case, tables, result = _draft_case(name)
    report = result.report
    text = read_file(NOTES_DIR / name).text
    assert all(f["fact"] in report.text for f in case["facts"])
    assert numbers_in(report.text) <= allowed_numbers(text, tables, report.year)
    assert not [f for f in result.findings if f.rule == "D-FRAGMENT"]
    said = [s for s in sentences(report.text) if len(s) >= 8]
    assert len(said) == len(set(said))
    assert report.org == tables.org and report.year == tables.year


@pytest.mark.parametrize("name", [n for n, c in TRUTH.items() if c["style"] in ("bullets", "docx")])
def test_headed_notes_put_every_figure_in_its_part(name):
    case, _, result = _draft_case(name)
    for fact in case["facts"]:
        where = result.report.parts if fact["where"] in PART_NAMES else result.report.sections
        assert fact["fact"] in where[fact["where"]], fact


def test_pasted_paragraphs_feed_several_parts():
    _, _, result = _draft_case("paragraphs-pingtan-2023.txt")
    parts = result.report.parts
    assert "主动公开政府信息" in parts[PARTS[0].text] and "依申请" in parts[PARTS[1].text]
    five = result.report.sections[SECTIONS[4].text]
    assert MISSING_PROBLEMS not in five and MISSING_IMPROVEMENTS not in five


@pytest.mark.parametrize(
    ("heading", "category"),
    [
        ("**主动公开**", PARTS[0].text),
        ("2. 依申请公开", PARTS[1].text),
        ("其他", OTHER),
        ("问题与不足", PROBLEMS),
        ("存在问题和下一步打算", PROBLEMS),
        ("信息管理：", PARTS[2].text),
    ],
)
def test_heading_variants_are_headings_never_content(heading, category):
    notes = parse_notes(f"机关：某某局\n年度：2024\n{heading}\n- 全年开展相关工作10次")
    assert notes.bullets[category] == ["全年开展相关工作10次"]
    assert heading.strip("*：") not in " ".join(notes.all_bullets)


def test_a_one_word_line_is_never_content_and_a_lead_line_keeps_its_list():
    notes = parse_notes("机关：某某局\n年度：2024\n概述\n主要做法如下：\n- 全年主动公开信息10条\n- 开展政务公开培训2场")
    assert notes.all_bullets == ["全年主动公开信息10条", "开展政务公开培训2场"]


def test_a_title_line_gives_body_and_year_and_its_words_place_nothing():
    notes = parse_notes("城南区医疗保障局2024年信息公开情况\n- 全年主动公开医保政策信息120条")
    assert (notes.org, notes.year) == ("城南区医疗保障局", 2024)
    assert notes.bullets[PARTS[0].text] == ["全年主动公开医保政策信息120条"]
    assert classify("城南区医疗保障局印发工作方案", "城南区医疗保障局") is None


def test_a_word_table_is_a_fact_not_tab_text(tmp_path):
    doc = docx.Document()
    doc.add_heading("某某县财政局2024年政府信息公开工作要点", 1)
    doc.add_heading("主动公开", 2)
    doc.add_paragraph("全年主动公开政府信息120条", style="List Bullet")
    table = doc.add_table(rows=3, cols=2)
    for row, (a, b) in zip(table.rows, [("类别", "条数"), ("财政资金", "36"), ("政策文件", "12")], strict=True):
        row.cells[0].text, row.cells[1].text = a, b
    path = tmp_path / "notes.docx"
    doc.save(path)
    result = draft(read_file(path).text, settings=OFFLINE)
    active = result.report.parts[PARTS[0].text]
    assert active == "一是全年主动公开政府信息120条；二是财政资金36条、政策文件12条。"
    assert "\t" not in result.report.text and "类别" not in result.report.text


@pytest.mark.parametrize(
    ("bullet", "concept"),
    [
        ("全年新收政府信息公开申请30件", "新收"),
        ("依申请公开予以公开25件", "予以公开"),
        ("被申请行政复议3件", "行政复议"),
    ],
)
def test_a_note_figure_contradicting_the_tables_stops_the_draft(bullet, concept, tmp_path, capsys):
    text = f"机关：平潭综合实验区\n年度：2024\n## 依申请公开\n- {bullet}"
    with pytest.raises(NotesConflict) as caught:
        draft(text, tables=load_tables(TABLES), settings=OFFLINE)
    assert [c.concept for c in caught.value.conflicts] == [concept]
    assert "请核对后改正要点或统计表中的一方再起草" in str(caught.value)
    agreeing = text.replace(bullet, "全年新收政府信息公开申请218件，予以公开71件")
    assert "新收政府信息公开申请218件" in draft(agreeing, tables=load_tables(TABLES), settings=OFFLINE).report.text
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    assert main(["draft", str(path), "--tables", str(TABLES), "-o", str(tmp_path / "o.md")]) == 2
    assert "要点与统计表不符" in capsys.readouterr().err


def test_missing_body_and_year_say_what_is_missing():
    with pytest.raises(NotesIncomplete) as caught:
        draft("- 全年主动公开信息10条", settings=OFFLINE)
    assert caught.value.missing == ("org", "year")
    assert set(caught.value.questions) == {"org", "year"} and "哪个机关" in caught.value.questions["org"]


def test_the_cli_asks_for_body_and_year_at_a_terminal(tmp_path, monkeypatch, capsys):
    path = tmp_path / "notes.md"
    path.write_text("- 全年主动公开信息10条\n", encoding="utf-8")
    answers = iter(["某某县人民政府", "2024"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: print(prompt) or next(answers))
    assert main(["draft", str(path), "-o", str(tmp_path / "o.md")]) == 1
    out = capsys.readouterr().out
    assert "请问这份报告是哪个机关的" in out and "请问这是哪一年度的报告" in out
    assert "某某县人民政府2024年" in (tmp_path / "o.md").read_text(encoding="utf-8")


# ── offline prose and the fragment gate ──


def test_offline_prose_has_no_fragments_labels_or_bare_fee():
    text = """机关：某某县教育局
年度：2024
## 主动公开
- 招生入学：公开招生政策和划片范围
- 同时，发布政策解读15篇
## 依申请公开
- 全年收到申请5件，均在法定期限内答复
- 被申请行政复议1件，复议维持
## 其他
- 本年度未收取信息处理费
"""
    tables = Tables(
        template="2021",
        table3={**load_tables(TABLES).table3},
        table4=load_tables(TABLES).table4,
    )
    parts = draft(text, settings=OFFLINE).report.parts
    assert parts[PARTS[0].text] == "一是在招生入学方面，公开招生政策和划片范围；二是发布政策解读15篇。"
    assert without_restated(["被申请行政复议1件，复议维持"], ["本年度因政府信息公开被申请行政复议1件。"]) == []
    assert without_restated(["全年收到申请5件，均在法定期限内答复"], ["本年度新收政府信息公开申请5件。"]) == [
        "本年度的政府信息公开申请均在法定期限内答复"
    ]
    six = draft(text, settings=OFFLINE).report.sections[SECTIONS[5].text]
    assert six == "2024年，某某县教育局未收取信息处理费。"
    assert tables.table3  # the tables variant is only built to show the shape


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("二是复议维持。", "过短，不成句"),
        ("二是类别\t条数。", "含表格残留的制表符"),
        ("三是。", "过短，不成句"),
        ("一是均在法定期限内答复；", "缺少主语"),
        ("二是招生入学：公开招生政策；", "保留了小标题"),
        ("一是加强政策解读和", "句子没有说完"),
        ("三是其他。", "过短，不成句"),
    ],
)
def test_the_fragment_detector(item, reason):
    assert fragment(item) == reason
    assert fragment("一是全年主动公开政府信息120条；") == "" and fragment("本年度无。") == ""


def test_a_fragment_can_never_be_final():
    result = draft("机关：某某局\n年度：2024\n- 全年主动公开信息10条", settings=OFFLINE)
    report = result.report.model_copy(deep=True)
    report.sections[SECTIONS[4].text] += "\n二是复议维持。"
    findings = gate(report, None)
    assert [f.rule for f in findings if f.rule == "D-FRAGMENT"] == ["D-FRAGMENT"]
    assert any(f.severity == "error" for f in findings if f.rule == "D-FRAGMENT")


def test_the_engine_opening_is_never_flagged_as_copied(pingtan_2023):
    notes = NOTES.read_text(encoding="utf-8").replace("2024", "2023")
    prior = pingtan_2023.model_copy(deep=True)
    prior.sections[SECTIONS[0].text] = intro(parse_notes(notes)) + prior.sections[SECTIONS[0].text]
    result = draft(notes.replace("2023", "2024"), prior=prior, settings=OFFLINE)
    assert not [f for f in result.findings if f.rule == "D-COPY"]
