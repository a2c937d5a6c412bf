"""Bytes a YAML reader refuses (a NUL, a control character, text that is not UTF-8) in a
curated file are a Problem naming the file and line, not a raw traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hcckg.ground.errors import SourceError
from hcckg.loaders.curated import DEFAULT_DIR, load


@pytest.fixture()
def curated(tmp_path: Path) -> Path:
    target = tmp_path / "curated"
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


@pytest.mark.parametrize(
    ("bad", "says"), [(b"\x00", "not allowed"), (b"\x07", "not allowed"), (b"\xff", "not UTF-8")]
)
def test_a_byte_yaml_refuses_is_a_problem_with_file_and_line(curated, bad, says):
    path = sorted(curated.glob("*.yaml"))[0]
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4] + b" " + bad  # line 5
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(SourceError) as caught:
        load(curated)
    problem = next(p for p in caught.value.problems if p.path == str(path))
    assert problem.line == 5 and says in problem.message
