"""textnums: sentences, quantities with units, normalised numbers, PDF line unwrapping."""

from assistant.cells import format_number
from assistant.textnums import numbers_in, quantities, sentences, unwrap


def test_sentences_split_on_punctuation_and_newlines_but_not_inside_quotes():
    text = "坚持“先审查。后公开”原则。全年发布 12 场！是否完成？已完成；\n下一句"
    assert sentences(text) == [
        "坚持“先审查。后公开”原则。",
        "全年发布 12 场！",
        "是否完成？",
        "已完成；",
        "下一句",
    ]


def test_sentences_split_on_ascii_punctuation_from_nfkc():
    assert sentences("尚未审结 37 件;政府信息公开行政诉讼 46 件") == [
        "尚未审结 37 件;",
        "政府信息公开行政诉讼 46 件",
    ]


def test_quantities_read_units_approx_and_number_forms():
    qs = quantities("主动公开信息 60 余条，咨询 65 人次，约3.2万元，共 1,234 件，办结率 100%，发布 500 余条（次）")
    got = [(q.value, q.unit, q.approx) for q in qs]
    assert got == [
        (60, "条", True),
        (65, "人次", False),
        (32000, "元", True),
        (1234, "件", False),
        (100, "%", False),
        (500, "条（次）", True),
    ]
    first = qs[0]
    assert "主动公开信息 60 余条，"[first.start : first.end] == "60 余条" == first.text


def test_quantities_skip_years_dates_articles_numbering_and_codes():
    text = "2022 年 12 月 31 日，依据第 20 条和国令第 711 号，\n1.国家秘密（1）电话:0517-83605210，申请 3 件"
    assert [(q.value, q.unit) for q in quantities(text)] == [(3, "件")]


def test_numbers_in_includes_years_and_normalises():
    assert numbers_in("2024 年收到 1,234 件，增长 12.50%，约 3.2万元") == {"2024", "1234", "12.5", "32000"}
    assert format_number(3.0) == "3" and format_number(0.125) == "0.125"


def test_unwrap_joins_pdf_hard_wraps_but_keeps_headings_and_drops_page_numbers():
    text = (
        "全市共受理政府信息公开申请 3119 件,答\n复 3050 件。\n- 2 -\n"
        "(二)依申请公开情况。定期研判\n一、总体情况\n2024 年"
    )
    assert unwrap(text).split("\n") == [
        "全市共受理政府信息公开申请 3119 件,答复 3050 件。",
        "(二)依申请公开情况。定期研判",
        "一、总体情况",
        "2024 年",
    ]


def test_chinese_numerals_read_by_the_guard_and_by_questions():
    from assistant.textnums import chinese_number

    cases = {"三": 3, "十二": 12, "一百零五": 105, "三千": 3000, "二〇二四": 2024, "两万五千": 25000, "十": 10}
    assert {text: chinese_number(text) for text in cases} == cases
