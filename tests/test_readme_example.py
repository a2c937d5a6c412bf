"""The README's worked example, run as printed on the real build, gives the output the README
shows: the post-ICI second-line trials that give lenvatinib, each link inferred and explained."""

from __future__ import annotations

import csv
import io
import json
import re

from hcckg.cli import main
from hcckg.ground.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## A worked example") : README.index("## How it is built")]
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", SECTION, flags=re.S)


def _cli(capsys, monkeypatch, settings, *args: str) -> str:
    monkeypatch.setenv("HCCKG_STORE", settings.store)
    monkeypatch.setenv("COLUMNS", "100")  # the README shows tables as a 100-column terminal prints them
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def _argv(command: str) -> list[str]:
    words = command.split()
    assert words[0] == ".venv/bin/hcckg"
    return words[1:]


def test_the_worked_example_answers_with_what_the_readme_shows(built_settings, capsys, monkeypatch):
    command = BLOCKS[0][1].strip()
    table = [re.split(r"\s{2,}", line.strip()) for line in BLOCKS[1][1].strip().splitlines()]
    out = _cli(capsys, monkeypatch, built_settings, *_argv(command), "--format", "csv")
    rows = [row[:7] for row in csv.reader(io.StringIO(out))]
    assert rows == table
    trials = {row[0] for row in rows[1:]}
    assert trials == {"NCT04770896", "NCT05822752", "NCT05168163", "KCSG HB23-04", "NCT03781934",
                      "NCT06138769", "NCT05101629"}  # fmt: skip
    assert {row[1] for row in rows[1:]} == {"post-ICI second line"}
    # The explanation of the first row, as the README quotes it.
    first = json.loads(_cli(capsys, monkeypatch, built_settings, *_argv(command), "--format", "json"))[
        "rows"
    ][0]
    assert [first["explanation"], first["linkSources"]] == BLOCKS[2][1].strip().splitlines()


def test_the_why_query_answers_with_what_the_readme_shows(built_settings, capsys, monkeypatch):
    (sparql,) = [body for kind, body in BLOCKS if kind == "sparql"]
    shown = BLOCKS[BLOCKS.index(("sparql", sparql)) + 1][1]
    out = _cli(capsys, monkeypatch, built_settings, "query", sparql)
    assert [line.rstrip() for line in out.strip().splitlines()] == [
        line.rstrip() for line in shown.strip().splitlines()
    ]
