"""Pictures from the named queries, as hand-written SVG, and as PNG through resvg (:func:`png`).

- :func:`mechanism_svg`: mechanism → targets → drugs → trials (by acronym, with NCT, phase and
  status in full, framed by setting), a legend; every text wrapped inside its box.
- :func:`forest_svg`: values with their CIs, one panel per endpoint and unit on one shared
  axis, rows "acronym · arm · subgroup · line · n" grouped by study, a legend.
"""

from __future__ import annotations

import math
import sys
import textwrap
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import NamedNode

from hcckg.graph.store import open_store
from hcckg.ground.errors import UnknownParameter
from hcckg.ground.iris import is_local, local_path
from hcckg.ground.settings import Settings
from hcckg.ground.terms import HCC, RDFS
from hcckg.queries.catalogue import Parameter
from hcckg.queries.execute import catalogue, run_named
from hcckg.queries.params import resolve_value

FONT = 'font-family="DejaVu Sans, sans-serif"'
CHAR = 7.2  # px per character of the 12 px font, on the wide side, so text fits its box
LINE = 15
COLUMN_WIDTH, NODE_WIDTH, ROW_GAP, PAD = 260, 230, 10, 7
COLOURS = {"mechanism": "#f4d6d6", "target": "#d8e6f5", "drug": "#d9f0d9", "trial": "#f3ecd0"}
POST_ICI = "post-ICI second line"
# The endpoint names the API and the CLI document (results_table's columns) -> endpoint keys.
ENDPOINT_NAMES = {
    "mpfs": "pfs",
    "mos": "os",
    "orr": "orr",
    "dcr": "dcr",
    "trae34": "trae-grade-3-4",
    "ttp": "ttp",
}


def _href(iri: str) -> str:
    return local_path(iri) if is_local(iri) else iri


def _wrap(text: str, width_px: float) -> list[str]:
    return textwrap.wrap(text, max(4, int(width_px // CHAR)), break_long_words=True) or [""]


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


def _text(x: float, y: float, text: str, extra: str = "", size: int = 12) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}"{extra}>{escape(text)}</text>'


def _facts(store, iris: set[str], locals_: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The first value of each listed hcckg property of each IRI (read from the store)."""
    if not iris:
        return {}
    listed = " ".join(str(NamedNode(i)) for i in sorted(iris))
    props = " ".join(f"<{HCC.iri(p)}>" for p in locals_)
    sparql = (
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {listed} }} VALUES ?p {{ {props} }} ?s ?p ?o }} ORDER BY ?o"
    )
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in store.query(sparql):
        found[row["s"].value].setdefault(row["p"].value.rsplit("/", 1)[-1], row["o"].value)
    return found


# -- the mechanism picture ---------------------------------------------------------------


def _border(kind: str, dashed: bool) -> str:
    """A box's outline, the same in the picture and its legend: dashed for a trial in another
    setting than the post-ICI second line, heavy for a trial in it, thin otherwise."""
    if dashed:
        return ' stroke-dasharray="5 3" stroke="#777"'
    return ' stroke="#1c5b1c" stroke-width="2"' if kind == "trial" else ' stroke="#555"'


def _box(
    x: float, y: float, iri: str, lines: list[tuple[str, str]], kind: str, dashed: bool = False
) -> tuple[str, float]:
    """A node: its lines of (text, style), wrapped to the box; returns the SVG and its height."""
    wrapped = [(piece, style) for text, style in lines for piece in _wrap(text, NODE_WIDTH - 2 * PAD)]
    height = PAD * 2 + LINE * len(wrapped) - 3
    border = _border(kind, dashed)
    parts = [
        f"<a href={quoteattr(_href(iri))}><title>{escape(' '.join(t for t, _ in lines))}</title>",
        f'<rect x="{x}" y="{y:.1f}" width="{NODE_WIDTH}" height="{height:.1f}" rx="6" fill="{COLOURS[kind]}"{border}/>',
    ]
    for i, (piece, style) in enumerate(wrapped):
        parts.append(_text(x + PAD, y + PAD + 10 + i * LINE, piece, style))
    parts.append("</a>")
    return "\n".join(parts), height


def mechanism_svg(store, key: str) -> str:
    """The paths from one mechanism through targets and drugs to trials."""
    # Every setting: the picture marks each trial's (post-ICI second line solid, others dashed).
    table = run_named(store, catalogue()["mechanism_paths"], {"mechanism": key, "setting": "all"})
    mechanism = table.parameters["mechanism"]
    trials = {r["trial"] for r in table.rows}
    facts = _facts(store, trials, ("acronym", "nctId"))
    label = (table.rows[0]["mechanismLabel"] if table.rows else None) or _label_of(store, mechanism) or key
    nodes: dict[str, dict[str, tuple]] = {k: {} for k in ("mechanism", "target", "drug", "trial")}
    edges: set[tuple[str, str]] = set()
    for row in table.rows:
        nodes["drug"][row["drug"]] = ([(row["drugLabel"] or row["drug"], ' font-weight="bold"')], False)
        if row["target"]:  # the target, process or approach the link goes through
            nodes["target"][row["target"]] = (
                [(row["targetLabel"] or row["target"], ' font-weight="bold"')],
                False,
            )
            edges |= {(mechanism, row["target"]), (row["target"], row["drug"])}
        else:  # a link a source states of the drug itself
            edges.add((mechanism, row["drug"]))
        own = facts.get(row["trial"], {})
        setting = row.get("settingLabel") or "setting not recorded"
        post_ici = setting == POST_ICI
        name = own.get("acronym") or row["nctId"] or row["trialLabel"] or row["trial"]
        lines = [(name, ' font-weight="bold"')]
        if own.get("acronym") and row["nctId"]:
            lines.append((row["nctId"], ""))
        evidence = " · ".join(str(v) for v in (row["phaseLabel"], row["statusLabel"]) if v)
        lines += [(evidence, ' fill="#333"')] if evidence else []
        lines.append((setting, ' fill="#1c5b1c"' if post_ici else ' fill="#555" font-style="italic"'))
        nodes["trial"][row["trial"]] = (lines, not post_ici)
        edges.add((row["drug"], row["trial"]))
    nodes["mechanism"][mechanism] = (
        [(label, ' font-weight="bold"'), (f"{len(trials)} trials", ' fill="#333"')],
        False,
    )

    parts: list[str] = []
    heights: dict[str, float] = {}
    boxes: dict[str, list] = {}
    for kind, found in nodes.items():
        ordered = sorted(found.items(), key=lambda item: (item[1][1], item[1][0][0][0].lower()))
        boxes[kind] = []
        for iri, (lines, dashed) in ordered:
            svg, height = _box(0, 0, iri, lines, kind, dashed)
            boxes[kind].append((iri, lines, dashed, height))
        heights[kind] = sum(b[3] for b in boxes[kind]) + ROW_GAP * max(0, len(boxes[kind]) - 1)
    tallest = max(heights.values())
    top = 40
    positions: dict[str, tuple[float, float, float]] = {}
    for col, kind in enumerate(nodes):
        x = 10 + col * COLUMN_WIDTH
        parts.append(_text(x, 22, f"{kind.title()}s", ' font-weight="bold"', 13))
        y = top + (tallest - heights[kind]) / 2
        for iri, lines, dashed, height in boxes[kind]:
            svg, _ = _box(x, y, iri, lines, kind, dashed)
            parts.append(svg)
            positions[iri] = (x, y, height)
            y += height + ROW_GAP
    lines_svg = []
    for a, b in sorted(edges):
        (xa, ya, ha), (xb, yb, hb) = positions[a], positions[b]
        lines_svg.append(
            f'<line x1="{xa + NODE_WIDTH}" y1="{ya + ha / 2:.1f}" x2="{xb}" y2="{yb + hb / 2:.1f}" stroke="#999"/>'
        )
    y = top + tallest + 25
    if not table.rows:
        parts.append(_text(10 + COLUMN_WIDTH, top + 20, "No path to a trial in the graph."))
    legend, y = _mechanism_legend(y)
    return _svg(
        4 * COLUMN_WIDTH + 10, int(y + 10), f"Paths from {label} to trials", lines_svg + parts + legend
    )


def _mechanism_legend(y: float) -> tuple[list[str], float]:
    parts = [_text(10, y, "Legend", ' font-weight="bold"')]
    y += 10
    items = [("mechanism", "resistance mechanism", False), ("target", "target implicated in it", False),
             ("drug", "drug that hits the target", False), ("trial", f"trial, {POST_ICI} (solid frame)", False),
             ("trial", "trial in another setting (dashed frame)", True)]  # fmt: skip
    x, right = 10, 4 * COLUMN_WIDTH
    for kind, text, dashed in items:
        if x + 24 + len(text) * CHAR > right:
            x, y = 10, y + 22
        border = _border(kind, dashed)
        parts.append(f'<rect x="{x}" y="{y}" width="18" height="14" rx="3" fill="{COLOURS[kind]}"{border}/>')
        parts.append(_text(x + 24, y + 11, text))
        x += 24 + len(text) * CHAR + 20
    parts.append(
        _text(
            10,
            y + 36,
            "Lines: target implicated in the mechanism, drug hits the target, trial arm gives the drug. Click a box for its page.",
        )
    )
    return parts, y + 44


def _label_of(store, iri: str) -> str | None:
    sparql = f"SELECT ?s ?l WHERE {{ ?s <{RDFS.label.value}> ?l }} LIMIT 1"
    rows = list(store.query(sparql, substitutions={"s": NamedNode(iri)}))
    return rows[0]["l"].value if rows else None


# -- the forest plot ---------------------------------------------------------------------


def _nice_ticks(top: float) -> list[float]:
    """0 to a round number at or above ``top``, in 4-6 round steps (1, 2, 2.5 or 5 × 10^k)."""
    top = top or 1.0
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:g}"


def _endpoint_param(store, endpoint: str | None) -> str:
    if not endpoint:
        return ""
    return ENDPOINT_NAMES.get(endpoint.strip().lower().replace("-", "").replace("_", ""), endpoint)


def forest_svg(store, key: str, endpoint: str | None = None) -> str:
    """Reported values for a drug or regimen (``key``), optionally one ``endpoint`` (its key,
    label or a documented name: mPFS, mOS, ORR, DCR, trae34); or, when ``key`` names an
    endpoint, that endpoint for every study."""
    params = {"agent": key, "endpoint": _endpoint_param(store, endpoint)}
    try:  # /forest/os.svg: the key is an endpoint, for every study
        resolve_value(
            store, Parameter("endpoint", "iri-of-kind", kinds=("endpoint",)), _endpoint_param(store, key)
        )
        params = {"endpoint": _endpoint_param(store, endpoint or key)}
    except UnknownParameter:
        pass
    table = run_named(store, catalogue()["outcomes"], params)
    studies = _facts(store, {r["study"] for r in table.rows}, ("acronym", "nctId"))
    counts = _facts(store, {r["outcome"] for r in table.rows}, ("count", "denominator"))
    panels: dict[str, list[dict]] = defaultdict(list)
    for row in table.rows:
        own = studies.get(row["study"], {})
        n = counts.get(row["outcome"], {})
        who = own.get("acronym") or own.get("nctId") or row["studyLabel"] or row["study"]
        detail = [row["armLabel"] or "whole study"]
        if row["subgroup"]:
            detail.append(str(row["subgroup"]))
        if row.get("measuredFrom"):  # OS from the start of the prior regimen is another row
            detail.append(f"from {row['measuredFrom']}")
        if row["line"] is not None:
            detail.append(f"line {row['line']}")
        if n.get("count") or n.get("denominator"):
            detail.append(f"n={n.get('count') or n.get('denominator')}")
        row["_who"], row["_label"] = who, " · ".join([who, *detail])
        unit = row["unit"] or ""
        panels[f"{row['endpointLabel']}" + (f" ({unit})" if unit else "")].append(row)

    label_x, row_h = 10, 22
    longest = max((len(r["_label"]) for rows in panels.values() for r in rows), default=20)
    plot_x = int(label_x + longest * CHAR + 20)
    plot_w = 360
    parts: list[str] = []
    y = 44
    for heading, rows in sorted(panels.items()):
        rows.sort(key=lambda r: (r["_who"].lower(), str(r["armLabel"]), str(r["subgroup"]), str(r["line"])))
        _distinct(rows)
        ticks = _nice_ticks(max(max(r["value"], r["ciUpper"] or 0, r["ciLower"] or 0) for r in rows))
        scale = plot_w / ticks[-1]
        parts.append(_text(label_x, y, heading, ' font-weight="bold"', 13))
        y += 8
        first_y = y + row_h - 8
        previous = None
        for row in rows:
            y += row_h
            if previous is not None and previous != row["_who"]:
                parts.append(
                    f'<line x1="{label_x}" y1="{y - row_h / 2 - 2:.1f}" x2="{plot_x + plot_w + 150}" y2="{y - row_h / 2 - 2:.1f}" stroke="#e2e2e2"/>'
                )
            previous = row["_who"]
            parts.append(
                f"<a href={quoteattr(_href(row['study']))}>{_text(label_x, y + 4, row['_label'])}</a>"
            )
            lo, hi, value = row["ciLower"], row["ciUpper"], row["value"]
            if lo is not None or hi is not None:
                start = plot_x + (lo if lo is not None else value) * scale
                end = plot_x + (hi if hi is not None else ticks[-1]) * scale
                dash = "" if hi is not None else ' stroke-dasharray="4 3"'
                parts.append(
                    f'<line x1="{start:.1f}" y1="{y}" x2="{end:.1f}" y2="{y}" stroke="#333" stroke-width="1.5"{dash}/>'
                )
                for cap, present in ((start, lo is not None), (end, hi is not None)):
                    if present:
                        parts.append(
                            f'<line x1="{cap:.1f}" y1="{y - 5}" x2="{cap:.1f}" y2="{y + 5}" stroke="#333" stroke-width="1.5"/>'
                        )
            cx = plot_x + value * scale
            parts.append(
                f'<rect x="{cx - 4:.1f}" y="{y - 4}" width="8" height="8" fill="#1f5fa8"><title>{escape(_number(value))}</title></rect>'
            )
            ci = (
                f" ({_number(lo) if lo is not None else '?'}–{_number(hi) if hi is not None else 'NR'})"
                if lo is not None or hi is not None
                else ""
            )
            parts.append(_text(plot_x + plot_w + 12, y + 4, _number(value) + ci))
        y += 14
        for tick in ticks:
            tx = plot_x + tick * scale
            parts.append(f'<line x1="{tx:.1f}" y1="{first_y:.1f}" x2="{tx:.1f}" y2="{y}" stroke="#eee"/>')
            parts.append(_text(tx, y + 14, _number(tick), ' text-anchor="middle"'))
        parts.append(f'<line x1="{plot_x}" y1="{y}" x2="{plot_x + plot_w}" y2="{y}" stroke="#777"/>')
        y += 44
    if not panels:
        parts.append(_text(label_x, y, "No reported result in the graph."))
        y += 20
    width = plot_x + plot_w + 170
    legend, y = _forest_legend(label_x, y, width)
    title = f"Results for {key}" + (f", {endpoint}" if endpoint else "")
    parts.insert(0, _text(label_x, 22, title, ' font-weight="bold"', 15))
    return _svg(width, int(y), title, parts + legend)


def _distinct(rows: list[dict]) -> None:
    """Rows whose labels repeat (the same value reported by two sources) name their source."""
    seen: dict[str, int] = defaultdict(int)
    for row in rows:
        seen[row["_label"]] += 1
    for row in rows:
        if seen[row["_label"]] > 1:
            row["_label"] += f" · {row['sources'] or 'no source'}"


def _forest_legend(x: float, y: float, width: int) -> tuple[list[str], float]:
    parts = [_text(x, y, "Legend", ' font-weight="bold"')]
    y += 18
    parts.append(f'<rect x="{x}" y="{y - 8}" width="8" height="8" fill="#1f5fa8"/>')
    parts.append(_text(x + 14, y, "reported value (median, or % of patients)"))
    y += 18
    parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 30}" y2="{y - 4}" stroke="#333" stroke-width="1.5"/>')
    parts.append(_text(x + 38, y, "confidence interval as the source gives it; no line: none given"))
    y += 18
    parts.append(
        f'<line x1="{x}" y1="{y - 4}" x2="{x + 30}" y2="{y - 4}" stroke="#333" stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    parts.append(_text(x + 38, y, "upper limit not reached (NR)"))
    y += 18
    parts.append(
        _text(x, y, "Rows: acronym (or NCT number) · arm · subgroup · line of therapy · n, grouped by study.")
    )
    return parts, y + 14


# -- PNG and the command line ----------------------------------------------------------------


def png(svg: str) -> bytes:
    """The picture as PNG (resvg; text in the system's DejaVu Sans)."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, background="white"))


def cli_pictures(settings: Settings, kind: str, key: str, endpoint: str | None, output: str) -> int:
    """Draw ``kind`` (mechanism or forest) for ``key`` into ``output`` (SVG, PNG by its
    extension, ``-`` for stdout)."""
    from hcckg.queries.cli import with_suggestions

    store = open_store(settings)
    try:
        svg = mechanism_svg(store, key) if kind == "mechanism" else forest_svg(store, key, endpoint)
    except UnknownParameter as err:
        raise with_suggestions(err) from err
    if output == "-":
        sys.stdout.write(svg + "\n")
    elif output.endswith(".png"):
        Path(output).write_bytes(png(svg))
    else:
        Path(output).write_text(svg + "\n", encoding="utf-8")
    return 0
