"""ClinicalTrials.gov API v2 study records → validated records → triples on the curated trial IRIs.

A batch is a JSON file (one study, a list of studies, or an API page ``{"studies": [...]}``),
a directory of such files, or a zip of them. Loading is all or nothing: every problem of the
batch (malformed JSON, missing or malformed ``nctId``, an unknown enum word, a wrong type) is
collected and raised as one :class:`SourceError` before anything is written, and the store is
replaced in one atomic step, so a failed load leaves the previous store serving.

Each record lives in its own named graph ``graph/ctgov/<NCT>``; loading a record replaces
that graph only. A record whose ``lastUpdatePostDate`` is older than the stored one is
reported and skipped. Only the fields that hcckg maps are validated; the registry adds
fields over time and unknown ones are ignored rather than rejected.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.errors import Problem, SourceError
from hcckg.ground.names import normalise
from hcckg.ground.provenance import statement_triples
from hcckg.ground.terms import CLASSES, DCTERMS, HCC, PROV, RDF, RDFS, SKOS, XSD

Progress = Callable[[str], None]

NCT_RE = re.compile(r"^NCT\d{8}$")
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# "Drug: Atezolizumab" in armGroups[].interventionNames; the prefix is the intervention type.
TYPE_PREFIX_RE = re.compile(r"^\s*[A-Za-z ]+:\s+")
REGISTRY_URL = "https://clinicaltrials.gov/study/"

# -- enum words of the API v2 (study data structure) ------------------------------------------
STATUS = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)  # fmt: skip
DATE_TYPE = ("ACTUAL", "ESTIMATED")
SPONSOR_CLASS = ("NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN")
RESPONSIBLE_PARTY = ("SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR")
STUDY_TYPE = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
PHASE = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
ALLOCATION = ("RANDOMIZED", "NON_RANDOMIZED", "NA")
INTERVENTION_MODEL = ("SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL")
PRIMARY_PURPOSE = (
    "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
    "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
)  # fmt: skip
MASKING = ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE")
WHO_MASKED = ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR")
ARM_TYPE = (
    "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION", "OTHER",
)  # fmt: skip
INTERVENTION_TYPE = (
    "DRUG", "DEVICE", "BIOLOGICAL", "PROCEDURE", "RADIATION", "BEHAVIORAL", "GENETIC",
    "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT", "DIAGNOSTIC_TEST", "OTHER",
)  # fmt: skip
SEX = ("FEMALE", "MALE", "ALL")

PHASE_NUMBER = {"EARLY_PHASE1": "1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}

# The agent classes of the ontology: curated drugs are typed with the most specific one, and
# the reasoner's TherapeuticAgent types are not there when the index is built from raw triples.
AGENT_CLASSES = tuple(CLASSES[: CLASSES.index("FaecalMicrobiotaTransplant") + 1])

UNMATCHED_NOTE = "ClinicalTrials.gov intervention not matched to a curated agent; a curator should review it"


# -- the schema of the fields hcckg reads ---------------------------------------------------------
class _Enum:
    def __init__(self, values: tuple[str, ...]):
        self.values = values


class _Scalar:
    def __init__(self, name: str, check: Callable[[Any], bool], pattern: re.Pattern | None = None):
        self.name, self.check, self.pattern = name, check, pattern


STR = _Scalar("a string", lambda v: isinstance(v, str))
INT = _Scalar("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
BOOL = _Scalar("true or false", lambda v: isinstance(v, bool))
DATE = _Scalar("a date (YYYY, YYYY-MM or YYYY-MM-DD)", lambda v: isinstance(v, str), DATE_RE)
NCT = _Scalar("an NCT number ('NCT' and 8 digits)", lambda v: isinstance(v, str), NCT_RE)

_DATE_STRUCT = {"date": DATE, "type": _Enum(DATE_TYPE)}
_OUTCOME = [{"measure": STR, "description": STR, "timeFrame": STR}]
_ORG = {"name": STR, "class": _Enum(SPONSOR_CLASS)}

SCHEMA: dict[str, Any] = {
    "hasResults": BOOL,
    "protocolSection": {
        "identificationModule": {"nctId": NCT, "briefTitle": STR, "officialTitle": STR, "acronym": STR},
        "statusModule": {
            "overallStatus": _Enum(STATUS),
            "lastKnownStatus": _Enum(STATUS),
            "whyStopped": STR,
            "statusVerifiedDate": DATE,
            "startDateStruct": _DATE_STRUCT,
            "primaryCompletionDateStruct": _DATE_STRUCT,
            "completionDateStruct": _DATE_STRUCT,
            "studyFirstSubmitDate": DATE,
            "studyFirstPostDateStruct": _DATE_STRUCT,
            "lastUpdateSubmitDate": DATE,
            "lastUpdatePostDateStruct": _DATE_STRUCT,
        },
        "sponsorCollaboratorsModule": {
            "leadSponsor": _ORG,
            "collaborators": [_ORG],
            "responsibleParty": {"type": _Enum(RESPONSIBLE_PARTY)},
        },
        "conditionsModule": {"conditions": [STR], "keywords": [STR]},
        "designModule": {
            "studyType": _Enum(STUDY_TYPE),
            "phases": [_Enum(PHASE)],
            "designInfo": {
                "allocation": _Enum(ALLOCATION),
                "interventionModel": _Enum(INTERVENTION_MODEL),
                "primaryPurpose": _Enum(PRIMARY_PURPOSE),
                "maskingInfo": {"masking": _Enum(MASKING), "whoMasked": [_Enum(WHO_MASKED)]},
            },
            "enrollmentInfo": {"count": INT, "type": _Enum(DATE_TYPE)},
        },
        "armsInterventionsModule": {
            "armGroups": [
                {"label": STR, "type": _Enum(ARM_TYPE), "description": STR, "interventionNames": [STR]}
            ],
            "interventions": [
                {
                    "type": _Enum(INTERVENTION_TYPE),
                    "name": STR,
                    "description": STR,
                    "armGroupLabels": [STR],
                    "otherNames": [STR],
                }
            ],
        },
        "outcomesModule": {
            "primaryOutcomes": _OUTCOME,
            "secondaryOutcomes": _OUTCOME,
            "otherOutcomes": _OUTCOME,
        },
        "eligibilityModule": {
            "eligibilityCriteria": STR,
            "healthyVolunteers": BOOL,
            "sex": _Enum(SEX),
            "minimumAge": STR,
            "maximumAge": STR,
            "stdAges": [STR],
        },
        "contactsLocationsModule": {
            "locations": [{"facility": STR, "status": _Enum(STATUS), "city": STR, "country": STR}],
        },
    },
}


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _check(value: Any, spec: Any, where: str, out: list[tuple[str, str]]) -> None:
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            out.append((where, f"wrong type: expected an object, got {_type_name(value)}"))
            return
        for key, sub in spec.items():
            if key in value:
                _check(value[key], sub, f"{where}.{key}" if where else key, out)
    elif isinstance(spec, list):
        if not isinstance(value, list):
            out.append((where, f"wrong type: expected a list, got {_type_name(value)}"))
            return
        for i, item in enumerate(value):
            _check(item, spec[0], f"{where}[{i}]", out)
    elif isinstance(spec, _Enum):
        if not isinstance(value, str):
            out.append((where, f"wrong type: expected an enum word (a string), got {_type_name(value)}"))
        elif value not in spec.values:
            out.append((where, f"unknown value {value!r}; allowed: {', '.join(spec.values)}"))
    elif not spec.check(value):
        out.append((where, f"wrong type: expected {spec.name}, got {_type_name(value)}"))
    elif spec.pattern is not None and not spec.pattern.match(value):
        out.append((where, f"malformed value {value!r}: expected {spec.name}"))


# -- records ---------------------------------------------------------------------------------------
@dataclass
class CtgovRecord:
    """One study as read from a batch: its JSON object and where it came from."""

    data: dict[str, Any]
    path: str
    index: int | None = None  # position in a list or API page; None for a one-study file

    @property
    def nct(self) -> str | None:
        value = _get(self.data, "protocolSection.identificationModule.nctId")
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        """How problems name the record: its NCT number if it has one, else its position."""
        if self.nct:
            return self.nct
        return f"#{self.index}" if self.index is not None else "(single study)"

    @property
    def last_update(self) -> str | None:
        value = _get(self.data, "protocolSection.statusModule.lastUpdatePostDateStruct.date")
        return value if isinstance(value, str) else None


def _get(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _sources(path: Path, problems: list[Problem]) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every JSON document in a file, a directory or a zip."""
    if not path.exists():
        problems.append(Problem(str(path), "no such file or directory"))
    elif path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix.lower() in (".json", ".zip"):
                yield from _sources(child, problems)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if member.lower().endswith(".json"):
                    yield f"{path}:{member}", archive.read(member)
    else:
        yield str(path), path.read_bytes()


def _documents(path: Path, problems: list[Problem]) -> Iterator[CtgovRecord]:
    for name, raw in _sources(path, problems):
        try:
            document = json.loads(raw)
        except UnicodeDecodeError as err:
            problems.append(Problem(name, f"not UTF-8 text: {err}"))
            continue
        except json.JSONDecodeError as err:
            problems.append(
                Problem(
                    name,
                    f"malformed JSON: {err.msg} (line {err.lineno}, column {err.colno})",
                    line=err.lineno,
                )
            )
            continue
        if isinstance(document, dict) and "studies" in document:
            studies, where = document["studies"], "studies"
        elif isinstance(document, list):
            studies, where = document, ""
        elif isinstance(document, dict):
            yield CtgovRecord(document, name)
            continue
        else:
            problems.append(
                Problem(name, "expected a study, a list of studies or an API page {'studies': [...]}")
            )
            continue
        if not isinstance(studies, list):
            problems.append(Problem(name, "wrong type: expected a list of studies", field=where))
            continue
        for i, study in enumerate(studies):
            if isinstance(study, dict):
                yield CtgovRecord(study, name, i)
            else:
                field_name = f"{where}[{i}]" if where else f"[{i}]"
                problems.append(
                    Problem(
                        name,
                        f"wrong type: expected a study object, got {_type_name(study)}",
                        field=field_name,
                    )
                )


def iter_records(path: Path) -> Iterator[CtgovRecord]:
    """Every study in a file, directory or zip. Files that cannot be read as JSON are
    reported together in one SourceError once the good ones have been yielded."""
    problems: list[Problem] = []
    yield from _documents(Path(path), problems)
    if problems:
        raise SourceError(problems)


def record_problems(record: CtgovRecord) -> list[Problem]:
    """Every problem of one record, each naming the file, record and dotted field path."""
    found: list[tuple[str, str]] = []
    ident = _get(record.data, "protocolSection.identificationModule")
    if not isinstance(ident, dict) or "nctId" not in ident:
        found.append(
            ("protocolSection.identificationModule.nctId", "missing: every record needs its NCT number")
        )
    _check(record.data, SCHEMA, "", found)
    return [Problem(record.path, message, record=record.label, field=where) for where, message in found]


def check_batch(records: Iterable[CtgovRecord]) -> list[Problem]:
    """The problems of a whole batch, including an NCT number that appears twice."""
    problems: list[Problem] = []
    seen: dict[str, CtgovRecord] = {}
    for record in records:
        problems += record_problems(record)
        nct = record.nct
        if nct and nct in seen:
            first = seen[nct]
            problems.append(
                Problem(
                    record.path,
                    f"{nct} appears twice in the batch (also in {first.path}); load one version at a time",
                    record=nct,
                    field="protocolSection.identificationModule.nctId",
                )
            )
        elif nct:
            seen[nct] = record
    return problems


def validate(records: Iterable[CtgovRecord]) -> None:
    """Raise one SourceError listing every problem of the batch; return if there is none."""
    problems = check_batch(records)
    if problems:
        raise SourceError(problems)


def read_batch(path: Path) -> list[CtgovRecord]:
    """Read and validate a whole batch; parse and validation problems are raised together."""
    problems: list[Problem] = []
    records = list(_documents(Path(path), problems))
    problems += check_batch(records)
    if problems:
        raise SourceError(problems)
    return records


# -- matching interventions to curated agents ------------------------------------------------------
_AGENT_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?agent ?name WHERE {
  VALUES ?class { %s }
  ?agent a ?class .
  { ?agent rdfs:label ?name } UNION { ?agent skos:altLabel ?name } UNION { ?agent <%s> ?name }
}
"""


def agent_index(store_or_triples: Any) -> dict[str, ox.NamedNode]:
    """Normalised label, synonym and developer code → curated agent IRI.

    Takes an opened store (anything with ``select``) or an iterable of triples/quads. Agents
    that an earlier registry load created (``resource/drug/ctgov-…``) are left out, so that
    only curated agents are matched."""
    classes = [HCC.iri(c) for c in AGENT_CLASSES]
    names = (RDFS + "label", SKOS + "altLabel", HCC.iri("developerCode"))
    pairs: list[tuple[ox.NamedNode, str]] = []
    if hasattr(store_or_triples, "select"):
        query = _AGENT_QUERY % (" ".join(f"<{c}>" for c in classes), names[2])
        for row in store_or_triples.select(query):
            if isinstance(row.get("name"), ox.Literal):
                pairs.append((row["agent"], row["name"].value))
    else:
        triples = list(store_or_triples)
        agents = {
            t.subject for t in triples if t.predicate.value == RDF + "type" and t.object.value in set(classes)
        }
        pairs = [
            (t.subject, t.object.value)
            for t in triples
            if t.subject in agents and t.predicate.value in names and isinstance(t.object, ox.Literal)
        ]
    prefix = iris.resource("drug", "ctgov-x").value[:-1]
    index: dict[str, ox.NamedNode] = {}
    for agent, name in sorted(pairs, key=lambda p: (p[0].value, p[1])):
        key = normalise(name)
        if key and isinstance(agent, ox.NamedNode) and not agent.value.startswith(prefix):
            index.setdefault(key, agent)
    return index


def _candidates(name: str) -> list[str]:
    """Names to try for one intervention name, most specific first: the name, the name
    without a parenthesis and the parenthesis, then its first word ("Livmoniplimab dose A")."""
    out = [name]
    match = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if match:
        out += [match.group(1), match.group(2)]
    first = name.split()[0] if name.split() else ""
    if len(first) >= 5 and first != name:
        out.append(first)
    return out


def strip_type(name: str) -> str:
    """``"Drug: Atezolizumab"`` → ``"Atezolizumab"``."""
    return TYPE_PREFIX_RE.sub("", name, count=1).strip()


# -- mapping ---------------------------------------------------------------------------------------
def _date_literal(value: str) -> ox.Literal:
    """Partial registry dates keep their precision: 2024-05 is a gYearMonth, not 2024-05-01."""
    datatype = {10: "date", 7: "gYearMonth", 4: "gYear"}[len(value)]
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


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


def status_key(word: str) -> str:
    """The status individuals of the ontology are named by the registry's enum words."""
    return word


def arm_role_key(arm_type: str) -> str:
    """``ACTIVE_COMPARATOR`` → ``active-comparator``, as the ontology's arm-role individuals."""
    return iris.slug(arm_type)


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


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def to_triples(
    record: CtgovRecord, curated_index: dict[str, ox.NamedNode], *, imported: date | None = None
) -> list[ox.Triple]:
    """The triples of one validated record, on the same trial IRI as the curated facts.

    ``imported`` is the import date stated on the registry record (default: today)."""
    data = record.data
    nct = record.nct
    if not nct:
        raise SourceError([Problem(record.path, "missing nctId", record=record.label)])
    proto = data.get("protocolSection", {})
    ident = proto.get("identificationModule", {})
    status = proto.get("statusModule", {})
    design = proto.get("designModule", {})
    info = design.get("designInfo", {})
    arms_mod = proto.get("armsInterventionsModule", {})

    trial = iris.resource("trial", nct)
    source = iris.resource("source", f"ctgov-{nct}")
    f = _Facts(source)
    a, label = RDF.type, _n(RDFS + "label")

    # the registry record (the source of every fact below)
    f.plain(source, a, HCC.RegistryRecord)
    f.plain(source, a, HCC.Source)
    f.plain(source, label, f"ClinicalTrials.gov record {nct}")
    f.plain(source, HCC.nctId, nct)
    f.plain(source, _n(RDFS + "seeAlso"), _n(REGISTRY_URL + nct))
    f.plain(source, HCC.importDate, _date_literal((imported or date.today()).isoformat()))
    if record.last_update:
        f.plain(source, HCC.lastUpdateDate, _date_literal(record.last_update))
    graph_name = iris.graph(f"ctgov/{nct}")
    f.plain(graph_name, _n(PROV + "wasDerivedFrom"), source)

    # the study
    study_type = design.get("studyType")
    f.add(trial, a, HCC.ObservationalStudy if study_type == "OBSERVATIONAL" else HCC.ClinicalTrial)
    f.add(trial, HCC.nctId, nct)
    f.add(trial, HCC.registryRecord, source)
    if ident.get("briefTitle"):
        f.add(trial, _n(DCTERMS + "title"), ident["briefTitle"])
    if ident.get("officialTitle"):
        f.add(trial, _n(DCTERMS + "alternative"), ident["officialTitle"])
    if ident.get("acronym"):
        f.add(trial, HCC.acronym, ident["acronym"])
    if status.get("overallStatus"):
        f.add(trial, HCC.hasStatus, iris.resource("status", status_key(status["overallStatus"])))
    phase = phase_key(design.get("phases", []))
    if phase:
        f.add(trial, HCC.hasPhase, iris.resource("phase", phase))
    if info.get("allocation"):
        f.add(trial, HCC.allocation, info["allocation"])
    masking = info.get("maskingInfo", {}).get("masking")
    if masking:
        f.add(trial, HCC.masking, masking)
    enrollment = design.get("enrollmentInfo", {})
    if "count" in enrollment:
        f.add(trial, HCC.enrollment, ox.Literal(enrollment["count"]))
    if enrollment.get("type"):
        f.add(trial, HCC.enrollmentType, enrollment["type"])
    for struct, term in (("startDateStruct", HCC.startDate), ("completionDateStruct", HCC.completionDate)):
        when = status.get(struct, {}).get("date")
        if when:
            f.add(trial, term, _date_literal(when))
    if "hasResults" in data:
        f.add(trial, HCC.hasResults, ox.Literal(data["hasResults"]))
    for condition in proto.get("conditionsModule", {}).get("conditions", []):
        f.add(trial, _n(DCTERMS + "subject"), condition)

    # sponsor, sites and countries
    sponsor = proto.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {})
    if sponsor.get("name") and iris.slug(sponsor["name"]):
        org = iris.resource("organisation", iris.slug(sponsor["name"]))
        f.add(org, a, HCC.Organisation)
        f.add(org, label, sponsor["name"])
        f.add(trial, HCC.sponsor, org)
    locations = proto.get("contactsLocationsModule", {}).get("locations")
    if locations:
        f.add(trial, HCC.numberOfSites, ox.Literal(len(locations)))
        countries = {loc["country"] for loc in locations if loc.get("country")}
        f.add(trial, HCC.numberOfCountries, ox.Literal(len(countries)))

    # eligibility
    elig = proto.get("eligibilityModule", {})
    if any(k in elig for k in ("eligibilityCriteria", "minimumAge", "maximumAge")):
        population = iris.resource("population", f"{nct}-ctgov")
        f.add(population, a, HCC.Population)
        f.add(trial, HCC.hasPopulation, population)
        for key in ("eligibilityCriteria", "minimumAge", "maximumAge"):
            if elig.get(key):
                f.add(population, getattr(HCC, key), elig[key])

    # outcomes
    outcomes = proto.get("outcomesModule", {})
    for key, kind, term in (
        ("primaryOutcomes", "primary", HCC.primaryEndpoint),
        ("secondaryOutcomes", "secondary", HCC.secondaryEndpoint),
    ):
        for i, outcome in enumerate(outcomes.get(key, []), start=1):
            endpoint = iris.resource("endpoint", f"{nct}-ctgov-{kind}-{i}")
            f.add(endpoint, a, HCC.Endpoint)
            if outcome.get("measure"):
                f.add(endpoint, label, outcome["measure"])
            if outcome.get("description"):
                f.add(endpoint, _n(DCTERMS + "description"), outcome["description"])
            if outcome.get("timeFrame"):
                f.add(endpoint, _n(RDFS + "comment"), f"Time frame: {outcome['timeFrame']}")
            f.add(trial, term, endpoint)

    # interventions → agents (curated where the name matches), then arms
    agents_of: dict[str, list[ox.NamedNode]] = {}
    labels_of: dict[str, list[str]] = {}
    for intervention in arms_mod.get("interventions", []):
        name = strip_type(intervention.get("name", ""))
        if not name:
            continue
        agents = _agents(f, name, intervention, curated_index)
        agents_of[normalise(name)] = agents
        labels_of[normalise(name)] = intervention.get("armGroupLabels", [])
    for arm_group in arms_mod.get("armGroups", []):
        arm_label = arm_group.get("label", "")
        if not iris.slug(arm_label):
            continue
        arm = iris.resource("arm", f"{nct}-ctgov-{iris.slug(arm_label)}")
        f.add(arm, a, HCC.StudyArm)
        f.add(arm, label, arm_label)
        f.add(trial, HCC.hasArm, arm)
        f.add(arm, HCC.armOf, trial)
        if arm_group.get("description"):
            f.add(arm, _n(DCTERMS + "description"), arm_group["description"])
        if arm_group.get("type"):
            f.add(arm, HCC.armRole, iris.resource("arm-role", arm_role_key(arm_group["type"])))
        included: list[ox.NamedNode] = []
        names = {normalise(strip_type(n)) for n in arm_group.get("interventionNames", [])}
        for key, agents in agents_of.items():
            if key in names or arm_label in labels_of[key]:
                included += [x for x in agents if x not in included]
        for agent in included:
            f.add(arm, HCC.includesAgent, agent)
        f.add(arm, HCC.agentCount, ox.Literal(len(included)))
    return f.triples


def _agents(
    f: _Facts, name: str, intervention: dict[str, Any], curated_index: dict[str, ox.NamedNode]
) -> list[ox.NamedNode]:
    """The agents of one intervention. A combination ("A + B") gives one agent per part; an
    unmatched name becomes a new agent flagged for a curator."""
    parts = [p.strip() for p in name.split("+") if p.strip()] or [name]
    other_names = [strip_type(n) for n in intervention.get("otherNames", [])]
    agents: list[ox.NamedNode] = []
    for part in parts:
        tries = _candidates(part) + (other_names if len(parts) == 1 else [])
        match = next((curated_index[k] for k in map(normalise, tries) if k in curated_index), None)
        if match is None and iris.slug(part):
            match = iris.resource("drug", f"ctgov-{iris.slug(part)}")
            f.add(match, RDF.type, HCC.TherapeuticAgent)
            f.add(match, _n(RDFS + "label"), part)
            for other in other_names if len(parts) == 1 else []:
                f.add(match, _n(SKOS + "altLabel"), other)
            if intervention.get("type"):
                f.add(match, _n(DCTERMS + "type"), intervention["type"])
            f.add(match, HCC.sourceNote, UNMATCHED_NOTE)
        if match is not None and match not in agents:
            agents.append(match)
    return agents


# -- loading into the store ------------------------------------------------------------------------
