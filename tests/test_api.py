"""The package's public API: every name in `assistant.__all__` resolves, and importing the package stays light."""

import subprocess
import sys

import assistant


def test_every_public_name_resolves_to_its_home():
    for name in assistant.__all__:
        obj = getattr(assistant, name)
        assert obj.__name__ == name and obj.__module__.startswith("assistant.")


def test_checking_a_report_through_the_public_api(reports):
    findings = assistant.check(assistant.parse_file(reports / "pingtan-2020.txt"))
    assert [f.where for f in findings if f.rule == "T3-RESULT-SUM"][-1] == assistant.Location(
        table="table3", row="（七）总计", column="总计"
    )


def test_import_does_not_load_the_heavy_libraries():
    probe = (
        "import sys, assistant; print(sorted(m for m in ('gradio', 'chromadb', 'langchain_core') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
