"""Trials as data: the curated doses, enrollment figures, populations (of studies and of
cohorts), design, baseline characteristics and the new outcome fields -> triples, each fact
with its provenance (``loaders/convert.py`` calls these). Each node gets a readable IRI and a
label, so pages can show it as it is: ``dose/NCT05822752-cohort-2-livmoniplimab``,
``enrollment/NCT05822752-text-120``, ``prior-therapy/NCT04696055-cohort-2-ref-15-1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.terms import HCC, RDF, RDFS, XSD
from hcckg.loaders.records import Arm, Claim, Outcome, Record, Source, Study, short_source
from hcckg.loaders.trialfields import DOSE_UNITS, NOT_REACHED, items

if TYPE_CHECKING:  # the collector lives in convert.py, which imports this module
    from hcckg.loaders.convert import _Graph

MATCH = {"any": "any-of", "all": "all-of"}
DOSE_FIELDS = {
    "amount": "doseAmount",
    "amount_min": "doseAmountMin",
    "amount_max": "doseAmountMax",
    "amount_above": "doseAmountAbove",
    "daily_amount": "dailyAmount",
}
KIND_LABEL = {"reported": "kind not stated"}
OUTCOME_WORDS = {
    "progression": "progressed",
    "intolerance": "intolerant",
    "stable-disease": "stable disease",
    "no-lasting-response": "no response reached or kept",
    "declined": "declined",
}


def _decimal(value: Any) -> ox.Literal:
    return ox.Literal(repr(float(value)), datatype=XSD.decimal)


def _integer(value: Any) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=XSD.integer)


def _date(value: Any) -> ox.Literal:
    text = str(value)
    return ox.Literal(text, datatype=XSD.date if len(text) == 10 else XSD.gYearMonth)


def _node(g: _Graph, kind: str, key: str, cls: str, label: str, claim: Claim, record: Record) -> ox.NamedNode:
    node = iris.resource(kind, iris.slug(key))
    g.origins[node.value] = (record.path, claim.line or record.line, record.key)
    g.fact(node, RDF.type, getattr(HCC, cls), claim.sources)
    g.fact(node, RDFS.label, ox.Literal(label), claim.sources)
    return node


def _label(g: _Graph, kind: str, key: Any) -> str:
    return g.labels.get((kind, str(key)), str(key))


# -- studies and arms -----------------------------------------------------------------------------
def design(g: _Graph, iri: ox.NamedNode, r: Study) -> None:
    g.each(iri, HCC.allocation, r.allocation, lambda v: iris.resource("allocation", str(v)))
    g.each(iri, HCC.allocationRatio, r.allocation_ratio, lambda v: ox.Literal(str(v)))
    g.each(iri, HCC.masking, r.masking, lambda v: iris.resource("masking", str(v)))
    g.each(iri, HCC.numberOfSites, r.centres, _integer)
    g.each(iri, HCC.stratificationFactor, r.stratification_factors, lambda v: ox.Literal(str(v)))
    g.each(iri, HCC.responseCriteria, r.response_criteria, lambda v: iris.resource("criteria", str(v)))


def enrollment(g: _Graph, owner: ox.NamedNode, r: Study | Arm, count_property: ox.NamedNode) -> None:
    """Each figure as an hcc:Enrollment with its kinds, and as the plain count older queries read
    (hcc:enrollment on a study, hcc:count on an arm), from the same claim."""
    for claim in r.enrollment:
        value = claim.value
        if not isinstance(value, dict) or "count" not in value:
            continue
        kinds = [str(k) for k in items(value.get("kind", []), True)]
        count = int(value["count"])
        words = ", ".join(KIND_LABEL.get(k, k) for k in kinds)
        key = f"{r.key}-{short_source(claim.sources[0])}-{count}"
        label = f"{count} patients ({words}), {', '.join(claim.sources)}"
        node = _node(g, "enrollment", key, "Enrollment", label, claim, r)
        g.fact(owner, HCC.hasEnrollment, node, claim)
        g.fact(node, HCC.enrollmentCount, _integer(count), claim)
        for kind in kinds:
            g.fact(node, HCC.enrollmentKind, iris.resource("enrollment-kind", kind), claim)
        if value.get("as_of"):
            g.fact(node, HCC.asOfDate, _date(value["as_of"]), claim)
        g.fact(owner, count_property, _integer(count), claim)


def population(g: _Graph, owner: ox.NamedNode, r: Study | Arm) -> None:
    """The population of a study, or a cohort's own: prior-therapy requirements (with their
    match rule and outcome), the prior-line range, liver function, PS, stage, biomarkers, HLA."""
    fields = ("prior_therapy", "child_pugh", "ps", "bclc", "population", "min_prior_lines", "max_prior_lines")
    fields += ("biomarkers", "hla_alleles")
    if not any(getattr(r, name, None) for name in fields):
        return
    pop = iris.resource("population", r.key)
    g.origins[pop.value] = (r.path, r.line, r.key)
    g.fact(owner, HCC.hasPopulation, pop, r.source)
    g.fact(pop, RDF.type, HCC.Population, r.source)
    what = "cohort" if isinstance(r, Arm) else "study"
    g.fact(pop, RDFS.label, ox.Literal(f"Population of {what} {r.key}"), r.source)
    g.each(pop, RDFS.comment, r.population, ox.Literal)
    for i, claim in enumerate(r.prior_therapy, start=1):
        _requirement(g, pop, r, claim, i)
    g.each(
        pop, HCC.allowsChildPugh, getattr(r, "child_pugh", []), lambda v: iris.resource("childpugh", str(v))
    )
    g.each(pop, HCC.allowsPerformanceStatus, getattr(r, "ps", []), lambda v: iris.resource("ps", str(v)))
    g.each(pop, HCC.allowsBCLCStage, getattr(r, "bclc", []), lambda v: iris.resource("bclc", str(v)))
    g.each(pop, HCC.minPriorLines, r.min_prior_lines, _integer)
    g.each(pop, HCC.maxPriorLines, r.max_prior_lines, _integer)
    g.each(
        pop, HCC.requiresBiomarker, getattr(r, "biomarkers", []), lambda v: iris.resource("target", str(v))
    )
    g.each(pop, HCC.requiresHLAAllele, getattr(r, "hla_alleles", []), lambda v: ox.Literal(str(v)))


def _requirement(g: _Graph, pop: ox.NamedNode, r: Study | Arm, claim: Claim, i: int) -> None:
    value = claim.value
    if not isinstance(value, dict):
        return
    regimens = [str(k) for k in items(value.get("regimens", []), True)]
    after = [str(k) for k in items(value.get("after", []), True)]
    rule = MATCH.get(str(value.get("match", "any")), "any-of")
    names = [_label(g, "regimen", k) for k in regimens]
    joined = (" and " if rule == "all-of" else " or ").join(names)
    outcome = " or ".join(OUTCOME_WORDS.get(a, a) for a in after)
    label = value.get("text") or (f"{outcome} on {joined}" if outcome else f"received {joined}")
    excluded = [_label(g, "regimen", k) for k in items(value.get("excluding", []), True)]
    if excluded and not value.get("text"):
        label += f", other than {' or '.join(excluded)}"
    if "count" in value and not value.get("text"):
        label += f" ({value['count']} regimen{'s' if value['count'] != 1 else ''} of these)"
    node = _node(g, "prior-therapy", f"{r.key}-{short_source(claim.sources[0])}-{i}", "PriorTherapyRequirement",
                 str(label), claim, r)  # fmt: skip
    g.fact(pop, HCC.hasPriorTherapyRequirement, node, claim)
    g.fact(node, HCC.matchRule, iris.resource("match-rule", rule), claim)
    for key in regimens:
        g.fact(node, HCC.requiresPriorRegimen, iris.resource("regimen", key), claim)
        # The population's flat list ("any of"), for queries that do not read requirements.
        g.fact(pop, HCC.requiresPriorRegimen, iris.resource("regimen", key), claim)
    for key in after:
        g.fact(node, HCC.priorTherapyOutcome, iris.resource("prior-outcome", key), claim)
    for key in items(value.get("excluding", []), True):
        g.fact(node, HCC.excludesPriorRegimen, iris.resource("regimen", str(key)), claim)
    if "count" in value:
        g.fact(node, HCC.requiredRegimenCount, _integer(value["count"]), claim)


def doses(g: _Graph, arm: ox.NamedNode, r: Arm) -> None:
    seen: dict[str, int] = {}
    for claim in r.doses:
        if isinstance(claim.value, dict) and "agent" in claim.value:
            agent = str(claim.value["agent"])
            seen[agent] = seen.get(agent, 0) + 1
            key = f"{r.key}-{agent}" + (f"-{seen[agent]}" if seen[agent] > 1 else "")
            g.fact(arm, HCC.hasDose, dose(g, key, claim, r), claim)


def dose(g: _Graph, key: str, claim: Claim, r: Record) -> ox.NamedNode:
    """One dose node: its agent, amounts, UCUM unit, route and frequency."""
    value = claim.value
    agent = str(value["agent"])
    node = _node(g, "dose", key, "Dose", str(value.get("text") or _dose_label(g, value)), claim, r)
    g.fact(node, HCC.doseOfAgent, iris.resource("drug", agent), claim)
    for name, prop in DOSE_FIELDS.items():
        if name in value:
            g.fact(node, getattr(HCC, prop), _decimal(value[name]), claim)
    if value.get("unit") in DOSE_UNITS:
        g.fact(node, HCC.hasUnit, iris.resource("unit", DOSE_UNITS[value["unit"]]), claim)
    if value.get("route"):
        g.fact(node, HCC.route, iris.resource("route", str(value["route"])), claim)
    if value.get("frequency"):
        g.fact(node, HCC.frequency, iris.resource("frequency", str(value["frequency"])), claim)
    return node


def _dose_label(g: _Graph, value: dict) -> str:
    def number(v: Any) -> str:
        return f"{float(v):g}"

    parts = [_label(g, "drug", value["agent"])]
    if "amount" in value:
        parts.append(number(value["amount"]))
    elif "amount_min" in value or "amount_max" in value:
        parts.append(f"{number(value.get('amount_min', 0))}-{number(value.get('amount_max', 0))}")
    elif "amount_above" in value:
        parts.append(f"more than {number(value['amount_above'])}")
    if value.get("unit"):
        parts.append(str(value["unit"]))
    for name in ("route", "frequency"):
        if value.get(name):
            parts.append(str(value[name]).replace("-", " "))
    return " ".join(parts)


def baseline(g: _Graph, owner: ox.NamedNode, r: Study | Arm) -> None:
    for claim in r.baseline:
        value = claim.value
        if not isinstance(value, dict) or "characteristic" not in value:
            continue
        characteristic = str(value["characteristic"])
        about = next((value[k] for k in ("regimen", "agent", "outcome") if k in value), None)
        key = f"{r.key}-{characteristic}" + (f"-{about}" if about else "")
        label = characteristic.replace("-", " ")
        if about is not None:
            label += f": {_label(g, 'regimen', about) if 'regimen' in value else _label(g, 'drug', about)}"
        node = _node(g, "baseline", key, "BaselineCharacteristic", label, claim, r)
        g.fact(owner, HCC.hasBaselineCharacteristic, node, claim)
        g.fact(node, HCC.characteristic, iris.resource("characteristic", characteristic), claim)
        for kind, name in (("regimen", "regimen"), ("drug", "agent"), ("prior-outcome", "outcome")):
            if name in value:
                g.fact(node, HCC.concerns, iris.resource(kind, str(value[name])), claim)
        for name, unit in (("share", "percent"), ("median", value.get("unit")), ("ratio", "ratio-to-one")):
            if name in value:
                g.fact(node, HCC.value, _decimal(value[name]), claim)
                if unit:
                    g.fact(node, HCC.hasUnit, iris.resource("unit", str(unit)), claim)
        if "count" in value:
            g.fact(node, HCC.count, _integer(value["count"]), claim)
        if "denominator" in value:
            g.fact(node, HCC.denominator, _integer(value["denominator"]), claim)


def arm_fields(g: _Graph, iri: ox.NamedNode, r: Arm) -> None:
    doses(g, iri, r)
    enrollment(g, iri, r, HCC.count)
    g.each(iri, HCC.allocationWeight, r.allocation_weight, _integer)
    population(g, iri, r)
    baseline(g, iri, r)


# -- outcomes and sources ---------------------------------------------------------------------------
def outcome_fields(g: _Graph, iri: ox.NamedNode, r: Outcome) -> None:
    g.each(iri, HCC.summarisesStudy, r.summary_of, lambda v: g.study_iri(str(v)))
    g.each(iri, HCC.valueStatus, r.value_status, lambda v: iris.resource("estimate-status", str(v)))
    for claim in r.ci_upper:
        if claim.value in NOT_REACHED:
            g.fact(iri, HCC.ciUpperStatus, iris.resource("estimate-status", NOT_REACHED[claim.value]), claim)
    g.each(iri, HCC.rangeLower, r.range_lower, _decimal)
    g.each(iri, HCC.rangeUpper, r.range_upper, _decimal)
    for claim in r.threshold:
        if isinstance(claim.value, dict):
            g.fact(iri, HCC.thresholdValue, _decimal(claim.value["at_least"]), claim)
            g.fact(iri, HCC.thresholdUnit, iris.resource("unit", str(claim.value["unit"])), claim)
    for claim in r.follow_up:
        if isinstance(claim.value, dict):
            g.fact(iri, HCC.followUpDuration, _decimal(claim.value["duration"]), claim)
            g.fact(iri, HCC.followUpUnit, iris.resource("unit", str(claim.value["unit"])), claim)
            if "median" in claim.value:
                g.fact(iri, HCC.followUpIsMedian, ox.Literal(str(bool(claim.value["median"])).lower(),
                                                               datatype=XSD.boolean), claim)  # fmt: skip
    g.each(iri, HCC.timeOrigin, r.time_origin, lambda v: iris.resource("time-origin", str(v)))
    g.each(iri, HCC.responseCriteria, r.criteria, lambda v: iris.resource("criteria", str(v)))
    g.each(iri, HCC.adverseEvent, r.adverse_events, lambda v: iris.resource("adverse-event", str(v)))
    g.each(iri, HCC.minimumGrade, r.grade_min, _integer)
    g.each(iri, HCC.maximumGrade, r.grade_max, _integer)
    g.each(iri, HCC.finding, r.finding, lambda v: ox.Literal(str(v)))
    for claim in r.dose:
        if isinstance(claim.value, dict) and "agent" in claim.value:
            g.fact(iri, HCC.atDose, dose(g, r.key, claim, r), claim)


def source_fields(g: _Graph, iri: ox.NamedNode, r: Source) -> None:
    g.each(iri, HCC.searchDate, r.search_date, _date)
