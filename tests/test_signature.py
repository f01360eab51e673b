"""The 落款 (issuing body and date) that closes an exported .docx, and the parser leaving it out of section 六."""

from datetime import date

import docx

from assistant.export import to_docx
from assistant.labels import SECTIONS
from assistant.parser import parse_file, parse_text

SIX = SECTIONS[5].text


def test_the_docx_is_signed_with_the_body_and_date_right_aligned(tmp_path, reports):
    report = parse_file(reports / "pingtan-2024.txt")
    path = to_docx(report, tmp_path / "r.docx", day=date(2025, 1, 20))
    paragraphs = [p for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    org, day = paragraphs[-2], paragraphs[-1]
    assert (org.text, day.text) == (report.org, "2025年1月20日")
    assert org.alignment == day.alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT
    # read back, the signature is not part of section 六, and nothing else changed
    back = parse_file(path)
    assert back.sections[SIX] == report.sections[SIX]


def test_a_report_without_a_body_is_not_signed(tmp_path, reports):
    report = parse_file(reports / "pingtan-2024.txt").model_copy(update={"org": ""})
    texts = [p.text for p in docx.Document(str(to_docx(report, tmp_path / "r.docx"))).paragraphs]
    assert not [t for t in texts if t.endswith("日") and t[:4].isdigit()]


def test_a_published_signature_is_left_out_of_six_but_a_dated_sentence_is_kept(reports):
    text = (reports / "pingtan-2025.txt").read_text(encoding="utf-8")
    plain = parse_text(text).sections[SIX]
    signed = parse_text(text.rstrip() + "\n平潭综合实验区管委会办公室\n2026年1月28日\n").sections[SIX]
    assert signed == plain
    sentence = parse_text(text.rstrip() + "\n本报告于2026年1月28日发布。\n").sections[SIX]
    assert sentence.endswith("本报告于2026年1月28日发布。")
