"""Fetch the site's front-end packages from the npm registry (``make assets``).

Pinned tarballs are downloaded straight from registry.npmjs.org with urllib, checked
against the registry's ``integrity`` hash (SHA-512, Subresource Integrity form) and the
files the page needs are unpacked into ``server/static/vendor/`` (git-ignored). Nothing is
vendored into git and nothing is fetched at run time.

CodeMirror 5 rather than YASGUI: it is plain scripts (no bundler), and YASGUI's editor
and result viewer call other hosts (prefix.cc, LOV, its link shortener) by default, which
the page must never do. axe-core is for the accessibility check of the browser tests
(tests/test_browser_site.py injects it into each page); no page loads it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"

# name, version, integrity (from the registry's metadata), files wanted from package/
PACKAGES = [
    (
        "codemirror",
        "5.65.18",
        "sha512-Gaz4gHnkbHMGgahNt3CA5HBk5lLQBqmD/pBgeB4kQU6OedZmqMBjlRF0LSrp2tJ4wlLNPm2FfaUd1pDy0mdlpA==",
        (
            "lib/codemirror.js",
            "lib/codemirror.css",
            "mode/sparql/sparql.js",
            "addon/hint/show-hint.js",
            "addon/hint/show-hint.css",
            "LICENSE",
        ),
    ),
    (
        "axe-core",
        "4.10.3",
        "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg==",
        ("axe.min.js", "LICENSE"),
    ),
]


def _verify(data: bytes, integrity: str, name: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(
            f"error: {name}: integrity mismatch (expected {integrity}, got {algorithm}-{actual})"
        )


def fetch(name: str, version: str, integrity: str, files: tuple[str, ...], target: Path = VENDOR) -> Path:
    """Download, verify and unpack one package; returns its vendor directory."""
    directory = target / name
    stamp = directory / ".version"
    if stamp.exists() and stamp.read_text() == f"{version} {integrity}":
        return directory
    url = f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as answer:
        data = answer.read()
    _verify(data, integrity, name)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for wanted in files:
            member = archive.getmember(f"package/{wanted}")
            source = archive.extractfile(member)
            if source is None:
                raise SystemExit(f"error: {name}: {wanted} is not a file in the tarball")
            out = directory / wanted
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(source.read())
    stamp.write_text(f"{version} {integrity}")
    return directory


def main() -> int:
    for name, version, integrity, files in PACKAGES:
        directory = fetch(name, version, integrity, files)
        print(f"{name} {version} -> {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
