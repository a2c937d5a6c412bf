"""The ``explorer`` blueprint: ``/explore``, from a resistance mechanism to the trials.

mechanism → what a drug goes through (the target or process it acts on, or the approach it
follows; nothing for a link a source states of the drug itself) → the drugs → the study arms
that give them → the trials, read from the named query ``mechanism_paths`` (every setting;
the explorer filters) and shown whatever columns it returns: columns the explorer does not
place (the link's relation, support and explanation) are shown beside each path. Filters:
setting (post-ICI second line by default), phase, status, design, drug; each offers the
values the mechanism's paths have, with counts. The mechanism picture is shown beside it.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, render_template, request

from hcckg.ground.errors import UnknownParameter
from hcckg.ground.terms import HCC, RDFS
from hcckg.queries.execute import catalogue, run_named
from hcckg.queries.params import normalise
from hcckg.server import site, web
from hcckg.server.facts import Citations
from hcckg.server.reading import heading
from hcckg.server.views import views

bp = Blueprint("explorer", __name__)

POST_ICI = "post-ICI second line"
FILTERS = (("setting", "setting"), ("phase", "phaseLabel"), ("status", "statusLabel"), ("design", "designLabel"),
           ("drug", "drugLabel"))  # fmt: skip
PLACED = {
    "mechanism", "mechanismLabel", "target", "targetLabel", "drug", "drugLabel", "arm", "armLabel", "trial",
    "trialLabel", "nctId", "statusLabel", "phaseLabel", "phaseRank", "designLabel", "randomised", "enrollment",
    "hasResults", "targetSources", "drugSources", "armSources", "trialSources", "setting", "status",
    "settingLabel", "trialSetting", "trialName", "viaKind",
}  # fmt: skip
_MECHANISMS = (
    f"""SELECT ?m ?l WHERE {{ ?m a <{HCC.iri("Mechanism")}> OPTIONAL {{ ?m <{RDFS.label.value}> ?l }} }}"""
)
# What a path shows where a source states the link of the drug itself (no target between).
STATED_OF_THE_DRUG = "(stated of the drug)"


def mechanisms(store) -> list[tuple[str, str]]:
    found = {
        r["m"].value: (r["l"].value if r["l"] else web.tail(r["m"].value)) for r in store.query(_MECHANISMS)
    }
    return sorted(((web.tail(iri), label) for iri, label in found.items()), key=lambda m: m[1].lower())


def _matches(row: dict, chosen: dict[str, str]) -> bool:
    for name, column in FILTERS:
        wanted = chosen.get(name)
        if wanted and normalise(str(row.get(column) or "")) != normalise(wanted):
            return False
    return True


@bp.route("/explore")
def explore() -> str | tuple[str, int]:
    store = site().store
    key = request.args.get("mechanism", "").strip()
    context: dict = {"mechanisms": mechanisms(store), "key": key, "table": None, "error": None}
    if not key:
        return render_template("explore.html", **context)
    try:
        table = run_named(store, catalogue()["mechanism_paths"], {"mechanism": key, "setting": "all"})
    except UnknownParameter as err:
        suggestions = f" (did you mean: {', '.join(err.suggestions)}?)" if err.suggestions else ""
        return render_template("explore.html", **context | {"error": f"{err}{suggestions}"}), 400
    rows = table.rows
    for r in rows:
        r["setting"] = r.get("settingLabel") or "setting not recorded"
    chosen = {name: request.args.get(name, "") for name, _ in FILTERS}
    if "setting" not in request.args:
        chosen["setting"] = POST_ICI if any(_norm(r.get("setting")) == _norm(POST_ICI) for r in rows) else ""
    options = {name: Counter(str(r.get(col) or "") for r in rows) for name, col in FILTERS}
    kept = [r for r in rows if _matches(r, chosen)]
    citations = Citations()
    trials = views(store, {r["trial"] for r in kept}, citations)
    tree: dict[tuple[str, str], dict[tuple[str, str], list[dict]]] = {}
    for r in sorted(kept, key=lambda r: (-(r.get("phaseRank") or 0), str(r.get("nctId") or ""))):
        target = (
            (r["target"], r["targetLabel"] or web.tail(r["target"]))
            if r["target"]
            else ("", STATED_OF_THE_DRUG)
        )
        drug = (r["drug"], r["drugLabel"] or web.tail(r["drug"]))
        trial = trials.get(r["trial"])
        r["heading"] = heading(trial) if trial else r["trialLabel"]
        r["cites"] = {
            step: citations.cite(_source_iris(r.get(f"{step}Sources")))
            for step in ("target", "drug", "arm", "trial")
        }
        tree.setdefault(target, {}).setdefault(drug, []).append(r)
    extra = [c for c in table.columns if c not in PLACED]
    mechanism_iri = table.parameters.get("mechanism")
    context |= {
        "table": table,
        "mechanism": (mechanism_iri, rows[0]["mechanismLabel"] if rows else web.tail(str(mechanism_iri))),
        "mechanism_key": web.tail(str(mechanism_iri)),
        "chosen": chosen,
        "options": {k: sorted(v.items(), key=lambda kv: kv[0].lower()) for k, v in options.items()},
        "tree": {
            t: dict(sorted(d.items(), key=lambda kv: kv[0][1].lower()))
            for t, d in sorted(tree.items(), key=lambda kv: kv[0][1].lower())
        },
        "kept": len(kept),
        "trial_count": len({r["trial"] for r in kept}),
        "extra": extra,
        "citations": citations.fill(store),
    }
    return render_template("explore.html", **context)


def _norm(value: object) -> str:
    return normalise(str(value or ""))


def _source_iris(keys: object) -> list[str]:
    return [f"{web.base()}resource/source/{k}" for k in str(keys or "").split()]
