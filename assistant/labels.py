"""Official labels of the 2019 (试行) and 2021 report formats, as data.

Every other module takes labels from here, so a change of the national format touches one file.
Each matchable label carries a `key`: a short, distinctive fragment the parser looks for in messy
text (wrapped lines, typos elsewhere in the label, one character per line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Template = Literal["2019", "2021"]
TEMPLATES: tuple[Template, ...] = ("2019", "2021")


@dataclass(frozen=True)
class Label:
    """An official label and the fragment that finds it in extracted text."""

    text: str
    key: str


# ── the six sections ────────────────────────────────────────────────────────────────────────
SECTIONS: tuple[Label, ...] = (
    Label("一、总体情况", "总体情况"),
    Label("二、主动公开政府信息情况", "主动公开"),
    Label("三、收到和处理政府信息公开申请情况", "申请"),
    Label("四、政府信息公开行政复议、行政诉讼情况", "行政诉讼"),
    Label("五、存在的主要问题及改进情况", "问题"),
    Label("六、其他需要报告的事项", "其他"),
)
SECTION_NUMERALS = "一二三四五六"

# the heading of the findings list our exports append to a draft; parsing stops there, so a draft
# read back (or given as last year's report) is not checked against its own findings
FINDINGS_HEADING = "附：校验发现的问题"

# 总体情况's five parts (the key words a part heading or paragraph carries).
PARTS: tuple[Label, ...] = (
    Label("（一）主动公开", "主动公开"),
    Label("（二）依申请公开", "依申请"),
    Label("（三）政府信息管理", "信息管理"),
    Label("（四）政府信息公开平台建设", "平台"),
    Label("（五）监督保障", "监督保障"),
)

# ── 表二 ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Table2Item:
    """One 第二十条 item of 表二: its heading, value columns and rows."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[Label, ...]
    # columns that may legitimately be negative (2019's 本年增/减) or hold amounts, not counts
    signed: tuple[int, ...] = ()
    amount: tuple[int, ...] = ()


TABLE2: dict[Template, tuple[Table2Item, ...]] = {
    "2021": (
        Table2Item(
            "第二十条第（一）项",
            ("本年制发件数", "本年废止件数", "现行有效件数"),
            (Label("规章", "规章"), Label("行政规范性文件", "规范性文件")),
        ),
        Table2Item("第二十条第（五）项", ("本年处理决定数量",), (Label("行政许可", "行政许可"),)),
        Table2Item(
            "第二十条第（六）项",
            ("本年处理决定数量",),
            (Label("行政处罚", "行政处罚"), Label("行政强制", "行政强制")),
        ),
        Table2Item(
            "第二十条第（八）项",
            ("本年收费金额（单位：万元）",),
            (Label("行政事业性收费", "行政事业性收费"),),
            amount=(0,),
        ),
    ),
    "2019": (
        Table2Item(
            "第二十条第（一）项",
            ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
            (Label("规章", "规章"), Label("规范性文件", "规范性文件")),
        ),
        Table2Item(
            "第二十条第（五）项",
            ("上一年项目数量", "本年增/减", "处理决定数量"),
            (Label("行政许可", "行政许可"), Label("其他对外管理服务事项", "其他对外管理服务事项")),
            signed=(1,),
        ),
        Table2Item(
            "第二十条第（六）项",
            ("上一年项目数量", "本年增/减", "处理决定数量"),
            (Label("行政处罚", "行政处罚"), Label("行政强制", "行政强制")),
            signed=(1,),
        ),
        Table2Item(
            "第二十条第（八）项",
            ("上一年项目数量", "本年增/减"),
            (Label("行政事业性收费", "行政事业性收费"),),
            signed=(1,),
        ),
        Table2Item(
            "第二十条第（九）项",
            ("采购项目数量", "采购总金额"),
            (Label("政府集中采购", "政府集中采购"),),
            amount=(1,),
        ),
    ),
}

# ── 表三 ────────────────────────────────────────────────────────────────────────────────────

T3_COLUMNS: tuple[str, ...] = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T3_HEADER_RULE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

T3_NEW = "一、本年新收政府信息公开申请数量"
T3_CARRIED = "二、上年结转政府信息公开申请数量"
T3_RESULTS = "三、本年度办理结果"
T3_TOTAL = "（七）总计"
T3_CARRY_NEXT = "四、结转下年度继续办理"


@dataclass(frozen=True)
class Table3Row(Label):
    """A 表三 data row; `group` is the result group heading it sits under, if any."""

    group: str = ""


_G1, _G2 = "（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
_G3, _G4, _G5, _G6 = "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"

_T3_HEAD = (
    Table3Row(T3_NEW, "本年新收"),
    Table3Row(T3_CARRIED, "上年结转"),
    Table3Row(_G1, "予以公开"),
    Table3Row(_G2, "部分公开"),
    Table3Row("1.属于国家秘密", "国家秘密", _G3),
    Table3Row("2.其他法律行政法规禁止公开", "禁止公开", _G3),
    Table3Row("3.危及“三安全一稳定”", "三安全一稳定", _G3),
    Table3Row("4.保护第三方合法权益", "保护第三方", _G3),
    Table3Row("5.属于三类内部事务信息", "内部事务", _G3),
    Table3Row("6.属于四类过程性信息", "过程性信息", _G3),
    Table3Row("7.属于行政执法案卷", "行政执法案卷", _G3),
    Table3Row("8.属于行政查询事项", "行政查询事项", _G3),
    Table3Row("1.本机关不掌握相关政府信息", "不掌握", _G4),
    Table3Row("2.没有现成信息需要另行制作", "没有现成", _G4),
    Table3Row("3.补正后申请内容仍不明确", "补正后申请", _G4),
    Table3Row("1.信访举报投诉类申请", "信访举报", _G5),
    Table3Row("2.重复申请", "重复申请", _G5),
    Table3Row("3.要求提供公开出版物", "公开出版物", _G5),
    Table3Row("4.无正当理由大量反复申请", "大量反复", _G5),
    Table3Row("5.要求行政机关确认或重新出具已获取信息", "要求行政机关确认", _G5),
)
_T3_TAIL = (
    Table3Row(T3_TOTAL, "总计"),
    Table3Row(T3_CARRY_NEXT, "结转下年度"),
)
T3_ROWS: dict[Template, tuple[Table3Row, ...]] = {
    "2019": _T3_HEAD + (Table3Row(_G6, "其他处理"),) + _T3_TAIL,
    "2021": _T3_HEAD
    + (
        Table3Row("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "无正当理由逾期", _G6),
        Table3Row("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "逾期未按收费", _G6),
        Table3Row("3.其他", "其他", _G6),
    )
    + _T3_TAIL,
}


def t3_result_rows(template: Template) -> tuple[str, ...]:
    """Labels of the rows whose sum is （七）总计 (the result rows under 三、本年度办理结果)."""
    rows = [r.text for r in T3_ROWS[template]]
    return tuple(rows[rows.index(_G1) : rows.index(T3_TOTAL)])


# ── 表四 ────────────────────────────────────────────────────────────────────────────────────

T4_OUTCOMES: tuple[str, ...] = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
T4_GROUPS: tuple[str, ...] = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")
T4_COLUMNS: tuple[str, ...] = tuple(f"{g}·{o}" for g in T4_GROUPS for o in T4_OUTCOMES)

# ── named positions ─────────────────────────────────────────────────────────────────────────

T3_TOTAL_COLUMN = T3_COLUMNS.index("总计")  # 表三's last column: the sum of the six applicant columns
T4_GROUP_SIZE = len(T4_OUTCOMES)
# 表四's three group totals (行政复议 / 未经复议直接起诉 / 复议后起诉), each the last column of its group
T4_GROUP_TOTALS = tuple((g + 1) * T4_GROUP_SIZE - 1 for g in range(len(T4_GROUPS)))


def t4_group(group: int) -> slice:
    """The columns of one 表四 group (0 行政复议, 1 未经复议直接起诉, 2 复议后起诉), its total last."""
    return slice(group * T4_GROUP_SIZE, (group + 1) * T4_GROUP_SIZE)
