"""The pages people read, one function per kind: what a trial, a drug, a target, a
mechanism and a source page show, read with fixed queries (the page's IRI bound by
``substitutions``) and :mod:`hcckg.server.views`.

Each returns a dict for its template (``server/templates/<kind>.html``), with the page's
``citations`` (every source it cites, once, numbered).
"""

from __future__ import annotations

import pyoxigraph as ox

from hcckg.ground.terms import ontology_ns
from hcckg.queries.execute import catalogue, run_named
from hcckg.server import web
from hcckg.server.facts import Citations
from hcckg.server.views import View, linked_to, objects, sort_by_label, view, views

STUDY_FAMILIES = (
    "ICIBasedCombinationTrial", "MultitargetTKITrial", "BispecificAntibodyTrial",
    "AdoptiveTCellTherapyTrial", "OtherStrategyTrial",
)  # fmt: skip
TRIAL_PLACED = (
    "nctId", "acronym", "hasStatus", "hasPhase", "hasDesign", "enrollment", "hasRegion", "isPostICISecondLine",
    "primaryEndpoint", "secondaryEndpoint", "hasArm", "hasPopulation", "describedInSource", "sourceNote",
)  # fmt: skip
ARM_PLACED = ("includesAgent", "armRole", "dose", "armOf", "addressesMechanism", "agentCount")
OUTCOME_ORDER = ("endpoint", "arm", "line", "subgroup")


def _setting(study: View) -> str:
    flag = study.one("isPostICISecondLine")
    if flag is None:
        return ""
    return "post-ICI second line" if flag.text in ("true", "1") else "not post-ICI second line"


def heading(study: View) -> str:
    """What people call a trial: its acronym, else its NCT number, else its title."""
    return study.text("acronym").split(", ")[0] or study.text("nctId") or study.label


def _outcome_rows(store, outcomes: list[str], citations: Citations) -> list[dict]:
    rows = []
    for o in views(store, outcomes, citations).values():
        value = o.one("value")
        if value is None:
            continue
        lo, hi = o.one("ciLower"), o.one("ciUpper")
        ci = f"{lo.text if lo else '?'}–{hi.text if hi else 'NR'}" if lo or hi else ""
        n = o.one("count") or o.one("denominator")
        arm = o.one("outcomeOfArm")
        rows.append(
            {
                "iri": o.iri,
                "endpoint": o.text("measuresEndpoint"),
                "arm": arm.text if arm else "whole study",
                "arm_href": arm.href if arm else None,
                "line": o.text("lineOfTherapy"),
                "subgroup": o.text("subgroup"),
                "value": value.text,
                "ci": ci,
                "level": o.text("ciLevel"),
                "unit": o.text("hasUnit"),
                "n": n.text if n else "",
                "note": o.text("sourceNote"),
                "cites": sorted(
                    {c for v in (value, lo, hi) if v for c in v.cites}
                    | set(citations.cite(s.iri for s in o.all("reportedIn") if s.iri))
                ),
            }
        )
    return sorted(rows, key=lambda r: tuple(str(r[k]).lower() for k in OUTCOME_ORDER))


def trial(store, iri: ox.NamedNode) -> dict:
    citations = Citations()
    study = view(store, iri, citations)
    arms = sort_by_label(views(store, objects([study], "hasArm"), citations).values())
    populations = list(views(store, objects([study], "hasPopulation"), citations).values())
    outcomes = linked_to(store, iri, "outcomeOfStudy")
    described = citations.cite(v.iri for v in study.all("describedInSource") if v.iri)
    families = [t for t in study.types if t.iri and t.iri.removeprefix(ontology_ns()) in STUDY_FAMILIES]
    disagreements = [(study.label, name, vs) for name, vs in study.disagreements()]
    for arm in arms:
        disagreements += [(arm.label, name, vs) for name, vs in arm.disagreements()]
    return {
        "study": study,
        "heading": heading(study),
        "setting": _setting(study),
        "families": families,
        "arms": arms,
        "arm_placed": ARM_PLACED,
        "populations": populations,
        "results": _outcome_rows(store, outcomes, citations),
        "described": described,
        "disagreements": disagreements,
        "placed": TRIAL_PLACED,
        "citations": citations.fill(store),
    }


def _studies_giving(store, arms: list[str], citations: Citations) -> list[dict]:
    """One row per arm: its study (NCT, acronym, phase, status, setting) and the arm."""
    arm_views = views(store, arms, citations)
    study_views = views(store, objects(arm_views.values(), "armOf"), citations)
    rows = []
    for arm in arm_views.values():
        for link in arm.all("armOf"):
            study = study_views.get(link.iri or "")
            if study is None:
                continue
            rows.append(
                {
                    "study": study,
                    "heading": heading(study),
                    "arm": arm,
                    "phase": study.text("hasPhase"),
                    "status": study.text("hasStatus"),
                    "setting": _setting(study),
                }
            )
    return sorted(
        rows, key=lambda r: (r["setting"] != "post-ICI second line", r["heading"].lower(), r["arm"].label)
    )


def _results(store, agent: ox.NamedNode) -> list[dict]:
    table = run_named(store, catalogue()["results_table"], {"agent": agent.value})
    return table.rows


def drug(store, iri: ox.NamedNode) -> dict:
    citations = Citations()
    agent = view(store, iri, citations)
    arms = linked_to(store, iri, "includesAgent")
    regimens = sort_by_label(views(store, linked_to(store, iri, "hasComponent"), citations).values())
    return {
        "agent": agent,
        "targets": agent.all("hasTarget"),
        "mechanisms": agent.all("addressesMechanism"),
        "components": agent.all("hasComponent"),
        "regimens": regimens,
        "studies": _studies_giving(store, arms, citations),
        "results": _results(store, iri),
        "placed": ("hasTarget", "addressesMechanism", "hasComponent", "developerCode", "isTargetOf"),
        "citations": citations.fill(store),
    }


def target(store, iri: ox.NamedNode) -> dict:
    citations = Citations()
    thing = view(store, iri, citations)
    drugs = sort_by_label(views(store, linked_to(store, iri, "hasTarget"), citations).values())
    arms = [a for d in drugs for a in linked_to(store, ox.NamedNode(d.iri), "includesAgent")]
    return {
        "thing": thing,
        "drugs": drugs,
        "mechanisms": thing.all("implicatedIn"),
        "studies": _studies_giving(store, sorted(set(arms)), citations),
        "placed": ("implicatedIn", "isTargetOf"),
        "citations": citations.fill(store),
    }


def mechanism(store, iri: ox.NamedNode) -> dict:
    citations = Citations()
    thing = view(store, iri, citations)
    targets = sort_by_label(views(store, linked_to(store, iri, "implicatedIn"), citations).values())
    addressing = views(store, linked_to(store, iri, "addressesMechanism"), citations)
    links = []  # each agent or arm that addresses the mechanism, stated or inferred
    for other in sort_by_label(addressing.values()):
        fact = next((v for v in other.all("addressesMechanism") if v.iri == iri.value), None)
        if fact is not None:
            links.append({"who": other, "fact": fact})
    return {
        "thing": thing,
        "targets": targets,
        "links": links,
        "placed": ("hasImplicatedTarget", "arisesAfterRegimen", "involvesProcess"),
        "citations": citations.fill(store),
    }


_CITING = """SELECT ?this ?s (COUNT(?st) AS ?n) WHERE {
  ?st <http://purl.org/dc/terms/source> ?this ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s .
  FILTER(isIRI(?s)) } GROUP BY ?this ?s ORDER BY DESC(?n) LIMIT 500"""


def source(store, iri: ox.NamedNode) -> dict:
    citations = Citations()
    thing = view(store, iri, citations)
    citing = [(r["s"].value, int(r["n"].value)) for r in store.query(_CITING, substitutions={"this": iri})]
    named = views(store, [s for s, _ in citing], Citations())
    groups: dict[str, list[tuple[View, int]]] = {}
    for s, n in citing:
        subject = named[s]
        groups.setdefault(subject.kind or "other", []).append((subject, n))
    pmid, doi = thing.one("pmid"), thing.one("doi")
    return {
        "thing": thing,
        "pmid": pmid.text if pmid else None,
        "doi": doi.text if doi else None,
        "parts": sort_by_label(views(store, linked_to_dc(store, iri), citations).values()),
        "groups": {k: sorted(v, key=lambda p: p[0].label.lower()) for k, v in sorted(groups.items())},
        "facts": sum(n for _, n in citing),
        "placed": ("pmid", "doi", "referenceNumber"),
        "citations": citations.fill(store),
    }


def linked_to_dc(store, iri: ox.NamedNode) -> list[str]:
    sparql = "SELECT ?this ?s WHERE { ?s <http://purl.org/dc/terms/isPartOf> ?this } LIMIT 500"
    return [r["s"].value for r in store.query(sparql, substitutions={"this": iri})]


def generic(store, iri: ox.NamedNode) -> dict:
    citations = Citations()
    thing = view(store, iri, citations)
    return {"thing": thing, "placed": (), "citations": citations.fill(store)}


# kind -> (reader, template)
READERS = {
    "trial": (trial, "trial.html"),
    "study": (trial, "trial.html"),
    "drug": (drug, "drug.html"),
    "regimen": (drug, "drug.html"),
    "target": (target, "target.html"),
    "mechanism": (mechanism, "mechanism.html"),
    "source": (source, "source.html"),
}


def read(store, iri: ox.NamedNode) -> tuple[str, dict]:
    """The template and its data for the page of ``iri`` (kinds without a page of their
    own get the generic one)."""
    kind = iri.value.removeprefix(web.base() + "resource/").split("/", 1)[0]
    reader, template = READERS.get(kind, (generic, "thing.html"))
    return template, reader(store, iri)
