from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / ".." / "shared" / "reports"
SPEC = ROOT / ".." / "shared" / "spec"
