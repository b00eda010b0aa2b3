from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VARIABLE = re.compile(r"(?<!@@)\bPAPERBOY_[A-Z0-9_]*[A-Z0-9]\b(?!@@)")


def test_env_example_documents_every_variable_the_code_reads():
    documented = set(VARIABLE.findall((ROOT / ".env.example").read_text()))
    used: set[str] = set()
    for path in [*ROOT.joinpath("paperboy").rglob("*.py"), ROOT / "Makefile", ROOT / "conftest.py"]:
        used |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    missing = sorted(used - documented)
    assert missing == [], f"add these to .env.example with their default and meaning: {missing}"
