"""The .docx the web app offers: section headings in Word's Heading styles (the navigation pane of Word and
WPS lists them), still looking like a 公文 (黑体 一、…, 楷体 （一）…, black, not the style's blue)."""

from __future__ import annotations

import docx
import pytest

from assistant.export import FONT_H1, FONT_H2, to_docx
from assistant.labels import SECTIONS
from assistant.parser import parse_file


@pytest.mark.parametrize("name", ["pingtan-2021.txt", "huaian-shi-2024.pdf"])
def test_section_headings_use_heading_styles(name, reports, tmp_path):
    report = parse_file(reports / name)
    document = docx.Document(str(to_docx(report, tmp_path / "out.docx")))
    by_style: dict[str, list] = {}
    for p in document.paragraphs:
        by_style.setdefault(p.style.name, []).append(p)
    assert [p.text for p in by_style["Heading 1"]] == [s.text for s in SECTIONS]
    for p in by_style["Heading 1"]:
        run = p.runs[0]
        east_asia = run._element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        assert east_asia == FONT_H1 and str(run.font.color.rgb) == "000000"
    level2 = by_style.get("Heading 2", [])
    whole_line_parts = [
        line
        for line in report.sections[SECTIONS[0].text].splitlines()
        if line.strip().startswith("（") and "。" not in line
    ]
    assert [p.text for p in level2] == [line.strip() for line in whole_line_parts]
    assert all(
        p.runs[0]._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == FONT_H2
        for p in level2
    )
    # body text stays in the Normal style
    assert set(by_style) == {"Normal", "Heading 1", *(["Heading 2"] if level2 else [])}
