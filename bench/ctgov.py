"""Benchmark of the ClinicalTrials.gov loader: generate records, load them, report the rate.

    .venv/bin/python -m hcckg.bench.ctgov [--records 10000]

The records are synthetic (NCT numbers ``NCT9…``, values drawn from a seeded generator) and
say so in ``_comment``; they exercise every mapped field, not the registry's real content.
The load is the real one: read and validate the batch, map it, publish it atomically into a
temporary store.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from hcckg import pipeline
from hcckg.loaders import ctgov

# A few names that a curated index may know, and some that it will not (unmatched agents).
DRUGS = ["Atezolizumab", "Lenvatinib", "Sorafenib", "Regorafenib", "Pembrolizumab", "Nivolumab"]
COUNTRIES = ["Italy", "France", "Germany", "Japan", "Korea", "Spain", "United States"]


def generate_record(i: int, rng: random.Random) -> dict[str, Any]:
    """One synthetic API v2 study; ``i`` picks the NCT number (NCT9 and seven digits)."""
    nct = f"NCT9{i:07d}"
    drugs = rng.sample(DRUGS, 2) + [f"Testinib-{rng.randrange(50)}"]
    arms = [
        {
            "label": "Combination",
            "type": "EXPERIMENTAL",
            "interventionNames": [f"Drug: {d}" for d in drugs[:2]],
        },
        {"label": "Control", "type": "ACTIVE_COMPARATOR", "interventionNames": [f"Drug: {drugs[2]}"]},
    ]
    year = rng.randrange(2015, 2026)
    return {
        "_comment": "GENERATED for the benchmark and scale tests, not a registry record",
        "protocolSection": {
            "identificationModule": {
                "nctId": nct,
                "briefTitle": f"Synthetic study {i} of {drugs[0]} with {drugs[1]}",
                "officialTitle": f"A synthetic randomised study number {i}",
                "acronym": f"SYN-{i}",
            },
            "statusModule": {
                "overallStatus": rng.choice(ctgov.STATUS),
                "startDateStruct": {"date": f"{year}-{rng.randrange(1, 13):02d}", "type": "ACTUAL"},
                "completionDateStruct": {"date": f"{year + 3}-06-30", "type": "ESTIMATED"},
                "lastUpdatePostDateStruct": {"date": f"{year + 1}-01-15", "type": "ACTUAL"},
            },
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": f"Sponsor {i % 97}", "class": "OTHER"}},
            "conditionsModule": {"conditions": ["Hepatocellular Carcinoma"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": rng.choice([["PHASE2"], ["PHASE3"], ["PHASE1", "PHASE2"]]),
                "designInfo": {
                    "allocation": "RANDOMIZED",
                    "interventionModel": "PARALLEL",
                    "maskingInfo": {"masking": rng.choice(ctgov.MASKING)},
                },
                "enrollmentInfo": {"count": rng.randrange(20, 800), "type": rng.choice(ctgov.DATE_TYPE)},
            },
            "armsInterventionsModule": {
                "armGroups": arms,
                "interventions": [{"type": "DRUG", "name": d} for d in drugs],
            },
            "outcomesModule": {
                "primaryOutcomes": [{"measure": "Overall survival", "timeFrame": "Up to 3 years"}],
                "secondaryOutcomes": [
                    {"measure": "Progression-free survival"},
                    {"measure": "Objective response"},
                ],
            },
            "eligibilityModule": {
                "eligibilityCriteria": "Inclusion Criteria:\n\n* Synthetic criterion",
                "minimumAge": "18 Years",
                "sex": "ALL",
            },
            "contactsLocationsModule": {
                "locations": [
                    {"facility": f"Site {k}", "country": rng.choice(COUNTRIES)}
                    for k in range(rng.randrange(1, 6))
                ]
            },
        },
        "hasResults": False,
    }


def generate_records(n: int, seed: int = 6) -> list[dict[str, Any]]:
    """``n`` synthetic records; the same ``n`` and ``seed`` give the same records."""
    rng = random.Random(seed)
    return [generate_record(i, rng) for i in range(n)]


def run(n: int) -> dict[str, float]:
    from hcckg.ground.settings import load_settings

    studies = generate_records(n)
    # Mapping alone (no store), to tell the loader's cost from the store's.
    start = time.perf_counter()
    mapped = sum(len(ctgov.to_triples(ctgov.CtgovRecord(s, "bench"), {})) for s in studies)
    map_seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "page.json"
        batch.write_text(json.dumps({"studies": studies}))
        settings = dataclasses.replace(load_settings(), store=str(Path(tmp) / "store"))
        start = time.perf_counter()
        report = pipeline.load_ctgov(settings, batch)
        seconds = time.perf_counter() - start
    return {
        "records": len(report.loaded),
        "triples": report.triples,
        "seconds": seconds,
        "records_per_s": len(report.loaded) / seconds,
        "triples_per_s": report.triples / seconds,
        "map_records_per_s": n / map_seconds,
        "map_triples_per_s": mapped / map_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    result = run(args.records)
    print(
        f"ctgov load: {result['records']} records, {result['triples']} triples in {result['seconds']:.1f}s: "
        f"{result['records_per_s']:.0f} records/s, {result['triples_per_s']:.0f} triples/s "
        f"(mapping alone: {result['map_records_per_s']:.0f} records/s, {result['map_triples_per_s']:.0f} triples/s)"
    )


if __name__ == "__main__":
    main()
