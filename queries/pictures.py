"""Pictures drawn from the named queries, as hand-written SVG (no plotting library).

- :func:`mechanism_svg`: a mechanism's paths to trials, one column per step (mechanism →
  targets → drugs → studies); every node links to its resource page.
- :func:`forest_svg`: a forest-style chart of reported values across studies, one panel per
  endpoint and unit, with the confidence interval where the source gives one.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import NamedNode

from hcckg.graph.store import open_store
from hcckg.ground.errors import UnknownParameter
from hcckg.ground.iris import is_local, local_path
from hcckg.ground.settings import Settings
from hcckg.queries.catalogue import Parameter, load_catalogue
from hcckg.queries.execute import run_named
from hcckg.queries.params import resolve_value

FONT = 'font-family="sans-serif" font-size="12"'
COLUMN_WIDTH, NODE_WIDTH, NODE_HEIGHT, ROW_GAP = 250, 220, 34, 12
COLOURS = {"mechanism": "#f4d6d6", "target": "#d8e6f5", "drug": "#d9f0d9", "trial": "#f3ecd0"}


def _href(iri: str) -> str:
    return local_path(iri) if is_local(iri) else iri


def _short(text: str, size: int = 34) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _node(x: int, y: int, iri: str, label: str, kind: str, detail: str = "") -> str:
    lines = [
        f"<a href={quoteattr(_href(iri))}><title>{escape(label)}</title>",
        f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" '
        f'fill="{COLOURS[kind]}" stroke="#555"/>',
        f'<text x="{x + 8}" y="{y + 14}" {FONT}>{escape(_short(label))}</text>',
    ]
    if detail:
        lines.append(f'<text x="{x + 8}" y="{y + 28}" {FONT} fill="#444">{escape(_short(detail, 38))}</text>')
    lines.append("</a>")
    return "\n".join(lines)


def mechanism_svg(store, key: str) -> str:
    """The paths from one mechanism through targets and drugs to studies."""
    table = run_named(store, load_catalogue()["mechanism_paths"], {"mechanism": key})
    mechanism = table.parameters["mechanism"]
    columns: dict[str, dict[str, tuple[str, str]]] = {k: {} for k in ("mechanism", "target", "drug", "trial")}
    edges: set[tuple[str, str]] = set()
    label = key
    for row in table.rows:
        label = row["mechanismLabel"] or key
        columns["drug"][row["drug"]] = (row["drugLabel"] or row["drug"], "")
        detail = " · ".join(str(v) for v in (row["nctId"], row["phaseLabel"], row["statusLabel"]) if v)
        columns["trial"][row["trial"]] = (row["trialLabel"] or row["trial"], detail)
        edges.add((row["drug"], row["trial"]))
        if row["target"]:  # the target, process or approach the link goes through
            columns["target"][row["target"]] = (row["targetLabel"] or row["target"], "")
            edges |= {(mechanism, row["target"]), (row["target"], row["drug"])}
        else:  # a link the source states of the drug itself
            edges.add((mechanism, row["drug"]))
    if not table.rows:
        label = _label_of(store, mechanism) or key
    columns["mechanism"][mechanism] = (label, f"{len(columns['trial'])} studies")

    tallest = max(len(nodes) for nodes in columns.values())
    height = max(1, tallest) * (NODE_HEIGHT + ROW_GAP) + 60
    width = 4 * COLUMN_WIDTH + 20
    positions: dict[str, tuple[int, int]] = {}
    parts: list[str] = []
    for col, (kind, nodes) in enumerate(columns.items()):
        x = 10 + col * COLUMN_WIDTH
        parts.append(f'<text x="{x}" y="20" {FONT} font-weight="bold">{kind.title()}s</text>')
        offset = (tallest - len(nodes)) * (NODE_HEIGHT + ROW_GAP) // 2
        for row, (iri, (text, detail)) in enumerate(
            sorted(nodes.items(), key=lambda item: item[1][0].lower())
        ):
            y = 35 + offset + row * (NODE_HEIGHT + ROW_GAP)
            positions[iri] = (x, y)
            parts.append(_node(x, y, iri, text, kind, detail))
    lines = []
    for a, b in sorted(edges):
        (xa, ya), (xb, yb) = positions[a], positions[b]
        lines.append(
            f'<line x1="{xa + NODE_WIDTH}" y1="{ya + NODE_HEIGHT // 2}" x2="{xb}" y2="{yb + NODE_HEIGHT // 2}" '
            f'stroke="#888"/>'
        )
    if not table.rows:
        parts.append(f'<text x="{10 + COLUMN_WIDTH}" y="52" {FONT}>No path to a study in the graph.</text>')
    return _svg(width, height, f"Paths from {label} to studies", lines + parts)


def _label_of(store, iri: str) -> str | None:
    sparql = "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } LIMIT 1"
    rows = list(store.query(sparql, substitutions={"s": NamedNode(iri)}))
    return rows[0]["l"].value if rows else None


def _svg(width: int, height: int, title: str, parts: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">',
            f"<title>{escape(title)}</title>",
            f'<rect width="{width}" height="{height}" fill="white"/>',
            *parts,
            "</svg>",
        ]
    )


def _number(value: float) -> str:
    return f"{value:g}"


def forest_svg(store, key: str, endpoint: str | None = None) -> str:
    """Reported values across studies for a drug or regimen (``key``), optionally one
    ``endpoint``; or, when ``key`` names an endpoint, that endpoint for every study."""
    outcomes = load_catalogue()["outcomes"]
    params = {"agent": key, "endpoint": endpoint or ""}
    if endpoint is None:
        as_endpoint = Parameter("endpoint", "iri-of-kind", kinds=("endpoint",))
        try:
            resolve_value(store, as_endpoint, key)
            params = {"endpoint": key}
        except UnknownParameter:
            pass
    table = run_named(store, outcomes, params)
    panels: dict[str, list[dict]] = defaultdict(list)
    for row in table.rows:
        panels[row["endpointLabel"]].append(row)

    label_x, plot_x, plot_w, row_h = 10, 330, 300, 22
    parts: list[str] = []
    y = 40
    for name, rows in sorted(panels.items()):
        units = sorted({r["unit"] for r in rows if r["unit"]})
        heading = name + (f" ({', '.join(units)})" if units else "")
        parts.append(f'<text x="{label_x}" y="{y}" {FONT} font-weight="bold">{escape(heading)}</text>')
        top = max(max(r["value"], r["ciUpper"] or 0, r["ciLower"] or 0) for r in rows) or 1.0
        scale = plot_w / (top * 1.1)
        y += 10
        for row in rows:
            y += row_h
            who = " — ".join(str(v) for v in (row["studyLabel"], row["armLabel"]) if v)
            extra = ", ".join(f"{k} {row[k]}" for k in ("line", "subgroup") if row[k] is not None)
            text = f"{who} ({extra})" if extra else who
            parts.append(
                f"<a href={quoteattr(_href(row['study']))}>"
                f'<text x="{label_x}" y="{y + 4}" {FONT}>{escape(_short(text, 48))}</text></a>'
            )
            lo, hi, value = row["ciLower"], row["ciUpper"], row["value"]
            if lo is not None:
                end = plot_x + (hi if hi is not None else top * 1.1) * scale
                dash = "" if hi is not None else ' stroke-dasharray="4 3"'
                parts.append(
                    f'<line x1="{plot_x + lo * scale:.1f}" y1="{y}" x2="{end:.1f}" y2="{y}" '
                    f'stroke="#333"{dash}/>'
                )
            cx = plot_x + value * scale
            parts.append(
                f'<rect x="{cx - 4:.1f}" y="{y - 4}" width="8" height="8" fill="#1f5fa8">'
                f"<title>{escape(_number(value))}</title></rect>"
            )
            ci = ""
            if lo is not None or hi is not None:
                low = _number(lo) if lo is not None else "?"
                ci = f" ({low}–{_number(hi) if hi is not None else 'NR'})"
            parts.append(
                f'<text x="{plot_x + plot_w + 10}" y="{y + 4}" {FONT}>{escape(_number(value) + ci)}</text>'
            )
        y += 16
        parts.append(f'<line x1="{plot_x}" y1="{y}" x2="{plot_x + plot_w}" y2="{y}" stroke="#999"/>')
        for tick in (0.0, top / 2, top):
            tx = plot_x + tick * scale
            parts.append(
                f'<text x="{tx:.1f}" y="{y + 14}" {FONT} text-anchor="middle">{_number(round(tick, 1))}</text>'
            )
        y += 40
    if not panels:
        parts.append(f'<text x="{label_x}" y="{y}" {FONT}>No reported result in the graph.</text>')
        y += 20
    title = f"Results for {key}" + (f", {endpoint}" if endpoint else "")
    parts.insert(
        0,
        f'<text x="{label_x}" y="20" font-family="sans-serif" font-size="14" font-weight="bold">{escape(title)}</text>',
    )
    return _svg(plot_x + plot_w + 150, y, title, parts)


def cli_pictures(settings: Settings, args: argparse.Namespace) -> int:
    from hcckg.queries.cli import with_suggestions

    store = open_store(settings)
    try:
        if args.kind == "mechanism":
            svg = mechanism_svg(store, args.key)
        else:
            svg = forest_svg(store, args.key, args.endpoint)
    except UnknownParameter as err:
        raise with_suggestions(err) from err
    if args.output == "-":
        sys.stdout.write(svg + "\n")
    else:
        Path(args.output).write_text(svg + "\n", encoding="utf-8")
    return 0
