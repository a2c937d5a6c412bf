"""The reasoner's answer is reused while its input files are unchanged, and only then."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from hcckg.ground.settings import load_settings
from hcckg.pipeline import assemble
from hcckg.reasoned import inputs_key

CURATED = Path(__file__).resolve().parents[1] / "loaders" / "curated"


@pytest.fixture()
def settings(tmp_path):
    curated = tmp_path / "curated"
    shutil.copytree(CURATED, curated)
    return dataclasses.replace(load_settings(), curated_dir=str(curated), cache_dir=str(tmp_path / "cache"))


def _reasoning(settings) -> tuple[set, list[str]]:
    lines: list[str] = []
    graphs = assemble(settings, lines.append).graphs
    inferred = {g for g in graphs if g.value.endswith("/graph/inferred")}
    return set(graphs[inferred.pop()]), [m for m in lines if m.startswith("reasoning:")]


def test_unchanged_sources_reuse_the_answer_and_say_so(settings):
    first, said_first = _reasoning(settings)
    again, said_again = _reasoning(settings)
    assert not any("reusing" in m for m in said_first)
    assert any("inputs unchanged, reusing the reasoner's answer" in m for m in said_again)
    assert again == first and first  # the same inferences, read back from the cache


def test_an_edited_source_is_reasoned_again(settings):
    _reasoning(settings)
    agents = Path(settings.curated_dir) / "agents.yaml"
    before = inputs_key([agents])
    agents.write_text(agents.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert inputs_key([agents]) != before
    _, said = _reasoning(settings)
    assert not any("reusing" in m for m in said)


def test_a_damaged_answer_is_not_used(settings):
    expected, _ = _reasoning(settings)
    (cached,) = (Path(settings.cache_dir) / "reasoner").glob("*.nt")
    cached.write_text("this is not N-Triples <", encoding="utf-8")
    again, said = _reasoning(settings)
    assert again == expected and not any("reusing" in m for m in said)
