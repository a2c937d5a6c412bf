"""hcckg qc's text report is written for people: CURIEs, not IRIs, and lines that fit."""

from __future__ import annotations

import json

from hcckg.cli import main


def test_the_text_report_shows_curies_and_fits_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["qc", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "res:trial/NCT05822752" in out and "hcc:enrollment" in out
    assert "https://w3id.org/hcckg/" not in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_machine_formats_keep_full_iris(capsys):
    assert main(["qc", "--quiet", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    subjects = [f["row"].get("subject", "") for f in report["findings"]]
    assert any(s.startswith("https://w3id.org/hcckg/resource/") for s in subjects)
