"""One checked ClinicalTrials.gov record → triples on the curated trial IRI, each with its
provenance statement (the registry record is the source). The registry's values land on the
same terms as the review's, so both sit side by side and ``hcckg qc`` lists where they differ:
status, phase, allocation (``allocation/RANDOMIZED``), masking (``masking/NONE``), enrollment
figures with their kind (ACTUAL → actual, ESTIMATED → estimated) and as-of date, each arm's
interventions as its doses (agent and the registry's wording; the text is not parsed), and the
eligibility criteria's prior-therapy lines kept as text on a prior-therapy requirement.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.errors import Problem, SourceError
from hcckg.ground.names import normalise
from hcckg.ground.provenance import statement_triples
from hcckg.ground.terms import DCTERMS, HCC, PROV, RDF, RDFS, SKOS, XSD
from hcckg.loaders.ctgov_match import match, strip_type
from hcckg.loaders.ctgov_read import CtgovRecord

REGISTRY_URL = "https://clinicaltrials.gov/study/"
PHASE_NUMBER = {"EARLY_PHASE1": "1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}
ENROLLMENT_KIND = {"ACTUAL": "actual", "ESTIMATED": "estimated"}
UNMATCHED_NOTE = "ClinicalTrials.gov intervention not matched to a curated agent; a curator should review it"
# Eligibility lines about prior therapy, kept as the registry writes them (never parsed into regimens).
PRIOR_THERAPY_RE = re.compile(
    r"prior|previous|progress|refractory|intoleran|treated with|line of|systemic therap", re.IGNORECASE
)
SECTION_RE = re.compile(r"^\s*(inclusion|exclusion) criteria\s*:?\s*$", re.IGNORECASE)
BULLET_RE = re.compile(r"^\s*(?:[*\-•]|\d+[.)])\s+")


def _date_literal(value: str) -> ox.Literal:
    """Partial registry dates keep their precision: 2024-05 is a gYearMonth, not 2024-05-01."""
    datatype = {10: "date", 7: "gYearMonth", 4: "gYear"}[len(value)]
    return ox.Literal(value, datatype=XSD[datatype])


def date_key(value: str | None) -> str:
    return (value or "").ljust(10, "0")


def phase_key(phases: list[str]) -> str | None:
    """["PHASE1", "PHASE2"] → "phase-1-2"; ["NA"] → "phase-na"; [] → None. The ontology has
    its own individual for an early phase 1 study alone."""
    if phases == ["EARLY_PHASE1"]:
        return "early-phase-1"
    numbers = sorted({PHASE_NUMBER[p] for p in phases if p in PHASE_NUMBER})
    if numbers:
        return "phase-" + "-".join(numbers)
    return "phase-na" if "NA" in phases else None


def arm_role_key(arm_type: str) -> str:
    """``ACTIVE_COMPARATOR`` → ``active-comparator``, as the ontology's arm-role individuals."""
    return iris.slug(arm_type)


def prior_therapy_lines(criteria: str) -> list[str]:
    """The eligibility lines that speak of prior therapy, each prefixed with its section
    ("Inclusion: ...", "Exclusion: ..."), as the registry writes them."""
    section, out = "", []
    for raw in criteria.splitlines():
        heading = SECTION_RE.match(raw)
        if heading:
            section = heading.group(1).capitalize()
            continue
        line = BULLET_RE.sub("", raw).strip()
        if line and PRIOR_THERAPY_RE.search(line):
            out.append(f"{section}: {line}" if section else line)
    return out


class _Facts:
    """Collects facts and their provenance nodes (see ARCHITECTURE.md, fact provenance)."""

    def __init__(self, source: ox.NamedNode):
        self.source = source
        self.triples: list[ox.Triple] = []

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: Any) -> None:
        if not isinstance(o, ox.NamedNode | ox.Literal):
            o = ox.Literal(o)
        self.triples.append(ox.Triple(s, p, o))
        self.triples += statement_triples(s, p, o, self.source)

    def plain(self, s: ox.NamedNode, p: ox.NamedNode, o: Any) -> None:
        """A triple about the source record itself, which needs no provenance node."""
        self.triples.append(ox.Triple(s, p, o if isinstance(o, ox.NamedNode | ox.Literal) else ox.Literal(o)))


def to_triples(
    record: CtgovRecord, curated_index: dict[str, ox.NamedNode], *, imported: date | None = None
) -> list[ox.Triple]:
    """The triples of one checked record, on the same trial IRI as the curated facts.

    ``imported`` is the import date stated on the registry record (default: today)."""
    nct = record.nct
    if not nct:
        raise SourceError([Problem(record.path, "missing nctId", record=record.label)])
    proto = record.data.get("protocolSection", {})
    trial = iris.resource("trial", nct)
    f = _Facts(iris.resource("source", f"ctgov-{nct}"))
    _record(f, record, nct, imported)
    _study(f, trial, record, proto)
    _design(f, trial, nct, record, proto.get("designModule", {}))
    _sites(f, trial, proto)
    _eligibility(f, trial, nct, proto.get("eligibilityModule", {}))
    _outcomes(f, trial, nct, proto.get("outcomesModule", {}))
    _arms(f, trial, nct, proto.get("armsInterventionsModule", {}), curated_index)
    return f.triples


def _record(f: _Facts, record: CtgovRecord, nct: str, imported: date | None) -> None:
    """The registry record: the source of every fact of the record."""
    source = f.source
    f.plain(source, RDF.type, HCC.RegistryRecord)
    f.plain(source, RDF.type, HCC.Source)
    f.plain(source, RDFS.label, f"ClinicalTrials.gov record {nct}")
    f.plain(source, HCC.nctId, nct)
    f.plain(source, RDFS.seeAlso, ox.NamedNode(REGISTRY_URL + nct))
    f.plain(source, HCC.importDate, _date_literal((imported or date.today()).isoformat()))
    if record.last_update:
        f.plain(source, HCC.lastUpdateDate, _date_literal(record.last_update))
    f.plain(iris.graph(f"ctgov/{nct}"), PROV.wasDerivedFrom, source)


def _study(f: _Facts, trial: ox.NamedNode, record: CtgovRecord, proto: dict) -> None:
    ident, status = proto.get("identificationModule", {}), proto.get("statusModule", {})
    design = proto.get("designModule", {})
    f.add(
        trial,
        RDF.type,
        HCC.ObservationalStudy if design.get("studyType") == "OBSERVATIONAL" else HCC.ClinicalTrial,
    )
    f.add(trial, HCC.nctId, record.nct)
    f.add(trial, HCC.registryRecord, f.source)
    if ident.get("briefTitle"):
        f.add(trial, DCTERMS["title"], ident["briefTitle"])
    if ident.get("officialTitle"):
        f.add(trial, DCTERMS.alternative, ident["officialTitle"])
    if ident.get("acronym"):
        f.add(trial, HCC.acronym, ident["acronym"])
    if status.get("overallStatus"):
        # The status individuals of the ontology are named by the registry's enum words.
        f.add(trial, HCC.hasStatus, iris.resource("status", status["overallStatus"]))
    for struct, term in (("startDateStruct", HCC.startDate), ("completionDateStruct", HCC.completionDate)):
        when = status.get(struct, {}).get("date")
        if when:
            f.add(trial, term, _date_literal(when))
    if "hasResults" in record.data:
        f.add(trial, HCC.hasResults, ox.Literal(record.data["hasResults"]))
    for condition in proto.get("conditionsModule", {}).get("conditions", []):
        f.add(trial, DCTERMS.subject, condition)
    sponsor = proto.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {})
    if sponsor.get("name") and iris.slug(sponsor["name"]):
        org = iris.resource("organisation", iris.slug(sponsor["name"]))
        f.add(org, RDF.type, HCC.Organisation)
        f.add(org, RDFS.label, sponsor["name"])
        f.add(trial, HCC.sponsor, org)


def _design(f: _Facts, trial: ox.NamedNode, nct: str, record: CtgovRecord, design: dict) -> None:
    """Phase, allocation and masking on the review's value individuals; the enrollment as a
    figure with its kind and the date of the record's version, and as the plain count."""
    phase = phase_key(design.get("phases", []))
    if phase:
        f.add(trial, HCC.hasPhase, iris.resource("phase", phase))
    info = design.get("designInfo", {})
    if info.get("allocation"):
        f.add(trial, HCC.allocation, iris.resource("allocation", info["allocation"]))
    masking = info.get("maskingInfo", {}).get("masking")
    if masking:
        f.add(trial, HCC.masking, iris.resource("masking", masking))
    enrollment = design.get("enrollmentInfo", {})
    if "count" not in enrollment:
        return
    count = enrollment["count"]
    f.add(trial, HCC.enrollment, ox.Literal(count))
    # A count the registry gives without its type is "reported", kind not stated.
    kind = ENROLLMENT_KIND.get(enrollment.get("type", ""), "reported")
    figure = iris.resource("enrollment", iris.slug(f"{nct}-ctgov-{count}"))
    f.add(figure, RDF.type, HCC.Enrollment)
    f.add(figure, RDFS.label, f"{count} patients ({kind}), ClinicalTrials.gov {nct}")
    f.add(trial, HCC.hasEnrollment, figure)
    f.add(figure, HCC.enrollmentCount, ox.Literal(count))
    f.add(figure, HCC.enrollmentKind, iris.resource("enrollment-kind", kind))
    if record.last_update:
        f.add(figure, HCC.asOfDate, _date_literal(record.last_update))


def _sites(f: _Facts, trial: ox.NamedNode, proto: dict) -> None:
    locations = proto.get("contactsLocationsModule", {}).get("locations")
    if locations:
        f.add(trial, HCC.numberOfSites, ox.Literal(len(locations)))
        countries = {loc["country"] for loc in locations if loc.get("country")}
        f.add(trial, HCC.numberOfCountries, ox.Literal(len(countries)))


def _eligibility(f: _Facts, trial: ox.NamedNode, nct: str, elig: dict) -> None:
    if not any(k in elig for k in ("eligibilityCriteria", "minimumAge", "maximumAge")):
        return
    population = iris.resource("population", f"{nct}-ctgov")
    f.add(population, RDF.type, HCC.Population)
    f.add(trial, HCC.hasPopulation, population)
    for key in ("eligibilityCriteria", "minimumAge", "maximumAge"):
        if elig.get(key):
            f.add(population, getattr(HCC, key), elig[key])
    lines = prior_therapy_lines(elig.get("eligibilityCriteria", ""))
    if lines:
        requirement = iris.resource("prior-therapy", f"{nct.lower()}-ctgov")
        f.add(requirement, RDF.type, HCC.PriorTherapyRequirement)
        f.add(requirement, RDFS.label, f"prior therapy, as ClinicalTrials.gov {nct} words it")
        f.add(population, HCC.hasPriorTherapyRequirement, requirement)
        for line in lines:
            f.add(requirement, HCC.criterionText, line)


def _outcomes(f: _Facts, trial: ox.NamedNode, nct: str, outcomes: dict) -> None:
    for key, kind, term in (
        ("primaryOutcomes", "primary", HCC.primaryEndpoint),
        ("secondaryOutcomes", "secondary", HCC.secondaryEndpoint),
    ):
        for i, outcome in enumerate(outcomes.get(key, []), start=1):
            endpoint = iris.resource("endpoint", f"{nct}-ctgov-{kind}-{i}")
            f.add(endpoint, RDF.type, HCC.Endpoint)
            if outcome.get("measure"):
                f.add(endpoint, RDFS.label, outcome["measure"])
            if outcome.get("description"):
                f.add(endpoint, DCTERMS.description, outcome["description"])
            if outcome.get("timeFrame"):
                f.add(endpoint, RDFS.comment, f"Time frame: {outcome['timeFrame']}")
            f.add(trial, term, endpoint)


def _arms(f: _Facts, trial: ox.NamedNode, nct: str, module: dict, index: dict[str, ox.NamedNode]) -> None:
    """Interventions → agents (curated where the name matches), then arms with their agents
    and, for each agent, a dose: the agent and the registry's wording of the intervention."""
    interventions: dict[str, tuple[dict, list[ox.NamedNode]]] = {}
    for intervention in module.get("interventions", []):
        name = strip_type(intervention.get("name", ""))
        if name:
            interventions[normalise(name)] = (intervention, _agents(f, name, intervention, index))
    for arm_group in module.get("armGroups", []):
        arm_label = arm_group.get("label", "")
        if not iris.slug(arm_label):
            continue
        arm_key = f"{nct}-ctgov-{iris.slug(arm_label)}"
        arm = iris.resource("arm", arm_key)
        f.add(arm, RDF.type, HCC.StudyArm)
        f.add(arm, RDFS.label, arm_label)
        f.add(trial, HCC.hasArm, arm)
        f.add(arm, HCC.armOf, trial)
        if arm_group.get("description"):
            f.add(arm, DCTERMS.description, arm_group["description"])
        if arm_group.get("type"):
            f.add(arm, HCC.armRole, iris.resource("arm-role", arm_role_key(arm_group["type"])))
        named = {normalise(strip_type(n)) for n in arm_group.get("interventionNames", [])}
        included: list[ox.NamedNode] = []
        for key, (intervention, agents) in interventions.items():
            if key in named or arm_label in intervention.get("armGroupLabels", []):
                for agent in agents:
                    if agent not in included:
                        included.append(agent)
                        _dose(f, arm, arm_key, agent, intervention)
        for agent in included:
            f.add(arm, HCC.includesAgent, agent)
        f.add(arm, HCC.agentCount, ox.Literal(len(included)))


def _dose(f: _Facts, arm: ox.NamedNode, arm_key: str, agent: ox.NamedNode, intervention: dict) -> None:
    dose = iris.resource("dose", iris.slug(f"{arm_key}-{agent.value.rsplit('/', 1)[-1]}"))
    f.add(dose, RDF.type, HCC.Dose)
    text = intervention.get("name", "")
    f.add(
        dose, RDFS.label, f"{intervention['type'].capitalize()}: {text}" if intervention.get("type") else text
    )
    f.add(dose, HCC.doseOfAgent, agent)
    if intervention.get("description"):
        f.add(dose, RDFS.comment, intervention["description"])
    f.add(arm, HCC.hasDose, dose)


def _agents(
    f: _Facts, name: str, intervention: dict[str, Any], index: dict[str, ox.NamedNode]
) -> list[ox.NamedNode]:
    """The agents of one intervention. A combination ("A + B") gives one agent per part; an
    unmatched name becomes a new agent flagged for a curator."""
    parts = [p.strip() for p in name.split("+") if p.strip()] or [name]
    other_names = [strip_type(n) for n in intervention.get("otherNames", [])]
    agents: list[ox.NamedNode] = []
    for part in parts:
        found = match(part, other_names if len(parts) == 1 else [], index)
        if found is None and iris.slug(part):
            found = iris.resource("drug", f"ctgov-{iris.slug(part)}")
            f.add(found, RDF.type, HCC.TherapeuticAgent)
            f.add(found, RDFS.label, part)
            for other in other_names if len(parts) == 1 else []:
                f.add(found, SKOS.altLabel, other)
            if intervention.get("type"):
                f.add(found, DCTERMS.type, intervention["type"])
            f.add(found, HCC.sourceNote, UNMATCHED_NOTE)
        if found is not None and found not in agents:
            agents.append(found)
    return agents
