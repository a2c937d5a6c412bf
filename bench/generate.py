"""Deterministic synthetic data in the shape of the hcckg ontology, for the benchmark.

A shared vocabulary (drugs that inhibit targets, targets that drive resistance mechanisms,
endpoints, phases, statuses, units) goes to ``graph/review``; trials (a setting, a population,
arms that include drugs, outcomes per arm and endpoint, a registry source) go to
``graph/ctgov``, each asserted link with its ``rdf:Statement`` provenance node from
``hcckg.ground.provenance``; what the reasoner would infer (``hasTarget``, ``addressesMechanism``
for drugs and arms, each with its ``hcc:Inference`` explanation, and the setting classes) goes to
``graph/inferred``; the ontology's own triples, when ``ontology/hcckg.ttl`` exists, go to
``graph/ontology`` so that class hierarchies resolve as in a real build.

Every name is synthetic ("Synthetic drug 12", trial keys ``syn-000012``) so that nothing here
can be mistaken for a fact of the review or the registry. The same scale and seed give the
same bytes. Quads are written line by line, so 10M triples never sit in memory.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.provenance import statement_triples
from hcckg.ground.settings import PROJECT_ROOT
from hcckg.ground.terms import HCC, PROV, RDF, RDFS, XSD

SCALES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
ONTOLOGY_FILE = PROJECT_ROOT / "ontology" / "hcckg.ttl"
DEFAULT_SEED = 20260111

ENDPOINTS = ("mpfs", "mos", "orr", "dcr")
PHASES = ("phase-1", "phase-2", "phase-3")
# Registry-style keys, as the ClinicalTrials.gov loader writes them.
STATUSES = ("RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED")
DESIGNS = ("randomised-controlled", "single-arm")
CHILD_PUGH = ("A", "B7")
AGENT_CLASSES = ("SmallMolecule", "MonoclonalAntibody", "BispecificAntibody", "MultitargetKinaseInhibitor")


def parse_scale(text: str) -> int:
    """``"100k"`` -> 100000; also plain integers (for tests)."""
    if text in SCALES:
        return SCALES[text]
    try:
        return int(text)
    except ValueError as err:
        raise ValueError(f"unknown scale {text!r}: use one of {', '.join(SCALES)} or a number") from err


def _iri(node: ox.NamedNode) -> str:
    return f"<{node.value}>"


class _Prefixes:
    """N-Triples spelling of resource IRIs. hcckg.ground.iris mints one IRI per kind; the key is
    appended here because re-reading the settings for each of millions of IRIs costs
    more than writing the quads."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, kind: str, key: str) -> str:
        prefix = self._cache.get(kind)
        if prefix is None:
            prefix = self._cache[kind] = iris.resource(kind, "x").value[:-1]
        return f"<{prefix}{key}>"


@dataclass
class Counts:
    """Quads written per named graph."""

    graphs: dict[str, int] = field(default_factory=dict)
    trials: int = 0

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


class _Writer:
    def __init__(self, out, graph: ox.NamedNode, counts: Counts) -> None:
        self.out = out  # a file of this graph's own: the dataset lists each graph's quads together
        self.graph = _iri(graph)
        self.counts = counts
        self.name = graph.value
        counts.graphs.setdefault(self.name, 0)

    def quad(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} {p} {o} {self.graph} .\n")
        self.counts.graphs[self.name] += 1


def _lit(value: str) -> str:
    # Synthetic labels are plain ASCII without quotes or backslashes; nothing to escape.
    return f'"{value}"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _decimal(value: float) -> str:
    """One decimal place in xsd:decimal's canonical form ("22" not "22.0"), as the store keeps it."""
    return _typed(f"{value:.1f}".removesuffix(".0"), "decimal")


class Generator:
    """Writes one synthetic dataset of about ``target`` quads to ``out``."""

    def __init__(self, target: int, seed: int = DEFAULT_SEED) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.r = _Prefixes()
        self.type = _iri(RDF.type)
        self.label = _iri(RDFS.label)
        self.st_props = {k: _iri(RDF[k]) for k in ("subject", "predicate", "object")}
        self.derived = _iri(PROV.wasDerivedFrom)
        self.comment = _iri(RDFS.comment)
        self.h = {name: _iri(getattr(HCC, name)) for name in _TERMS}
        # Pool sizes grow with the scale so that a parameter selects a similar share of trials.
        self.n_mechanisms = max(12, target // 50_000)
        self.n_targets = max(30, target // 5_000)
        self.n_drugs = max(50, target // 2_000)

    # -- helpers -----------------------------------------------------------------------
    def _provenance(self, w: _Writer, s: str, p: str, o: str, source: str) -> str:
        """The rdf:Statement node for one asserted link (hcckg.ground.provenance, as the
        loaders write it); returns its spelling."""
        for t in statement_triples(_node(s), _node(p), _node(o), _node(source)):
            w.quad(str(t.subject), str(t.predicate), str(t.object))
        return _iri(iris.statement(_node(s), _node(p), _node(o), _node(source)))

    def _explanation(self, w: _Writer, s: str, o: str, premises: list[str], via: tuple[str, str]) -> str:
        """An hcc:Inference node for one inferred addressesMechanism link, as
        ontology/explain.py writes it; returns its spelling."""
        key = f"{s}|{o}|{'|'.join(premises)}"
        x = self.r("inference", "syn-" + _digest(key))
        w.quad(x, self.type, self.h["Inference"])
        w.quad(x, self.st_props["subject"], s)
        w.quad(x, self.st_props["predicate"], self.h["addressesMechanism"])
        w.quad(x, self.st_props["object"], o)
        w.quad(x, self.h[via[0]], via[1])
        w.quad(x, self.comment, _lit("Synthetic explanation"))
        for premise in premises:
            w.quad(x, self.derived, premise)
        return x

    def drug(self, i: int) -> str:
        return self.r("drug", f"syn-drug-{i:05d}")

    # -- the dataset -------------------------------------------------------------------
    def write(self, out) -> Counts:
        """Write the dataset to ``out``, one named graph after the other (so that a loader
        can stream it graph by graph), staging each graph in a temporary file."""
        counts = Counts()
        names = ("ontology", "review", "inferred", "ctgov")
        with contextlib.ExitStack() as stack:
            files = {n: stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8")) for n in names}
            w = {n: _Writer(files[n], iris.graph(n), counts) for n in names}
            self._ontology(w["ontology"])
            drug_targets = self._vocabulary(w["review"], w["inferred"])
            while counts.total < self.target:
                counts.trials += 1
                self._trial(w["ctgov"], w["inferred"], counts.trials, drug_targets)
            for n in names:
                files[n].seek(0)
                shutil.copyfileobj(files[n], out, 1 << 20)
        return counts

    def _ontology(self, w: _Writer) -> None:
        if not ONTOLOGY_FILE.exists():
            return
        blanks: dict[str, str] = {}  # the parser names blank nodes at random; number them in order
        for triple in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE):
            s, p, o = (_spelled(t, blanks) for t in (triple.subject, triple.predicate, triple.object))
            w.quad(s, p, o)

    def _vocabulary(self, w: _Writer, inferred: _Writer) -> list[list[int]]:
        h, r, rng = self.h, self.r, self.rng
        review = r("source", "syn-review")
        w.quad(review, self.type, h["Source"])
        w.quad(review, self.label, _lit("Synthetic review"))
        for key in ENDPOINTS:
            w.quad(r("endpoint", key), self.type, h["Endpoint"])
            w.quad(r("endpoint", key), self.label, _lit(key.upper()))
        for key in (*PHASES, *STATUSES):
            kind = "phase" if key in PHASES else "status"
            w.quad(r(kind, key), self.type, h["Phase" if kind == "phase" else "RecruitmentStatus"])
            w.quad(r(kind, key), self.label, _lit(key.replace("-", " ").replace("_", " ").lower()))
        for key in DESIGNS:
            w.quad(r("design", key), self.type, h["StudyDesign"])
        for key in ("months", "percent"):
            w.quad(r("unit", key), self.type, h["Unit"])
        for key in CHILD_PUGH:
            w.quad(r("childpugh", key), self.type, h["ChildPughClass"])
        for i in range(self.n_mechanisms):
            m = r("mechanism", f"syn-mech-{i:04d}")
            w.quad(m, self.type, h["ResistanceMechanism"])
            w.quad(m, self.label, _lit(f"Synthetic mechanism {i}"))
        target_mechs = []
        drives: dict[tuple[int, int], str] = {}  # (target, mechanism) -> its statement
        for i in range(self.n_targets):
            t = r("target", f"syn-target-{i:04d}")
            w.quad(t, self.type, h["Protein"])
            w.quad(t, self.label, _lit(f"Synthetic target {i}"))
            mechs = rng.sample(range(self.n_mechanisms), 2)
            target_mechs.append(mechs)
            for m in mechs:
                mech = r("mechanism", f"syn-mech-{m:04d}")
                w.quad(t, h["drivesMechanism"], mech)
                drives[(i, m)] = self._provenance(w, t, h["drivesMechanism"], mech, review)
        drug_targets = []
        # (drug, mechanism) -> its explanation nodes: arms' explanations derive from them.
        self.drug_why: dict[tuple[int, int], list[str]] = {}
        for i in range(self.n_drugs):
            d = self.drug(i)
            w.quad(d, self.type, h[AGENT_CLASSES[i % len(AGENT_CLASSES)]])
            w.quad(d, self.label, _lit(f"Synthetic drug {i}"))
            w.quad(d, h["developerCode"], _lit(f"SYN-{i:05d}"))
            targets = rng.sample(range(self.n_targets), 1 + i % 3)
            drug_targets.append(targets)
            inhibits = {}
            for t in targets:
                target = r("target", f"syn-target-{t:04d}")
                w.quad(d, h["inhibits"], target)
                inferred.quad(d, h["hasTarget"], target)
                inhibits[t] = self._provenance(w, d, h["inhibits"], target, review)
            for m in sorted({m for t in targets for m in target_mechs[t]}):
                mech = r("mechanism", f"syn-mech-{m:04d}")
                inferred.quad(d, h["addressesMechanism"], mech)
                self.drug_why[(i, m)] = [
                    self._explanation(
                        inferred,
                        d,
                        mech,
                        [inhibits[t], drives[(t, m)]],
                        ("viaTarget", r("target", f"syn-target-{t:04d}")),
                    )
                    for t in targets
                    if m in target_mechs[t]
                ]
        self.target_mechs = target_mechs
        return drug_targets

    def _trial(self, w: _Writer, inferred: _Writer, n: int, drug_targets: list[list[int]]) -> None:
        h, r, rng = self.h, self.r, self.rng
        key = f"syn-{n:06d}"
        trial = r("trial", key)
        source = r("source", f"syn-ctgov-{n:06d}")
        w.quad(source, self.type, h["RegistryRecord"])
        w.quad(trial, self.type, h["ClinicalTrial"])
        w.quad(trial, self.label, _lit(f"Synthetic trial {n}"))
        w.quad(trial, h["nctId"], _lit(f"SYN{n:08d}"))
        w.quad(trial, h["acronym"], _lit(f"SYN-{n}"))
        w.quad(trial, h["hasPhase"], r("phase", rng.choice(PHASES)))
        w.quad(trial, h["hasStatus"], r("status", rng.choice(STATUSES)))
        w.quad(trial, h["hasDesign"], r("design", rng.choice(DESIGNS)))
        w.quad(trial, h["enrollment"], _typed(rng.randint(20, 900), "integer"))
        w.quad(
            trial, h["startDate"], _typed(f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-01", "date")
        )
        w.quad(trial, h["isPostICISecondLine"], _typed("true", "boolean"))
        w.quad(trial, h["hasSetting"], r("setting", "post-ici-second-line"))
        inferred.quad(trial, self.type, h["PostICISecondLineStudy"])
        w.quad(trial, h["registryRecord"], source)
        w.quad(trial, h["describedInSource"], source)
        w.quad(trial, h["primaryEndpoint"], r("endpoint", rng.choice(ENDPOINTS)))
        population = r("population", key)
        w.quad(trial, h["hasPopulation"], population)
        w.quad(population, self.type, h["Population"])
        w.quad(population, h["allowsChildPugh"], r("childpugh", rng.choice(CHILD_PUGH)))
        for a, role in enumerate(("experimental", "comparator")):
            arm = r("arm", f"{key}-{a + 1}")
            w.quad(trial, h["hasArm"], arm)
            self._provenance(w, trial, h["hasArm"], arm, source)
            w.quad(arm, self.type, h["StudyArm"])
            w.quad(arm, self.label, _lit(f"Synthetic trial {n} arm {a + 1}"))
            w.quad(arm, h["armOf"], trial)
            w.quad(arm, h["armRole"], r("arm-role", role))
            drugs = rng.sample(range(self.n_drugs), 2 if role == "experimental" else 1)
            gives = {}
            for d in drugs:
                w.quad(arm, h["includesAgent"], self.drug(d))
                gives[d] = self._provenance(w, arm, h["includesAgent"], self.drug(d), source)
            mechs = {m for d in drugs for t in drug_targets[d] for m in self.target_mechs[t]}
            for m in sorted(mechs):
                mech = r("mechanism", f"syn-mech-{m:04d}")
                inferred.quad(arm, h["addressesMechanism"], mech)
                for d in drugs:
                    for why in self.drug_why.get((d, m), []):
                        self._explanation(inferred, arm, mech, [gives[d], why], ("viaAgent", self.drug(d)))
            for endpoint in ("mpfs", "mos"):
                outcome = r("outcome", f"{key}-{a + 1}-{endpoint}")
                value = round(rng.uniform(2.0, 24.0), 1)
                w.quad(outcome, self.type, h["Outcome"])
                w.quad(outcome, h["outcomeOfArm"], arm)
                w.quad(outcome, h["outcomeOfStudy"], trial)
                w.quad(outcome, h["measuresEndpoint"], r("endpoint", endpoint))
                w.quad(outcome, h["value"], _decimal(value))
                w.quad(outcome, h["ciLower"], _decimal(value * 0.8))
                w.quad(outcome, h["ciUpper"], _decimal(value * 1.2))
                w.quad(outcome, h["hasUnit"], r("unit", "months"))
                w.quad(outcome, h["reportedIn"], source)
                self._provenance(w, outcome, h["value"], _decimal(value), source)


_TERMS = (
    "Source", "Endpoint", "Phase", "RecruitmentStatus", "Unit", "ChildPughClass", "ResistanceMechanism",
    "Protein", "RegistryRecord", "StudyDesign", "hasDesign", "ClinicalTrial", "Population", "StudyArm", "Outcome", *AGENT_CLASSES,
    "drivesMechanism", "inhibits", "developerCode", "hasTarget", "addressesMechanism", "nctId", "acronym", "hasPhase",
    "Inference", "viaTarget", "viaAgent", "hasSetting", "PostICISecondLineStudy",
    "hasStatus", "enrollment", "startDate", "isPostICISecondLine", "registryRecord", "describedInSource",
    "primaryEndpoint", "hasPopulation", "allowsChildPugh", "hasArm", "armOf", "armRole", "includesAgent",
    "outcomeOfArm", "outcomeOfStudy", "measuresEndpoint", "value", "ciLower", "ciUpper", "hasUnit",
    "reportedIn",
)  # fmt: skip


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _node(text: str) -> ox.NamedNode | ox.Literal:
    """The term an N-Triples spelling stands for (for hcckg.ground.iris.statement's digest)."""
    if text.startswith("<"):
        return ox.NamedNode(text[1:-1])
    value, _, datatype = text[1:].partition('"^^<')
    return ox.Literal(value, datatype=ox.NamedNode(datatype[:-1])) if datatype else ox.Literal(value)


def _spelled(term, blanks: dict[str, str]) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{iris.rebase(term.value)}>"
    if isinstance(term, ox.BlankNode):
        return blanks.setdefault(term.value, f"_:o{len(blanks)}")
    return str(term)


def generate(path: Path, target: int, seed: int = DEFAULT_SEED) -> Counts:
    """Write about ``target`` quads (a few more: whole trials) as N-Quads to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", buffering=1 << 20) as out:
        counts = Generator(target, seed).write(out)
    tmp.replace(path)
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hcckg.bench.generate", description=__doc__.splitlines()[0])
    p.add_argument("scale", help="100k, 1M, 10M or a number of quads")
    p.add_argument("output", help="N-Quads file to write")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    counts = generate(Path(args.output), parse_scale(args.scale), args.seed)
    print(f"{counts.total} quads, {counts.trials} trials -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
