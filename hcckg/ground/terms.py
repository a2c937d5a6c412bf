"""hcckg ontology terms as Python constants: the vocabulary contract of the project.

Every loader, query and page uses these constants instead of spelling IRIs. The Turtle
source (``ontology/hcckg.ttl``) declares each of them, and a test checks that both agree.

Terms live under ``{base}ontology/`` (slash IRIs, so that each term resolves to its own
page); the ontology itself is ``{base}ontology``. ``base`` is ``HCCKG_BASE_IRI``.

Modelling conventions (see ontology/README.md for the curator's version):
- A study (``ClinicalTrial`` or ``ObservationalStudy``) ``hasArm`` arms; an arm
  ``includesAgent`` agents and has an ``armRole`` (experimental or comparator).
- An agent acts on targets with a role (``inhibits``, ``preventsActivationOf`` — both
  ``antagonises`` — or ``directedAgainst``, all under ``hasTarget``) and on processes
  (``inhibitsProcess``); a target or process ``drivesMechanism`` a mechanism or is the checkpoint
  whose ``blockadeResistedIn`` it. Agents, arms and regimens ``followsApproach`` approaches by their
  class. The reasoner infers ``addressesMechanism``, ``limitedByMechanism`` and
  ``exploitsMechanism`` along these roles (property chains); ``ontology/explain.py`` writes an
  ``Inference`` node for each inferred link, derived from the stated statements it used.
- A study ``hasPopulation`` a population whose eligibility is ``requiresPriorRegimen``,
  ``allowsChildPugh``, ``allowsPerformanceStatus``, ``allowsBCLCStage``.
- Results are ``Outcome`` nodes: ``outcomeOfArm``, ``measuresEndpoint``, ``value``,
  ``unit``, ``ciLower``/``ciUpper``, ``lineOfTherapy``, ``subgroup``; with ``followUpDuration``,
  ``timeOrigin``, ``valueStatus`` (not reached), ``adverseEvent`` and grades where the source gives them.
- Trials as data: an arm ``hasDose`` a ``Dose`` (``doseOfAgent``, ``doseAmount``, ``hasUnit``,
  ``route``, ``frequency``); studies and arms ``hasEnrollment`` an ``Enrollment`` (``enrollmentCount``,
  ``enrollmentKind``), ``hasBaselineCharacteristic``; a population ``hasPriorTherapyRequirement``
  (``requiresPriorRegimen``, ``matchRule``, ``priorTherapyOutcome``), ``minPriorLines``/``maxPriorLines``.
- Provenance: every asserted fact has an ``rdf:Statement`` node (rdf:subject/predicate/object)
  with ``dcterms:source`` pointing at a ``Source`` (the review, one of its tables or numbered
  references, a PMID/DOI, or a ClinicalTrials.gov record).
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from hcckg.ground.settings import DEFAULT_BASE_IRI, base_iri


class Namespace(str):
    """A vocabulary's namespace IRI (a ``str``, so ``RDF + "type"`` and f-strings still
    work) whose attributes are its terms as NamedNodes: ``RDF.type``. A local name that is
    also a ``str`` method (``DCTERMS.title``) is written ``DCTERMS["title"]``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self + name)

    def __getitem__(self, name: str) -> NamedNode:  # type: ignore[override]
        return NamedNode(self + name)


RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SCHEMA = Namespace("https://schema.org/")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

DEFAULT_ONTOLOGY_NS = DEFAULT_BASE_IRI + "ontology/"


def ontology_iri() -> str:
    return base_iri() + "ontology"


def ontology_ns() -> str:
    """Namespace of hcckg terms under the configured base IRI."""
    return base_iri() + "ontology/"


# Local names of every class. Grouped as in the ontology; order is documentation only.
CLASSES = [
    # agents and modalities
    "TherapeuticAgent", "MonoclonalAntibody", "BispecificAntibody", "SmallMolecule",
    "DualCheckpointBispecificAntibody",
    "TyrosineKinaseInhibitor", "MultitargetKinaseInhibitor", "AdoptiveCellTherapy", "CARTCellTherapy", "TCRTCellTherapy",
    "LiverTargetedProdrug", "MicrobiotaTherapy", "FaecalMicrobiotaTransplant",
    # pharmacological roles (defined classes over targets)
    "PharmacologicalRole", "ImmuneCheckpointInhibitor", "AntiAngiogenicAgent",
    # targets
    "MolecularTarget", "Protein", "ProteinComplex", "TumourAssociatedAntigen",
    "ImmuneCheckpointProtein", "AngiogenicSignallingProtein",
    # mechanisms, processes and approaches
    "Mechanism", "ResistanceMechanism", "CarryOverEffect", "TherapyLimitation", "BiologicalProcess",
    "TherapeuticApproach",
    # studies, arms, regimens
    "Study", "ClinicalTrial", "ObservationalStudy", "StudyArm", "PooledArm", "Regimen",
    "DualCheckpointBlockadeRegimen",
    # settings (defined classes over hasSetting)
    "TreatmentSetting", "PostICISecondLineStudy", "FirstLineStudy", "PostSorafenibStudy", "OtherSettingStudy",
    # review families (defined classes)
    "ICIBasedCombinationTrial", "MultitargetTKITrial", "BispecificAntibodyTrial",
    "AdoptiveTCellTherapyTrial", "OtherStrategyTrial",
    "DualCheckpointBlockadeArm", "ICIPlusTKIArm", "TKIMonotherapyArm",
    # populations and eligibility
    "Population", "ChildPughClass", "PerformanceStatus", "BCLCStage",
    # study descriptors
    "Phase", "RecruitmentStatus", "StudyDesign", "ArmRole", "Region",
    # endpoints and results
    "Endpoint", "Outcome", "Unit",
    # sources and organisations
    "Source", "Publication", "RegistryRecord", "Organisation",
    # explanations of inferred links
    "Inference",
    # trials as data: doses, enrollment figures, prior-therapy requirements, baseline, design, results
    "Dose", "RouteOfAdministration", "DosingFrequency", "Enrollment", "EnrollmentKind",
    "PriorTherapyRequirement", "MatchRule", "PriorTherapyOutcome", "BaselineCharacteristic", "Characteristic",
    "Allocation", "Masking", "ResponseCriteria", "TimeOrigin", "EstimateStatus", "AdverseEventTerm",
]

OBJECT_PROPERTIES = [
    "hasTarget", "isTargetOf", "antagonises", "inhibits", "preventsActivationOf", "directedAgainst",
    "inhibitsProcess", "implicatedIn", "hasImplicatedTarget", "drivesMechanism", "blockadeResistedIn",
    "followsApproach", "addressesMechanism", "limitedByMechanism", "exploitsMechanism",
    "involvesProcess", "arisesAfterRegimen", "hasSetting", "viaAgent", "viaTarget", "viaApproach", "restsOnSource", "hasArm", "armOf", "includesAgent",
    "hasComponent", "armRole", "hasPopulation", "requiresPriorRegimen", "allowsChildPugh",
    "allowsPerformanceStatus", "allowsBCLCStage", "hasPhase", "hasStatus", "hasDesign",
    "primaryEndpoint", "secondaryEndpoint", "outcomeOfArm", "outcomeOfStudy",
    "measuresEndpoint", "hasUnit", "reportedIn", "hasRegion", "sponsor", "hasRole",
    "registryRecord", "describedInSource", "allocation", "masking",
    # trials as data
    "hasDose", "doseOfAgent", "route", "frequency", "atDose", "intervalUnit", "hasEnrollment", "enrollmentKind",
    "hasPriorTherapyRequirement", "matchRule", "excludesPriorRegimen", "priorTherapyOutcome", "requiresBiomarker",
    "hasBaselineCharacteristic", "characteristic", "concerns", "responseCriteria", "timeOrigin", "valueStatus",
    "ciUpperStatus", "followUpUnit", "thresholdUnit", "adverseEvent", "summarisesStudy",
]

DATA_PROPERTIES = [
    "nctId", "acronym", "enrollment", "enrollmentType", "dose", "value", "ciLower", "ciUpper",
    "ciLevel", "lineOfTherapy", "subgroup", "responseCategory", "count", "denominator", "developerCode",
    "referenceNumber", "pmid", "doi", "isPostICISecondLine", "agentCount",
    "percentChildPughA", "percentBCLCC", "percentMVI", "percentExtrahepaticSpread",
    "startDate", "completionDate", "lastUpdateDate", "importDate", "eligibilityCriteria",
    "minimumAge", "maximumAge", "numberOfSites", "numberOfCountries",
    "sourceNote", "hasResults",
    # trials as data
    "doseAmount", "doseAmountMin", "doseAmountMax", "doseAmountAbove", "dailyAmount", "administrationsPerInterval",
    "intervalLength", "ucumCode", "enrollmentCount", "asOfDate", "requiredRegimenCount", "criterionText",
    "minPriorLines", "maxPriorLines", "requiresHLAAllele", "allocationRatio", "allocationWeight",
    "stratificationFactor", "followUpDuration", "followUpIsMedian", "rangeLower", "rangeUpper", "thresholdValue",
    "minimumGrade", "maximumGrade", "finding", "searchDate",
]

ANNOTATION_PROPERTIES = ["inferenceRule", "viaRole"]


class _Terms:
    """Attribute access to hcckg terms as pyoxigraph NamedNodes: ``HCC.hasTarget``."""

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in _ALL:
            raise AttributeError(f"{name!r} is not an hcckg term; declare it in hcckg/ground/terms.py")
        return NamedNode(ontology_ns() + name)

    def iri(self, name: str) -> str:
        return getattr(self, name).value


_ALL = frozenset(CLASSES + OBJECT_PROPERTIES + DATA_PROPERTIES + ANNOTATION_PROPERTIES)
HCC = _Terms()
