"""The layout ARCHITECTURE.md promises: one import name, a ground layer that imports no stage,
and stages that never import a later stage. Read from the syntax trees of the sources."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Folder -> import name (pyproject.toml's package-dir) and its place in the flow.
STAGES = {
    "hcckg/ground": ("hcckg.ground", 0),
    "ontology": ("hcckg.ontology", 1),
    "loaders": ("hcckg.loaders", 2),
    "graph": ("hcckg.graph", 3),
    "queries": ("hcckg.queries", 4),
    "server": ("hcckg.server", 5),
    "hcckg": ("hcckg", 6),  # the CLI and the orchestration (build, qc, export, release)
    "bench": ("hcckg.bench", 6),
}
GROUND = 0


def _module_name(path: Path) -> tuple[str, int]:
    rel = path.relative_to(ROOT)
    for folder, (package, rank) in STAGES.items():
        if rel.is_relative_to(folder):
            parts = list(rel.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if folder == "hcckg" and not parts:
                return "hcckg", GROUND  # the package's __init__ holds only the version
            return ".".join([package, *parts]), rank
    raise AssertionError(f"{rel} is in no stage")


def _sources() -> list[Path]:
    return sorted(p for folder in STAGES for p in (ROOT / folder).rglob("*.py"))


def _rank_of(module: str) -> int | None:
    """The stage of an imported hcckg module (None for other packages)."""
    if module == "hcckg" or module.startswith("hcckg.__"):
        return GROUND  # the package's __init__ (its __version__)
    best = None
    for package, rank in STAGES.values():
        if (module == package or module.startswith(package + ".")) and (
            best is None or len(package) > len(best[0])
        ):
            best = (package, rank)
    return best[1] if best else None


def _all_modules() -> set[str]:
    return {_module_name(p)[0] for p in _sources()}


MODULES: set[str] = set()


def _imports(path: Path, name: str) -> set[str]:
    if not MODULES:
        MODULES.update(_all_modules())
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".")[: -node.level] if path.name != "__init__.py" else name.split(".")
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # ``from hcckg.ground import iris`` imports the module hcckg.ground.iris.
            found |= {f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES}
    return found


def test_every_module_imports_only_its_own_or_earlier_stages():
    wrong = []
    for path in _sources():
        name, rank = _module_name(path)
        for module in _imports(path, name):
            if not module.startswith(("hcckg", "graph", "server", "queries", "loaders", "ontology", "bench")):
                continue
            if not module.startswith("hcckg"):
                wrong.append(f"{path.relative_to(ROOT)} imports {module!r}: use the hcckg.* name")
                continue
            target = _rank_of(module)
            if target is not None and target > rank:
                wrong.append(f"{path.relative_to(ROOT)} (stage {rank}) imports {module} (stage {target})")
    assert wrong == []


def test_the_ground_layer_imports_nothing_but_itself():
    for path in sorted((ROOT / "hcckg" / "ground").rglob("*.py")):
        name, _ = _module_name(path)
        ours = {m for m in _imports(path, name) if m.startswith("hcckg")}
        assert all(m == "hcckg" or m.startswith("hcckg.ground") for m in ours), (path, ours)


MAX_LINES = 400  # issue 14: every module one job; past this size it is doing two


def test_no_module_is_over_400_lines():
    tests = sorted((ROOT / "tests").rglob("*.py"))
    long = {
        str(p.relative_to(ROOT)): n
        for p in _sources() + tests
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_import_rules_catch_a_backward_import(tmp_path):
    # The checker itself must be able to fail: a loader importing the server is caught.
    probe = tmp_path / "probe.py"
    probe.write_text("from hcckg.server import create_app\nfrom hcckg.ground import iris\n", encoding="utf-8")
    found = _imports(probe, "hcckg.loaders.probe")
    assert "hcckg.server" in found and "hcckg.ground.iris" in found
    assert _rank_of("hcckg.server") > STAGES["loaders"][1] >= _rank_of("hcckg.ground.iris")


@pytest.mark.slow
def test_installing_adds_one_top_level_name(tmp_path):
    """A wheel of the project holds ``hcckg`` (and its metadata), nothing else at the top."""
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "src"
    skip = shutil.ignore_patterns(".venv", ".git", "var", "build", "vendor", "__pycache__", "*.egg-info")
    shutil.copytree(ROOT, source, ignore=skip)
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    out = subprocess.run(
        [*command, "-w", str(tmp_path), str(source)], capture_output=True, text=True, timeout=300, cwd=source
    )
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("hcckg-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"hcckg"}
    for expected in (
        "hcckg/graph/store.py",
        "hcckg/loaders/curated/agents.yaml",
        "hcckg/queries/qc/source-issues.rq",
    ):
        assert expected in names
