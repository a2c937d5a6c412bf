"""The reasoner's output, reused while its inputs are unchanged.

HermiT takes seconds (2–4 s here, 7–15 s on a loaded machine) and its answer depends only on
what it is given: the ontology, the curated facts and the code that reads and reasons over
them. So ``hcckg qc`` and ``hcckg build`` keep each answer under
``var/cache/reasoner/<key>.nt``, the key a SHA-256 of those inputs — the ontology file, the
curated files, and the Python files of ``ontology/``, ``loaders/`` and the ground layer — and
reuse it when the key comes round again; they say so in their progress lines. Any edit to
one of them gives a new key, so a stale answer is never used. (The files are hashed, not the
triples: blank nodes get new names at every parse.) The cache is safe to delete.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from hcckg import ground, loaders, ontology
from hcckg.ground.settings import Settings

CACHE_FILES = 8  # answers kept; older ones are deleted


def inputs_key(sources: list[Path]) -> str:
    """A digest of the reasoner's inputs: the source files and the code that reads them."""
    code = [Path(package.__file__).parent for package in (ground, ontology, loaders)]
    digest = hashlib.sha256()
    for path in [*sources, *sorted(p for folder in code for p in folder.glob("*.py"))]:
        digest.update(str(path.name).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inferred_triples(
    tbox: list[ox.Triple],
    abox: list[ox.Triple],
    sources: list[Path],
    settings: Settings,
    progress: Callable[[str], None] = lambda _m: None,
) -> list[ox.Triple]:
    """What the reasoner infers from ``tbox`` and ``abox`` (read from the files ``sources``),
    from the cache when it has the answer for those files."""
    from hcckg.ontology.reasoning import reason

    folder = settings.cache_path / "reasoner"
    key = inputs_key(sources)
    cached = folder / f"{key[:32]}.nt"
    if cached.exists():
        try:
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(cached))]
        except (SyntaxError, OSError):
            cached.unlink(missing_ok=True)  # a damaged file: reason again
        else:
            progress(f"reasoning: inputs unchanged, reusing the reasoner's answer ({cached})")
            return triples
    inferred = reason(tbox, abox).inferred
    _store(folder, cached, inferred, progress)
    return inferred


def _store(folder: Path, target: Path, triples: list[ox.Triple], progress: Callable[[str], None]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as out:
            ox.serialize(triples, out, ox.RdfFormat.N_TRIPLES)
        os.replace(out.name, target)
        answers = sorted(folder.glob("*.nt"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in answers[CACHE_FILES:]:
            old.unlink(missing_ok=True)
    except OSError as err:  # a read-only or full disk: the answer is still used, just not kept
        progress(f"reasoning: cannot keep the answer in {folder} ({err}); the next run reasons again")
