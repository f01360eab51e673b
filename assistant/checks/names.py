"""Every finding code's Chinese name, as a reviewer reads it: reports, spreadsheets and the web app show the name and
keep the code for reference. The checker's rules, the parser's (P-) and drafting's (D-) codes and the web editor's
(UI-) codes all stand here; a test keeps it complete."""

from __future__ import annotations

RULE_NAMES: dict[str, str] = {
    "TABLE-MISSING": "统计表缺失或不完整",
    "BLANK-CELL": "单元格空白",
    "T3-INTEGER": "表三数字不是非负整数",
    "T4-INTEGER": "表四数字不是非负整数",
    "T2-COUNT": "表二数字类型有误",
    "T3-BALANCE": "表三勾稽关系不成立",
    "T3-ROW-TOTAL": "表三行合计有误",
    "T3-RESULT-SUM": "表三办理结果总计有误",
    "T4-GROUP-TOTAL": "表四合计有误",
    "N-TABLE-MISMATCH": "正文数字与表格不一致",
    "N-NONE-CONTRADICTS": "正文称“未发生”与表格矛盾",
    "N-PART-EXCEEDS-WHOLE": "“其中”分项超过总数",
    "N-RESULT-MISMATCH": "正文办理结果与表三不一致",
    "N-SHARE": "正文占比计算有误",
    "N-OUTCOME": "正文复议诉讼结果与表四不一致",
    "S-SECTION-MISSING": "缺少规定部分",
    "S-SECTION-ORDER": "部分顺序不符合规定",
    "S-SECTION-NUMBER": "部分编号不符合规定",
    "S-PARTS": "总体情况缺少方面",
    "S-LENGTH": "总体情况篇幅过长",
    "S-YEAR": "年度不一致",
    "S-FEE": "未说明信息处理费",
    "S-PLACEHOLDER": "仍有待补充的占位语句",
    "X-CARRYOVER": "与上年结转数不一致",
    "X-PRIOR": "上年报告不匹配",
    "X-CHANGE": "正文同比变化与上年报告不一致",
    "P-AMBIGUOUS": "数字粘连无法确定",
    "P-UNREADABLE": "数字无法识别",
    "P-SHIFTED": "表格错列已补齐",
    "P-INCONSISTENT": "表四各组数字无法自洽",
    "P-ROW-MISSING": "表格缺少某行",
    "D-COPY": "照搬往年表述",
    "D-FRAGMENT": "语句不完整",
    "UI-NOT-A-NUMBER": "填写的不是数字",
}


def rule_name(code: str) -> str:
    """The Chinese name of a finding code (the code itself for one not listed)."""
    return RULE_NAMES.get(code, code)


def described(rule: str, message: str) -> str:
    """A finding for readers: its rule's Chinese name, then the message, unless the message says the name already
    ("「一、总体情况」仍有待补充的占位语句：…" is not prefixed with 仍有待补充的占位语句 again)."""
    name = rule_name(rule)
    return message if name in message else f"{name}：{message}"
