"""Why the asserted facts clash, without a reasoner: the "told" classes of each individual
(its asserted types, and the named domains and ranges of the properties it is used with) and
the clashes visible in them (two disjoint classes, two values of a functional property).

``ontology/reasoning.py`` checks these before it starts HermiT, and uses them to explain an
inconsistency HermiT reports; its output step places individuals HermiT never saw by their
told classes.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from hcckg.ground.terms import OWL, RDF, RDFS


def explain_inconsistency(tbox: list[ox.Triple], facts: list[ox.Triple]) -> str:
    """The message for an inconsistency: the told clashes, or a hint when there are none."""
    return inconsistency_message(told_problems(tbox, facts))


def inconsistency_message(problems: list[str]) -> str:
    head = "the ontology with the curated facts is inconsistent (HermiT)"
    if not problems:
        return head + "; no single asserted fact explains it: check recent edits to hcckg.ttl and the data."
    return head + ". Cause(s):\n  " + "\n  ".join(problems[:20])


def told_classes(tbox: list[ox.Triple], facts: list[ox.Triple]) -> dict[ox.Term, dict[ox.Term, str]]:
    """Per individual, the named classes the facts put it in (its asserted types, and the
    named domains and ranges of the properties it is used with), each with the reason."""
    domain: dict[ox.Term, ox.Term] = {}
    range_: dict[ox.Term, ox.Term] = {}
    for t in tbox:
        if t.predicate == RDFS.domain and isinstance(t.object, ox.NamedNode):
            domain[t.subject] = t.object
        elif t.predicate == RDFS.range and isinstance(t.object, ox.NamedNode):
            range_[t.subject] = t.object
    told: dict[ox.Term, dict[ox.Term, str]] = defaultdict(dict)
    for t in facts:
        if t.predicate == RDF.type:
            told[t.subject][t.object] = f"asserted a {short(t.object)}"
            continue
        if t.predicate in domain:
            told[t.subject].setdefault(domain[t.predicate], f"subject of {short(t.predicate)}")
        if t.predicate in range_ and isinstance(t.object, ox.NamedNode):
            told[t.object].setdefault(range_[t.predicate], f"object of {short(t.predicate)}")
    return told


def told_problems(tbox: list[ox.Triple], facts: list[ox.Triple]) -> list[str]:
    """Clashes visible without a reasoner: an individual put into two disjoint classes by
    its types or the domains and ranges of its properties, or a functional property with
    two values."""
    parents: dict[ox.Term, set[ox.Term]] = defaultdict(set)
    functional = set()
    for t in tbox:
        if t.predicate == RDFS.subClassOf and isinstance(t.object, ox.NamedNode):
            parents[t.subject].add(t.object)
        elif t.predicate == RDF.type and t.object == OWL.FunctionalProperty:
            functional.add(t.subject)
    disjoint = _disjoint_pairs(tbox)

    def ancestors(cls: ox.Term) -> set[ox.Term]:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    problems = []
    for individual, reasons in sorted(told_classes(tbox, facts).items(), key=lambda kv: str(kv[0])):
        expanded = {anc: why for cls, why in reasons.items() for anc in ancestors(cls)}
        for a, b in sorted(disjoint, key=str):
            if a in expanded and b in expanded:
                problems.append(
                    f"<{individual.value}> is both a {short(a)} ({expanded[a]}) and a "
                    f"{short(b)} ({expanded[b]}), which are disjoint"
                )
    values: dict[tuple[ox.Term, ox.Term], set[ox.Term]] = defaultdict(set)
    for t in facts:
        if t.predicate in functional:
            values[(t.subject, t.predicate)].add(t.object)
    for (subject, prop), objs in sorted(values.items(), key=str):
        if len(objs) > 1:
            shown = ", ".join(sorted(str(o) for o in objs))
            problems.append(f"<{subject.value}> has {len(objs)} values for functional {short(prop)}: {shown}")
    return problems


def _disjoint_pairs(tbox: list[ox.Triple]) -> set[tuple[ox.Term, ox.Term]]:
    rest = {t.subject: t.object for t in tbox if t.predicate == RDF.rest}
    first = {t.subject: t.object for t in tbox if t.predicate == RDF.first}
    pairs = {(t.subject, t.object) for t in tbox if t.predicate == OWL.disjointWith}
    for t in tbox:
        if t.predicate == OWL.members:
            members, cell = [], t.object
            while cell in first:
                members.append(first[cell])
                cell = rest.get(cell, RDF.nil)
            pairs |= {(a, b) for i, a in enumerate(members) for b in members[i + 1 :]}
    return pairs


def short(term: ox.Term) -> str:
    value = term.value if isinstance(term, ox.NamedNode) else str(term)
    return value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


__all__ = ["explain_inconsistency", "inconsistency_message", "told_classes", "told_problems", "short"]
