"""A :class:`hcckg.diff.Diff` written out as text (the terminal), Markdown (release notes)
or HTML (a page to read in a browser, from a Jinja2 template with autoescaping)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hcckg.diff import Diff, EntityChange, Fact, _short

SECTIONS = (("terms", "Ontology terms"), ("results", "Results"), ("facts", "Facts"))
_MARK = {"added": "+", "removed": "-", "changed": "~"}


def _name(change: EntityChange) -> str:
    short = _short(change.subject) if not change.subject.startswith("[") else change.subject
    return f"{change.label} ({short})" if change.label else short


def _fact(fact: Fact) -> str:
    how = " (inferred)" if fact.inferred else ""
    cites = f"  [source: {', '.join(sorted(fact.sources))}]" if fact.sources else ""
    return f"{_short(fact.predicate)} {fact.value}{how}{cites}"


def _lines(change: EntityChange) -> list[str]:
    """The entity's changes, a value replaced by another for the same property shown once."""
    out = []
    removed = {f.predicate: f for f in change.removed}
    added_by_property: dict[str, list[Fact]] = {}
    for fact in change.added:
        added_by_property.setdefault(fact.predicate, []).append(fact)
    single = {
        p
        for p, facts in added_by_property.items()
        if len(facts) == 1 and sum(r.predicate == p for r in change.removed) == 1
    }
    for fact in change.removed:
        if fact.predicate not in single:
            out.append(f"- {_fact(fact)}")
    for fact in change.added:
        if fact.predicate in single:
            old = removed[fact.predicate]
            out.append(f"~ {_short(fact.predicate)}: {old.value} → {fact.value}{_cites(old, fact)}")
        else:
            out.append(f"+ {_fact(fact)}")
    for old, new in change.resourced:
        before = ", ".join(sorted(old.sources)) or ("inferred" if old.inferred else "none")
        after = ", ".join(sorted(new.sources)) or ("inferred" if new.inferred else "none")
        out.append(f"~ {_short(new.predicate)} {new.value}: source {before} → {after}")
    return out


def _cites(old: Fact, new: Fact) -> str:
    if old.sources == new.sources:
        return f"  [source: {', '.join(sorted(new.sources))}]" if new.sources else ""
    return (
        f"  [source: {', '.join(sorted(old.sources)) or 'none'} → {', '.join(sorted(new.sources)) or 'none'}]"
    )


def summary(diff: Diff) -> str:
    counts = diff.counts()
    if not diff.changes:
        return f"{diff.old} → {diff.new}: no change"
    return (
        f"{diff.old} → {diff.new}: {len(diff.changes)} entities "
        f"({counts['added']} added, {counts['removed']} removed, {counts['changed']} changed)"
    )


def to_text(diff: Diff) -> str:
    out = [summary(diff)]
    for key, title in SECTIONS:
        changes = [c for c in diff.changes if c.section == key]
        if changes:
            out.append(f"\n{title}")
            for change in changes:
                out.append(f"  {_MARK[change.status]} {_name(change)}")
                out += [f"      {line}" for line in _lines(change)]
    return "\n".join(out)


def to_markdown(diff: Diff) -> str:
    out = [f"# Changes: {diff.old} → {diff.new}", "", summary(diff)]
    for key, title in SECTIONS:
        changes = [c for c in diff.changes if c.section == key]
        if changes:
            out += ["", f"## {title}", ""]
            for change in changes:
                out.append(f"- **{change.status}** {_escape_md(_name(change))}")
                out += [f"  - `{line[0]}` {_escape_md(line[2:])}" for line in _lines(change)]
    return "\n".join(out) + "\n"


def _escape_md(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_[]<>|" else c for c in text)


def to_html(diff: Diff) -> str:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape(["html"])
    )
    sections = [
        (title, [(c, _name(c), _lines(c)) for c in diff.changes if c.section == key])
        for key, title in SECTIONS
    ]
    return env.get_template("diff.html").render(diff=diff, summary=summary(diff), sections=sections)


def render(diff: Diff, fmt: str) -> str:
    return {"text": to_text, "markdown": to_markdown, "html": to_html}[fmt](diff)
