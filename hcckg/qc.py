"""``hcckg qc``: every QC check over the current sources (and the registry records in the
store), as a report in text, JSON or TSV. The checks are ``queries/qc/*.rq``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from dataclasses import dataclass

from hcckg.graph.store import memory_store, open_store
from hcckg.ground import iris
from hcckg.ground.errors import StoreUnavailable
from hcckg.ground.settings import Settings
from hcckg.pipeline import Progress, assemble
from hcckg.queries.checks import check_paths, run_checks


@dataclass
class QCReport:
    findings: list  # hcckg.queries.checks.Finding
    checks: int

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def render(self, fmt: str = "text") -> str:
        rows = [f.as_dict() for f in self.findings]
        if fmt == "json":
            return json.dumps({"checks": self.checks, "ok": self.ok, "findings": rows}, indent=2)
        if fmt == "tsv":
            buf = io.StringIO()
            writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
            writer.writerow(["check", "severity", "details"])
            for row in rows:
                writer.writerow([row["check"], row["severity"], json.dumps(row["row"], ensure_ascii=False)])
            return buf.getvalue()
        if not rows:
            return f"qc: {self.checks} checks, no findings"
        width = max(60, shutil.get_terminal_size((100, 24)).columns)
        lines = []
        current = None
        for finding in self.findings:
            if finding.check != current:
                current = finding.check
                lines.append("")
                lines += textwrap.wrap(
                    f"[{finding.severity}] {finding.check}: {finding.description}",
                    width,
                    subsequent_indent="    ",
                )
            # IRIs as CURIEs (res:trial/NCT05822752, hcc:enrollment): the lines stay readable.
            details = "; ".join(f"{k}={_readable(v)}" for k, v in finding.row.items())
            lines += textwrap.wrap(details, width, initial_indent="  - ", subsequent_indent="      ")
        errors = sum(f.severity == "error" for f in self.findings)
        head = f"qc: {self.checks} checks, {len(self.findings)} findings ({errors} errors)"
        return head + "\n".join(lines)


def _readable(value: str) -> str:
    return iris.curie(value) if value.startswith(("http://", "https://")) else value


def run_qc(settings: Settings, fmt: str = "text", progress: Progress = lambda _m: None) -> QCReport:
    """Check the current sources (not the last build) plus the registry graphs in the store,
    so a curator sees the effect of an edit without building."""
    assembled = assemble(settings, progress)
    store = memory_store()
    for name, triples in assembled.graphs.items():
        store.replace_graph(name, triples)
    try:
        built = open_store(settings)
        ctgov_prefix = iris.graph("ctgov").value + "/"
        for name in built.graphs():
            if name.value.startswith(ctgov_prefix):
                store.replace_graph(name, built.quads(name))
    except StoreUnavailable:
        pass
    paths = check_paths()
    return QCReport(run_checks(store, paths), len(paths))
