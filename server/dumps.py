"""Dump files: each dump of a build is written once, plain and gzipped, then sent as a file
(``Content-Length``, ranges, conditional GET) instead of being serialised for every download.

Files live beside the builds, in ``<store>.builds/.dumps/<build id>/`` (the folder a
deployment lets hcckg write, like the builds themselves); a dump is written to a temporary
name and renamed, so two workers asked at once both produce a whole file and the later
rename wins. Dumps of builds that no longer exist are removed when a new one is written.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from hcckg.graph.builds import SERVING

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()
DUMPS = ".dumps"


def folder_of(build_folder: Path) -> Path:
    return build_folder.parent / DUMPS / build_folder.name


def files(build_folder: Path, name: str, chunks: Callable[[], Iterator[bytes]]) -> tuple[Path, Path]:
    """The plain and the gzipped file of dump ``name`` of the build in ``build_folder``,
    written from ``chunks()`` the first time they are asked for."""
    target = folder_of(build_folder) / name
    packed = target.with_name(target.name + ".gz")
    if packed.exists() and target.exists():
        return target, packed
    with _locks_guard:
        lock = _locks.setdefault(target, threading.Lock())
    with lock:  # one writer per process; another process may write the same file meanwhile
        if not (packed.exists() and target.exists()):
            _write(target, packed, chunks())
            _forget_old(build_folder)
    return target, packed


def _write(target: Path, packed: Path, chunks: Iterator[bytes]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
    plain_tmp, packed_tmp = target.with_name(target.name + suffix), packed.with_name(packed.name + suffix)
    try:
        with open(plain_tmp, "wb") as plain, gzip.open(packed_tmp, "wb", compresslevel=6) as zipped:
            for chunk in chunks:
                plain.write(chunk)
                zipped.write(chunk)
        os.replace(packed_tmp, packed)
        os.replace(plain_tmp, target)
    finally:
        for tmp in (plain_tmp, packed_tmp):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _forget_old(build_folder: Path) -> None:
    """Remove the dumps of builds that were pruned."""
    root = build_folder.parent / DUMPS
    for other in root.iterdir():
        if other.name != SERVING and not (build_folder.parent / other.name).is_dir():
            shutil.rmtree(other, ignore_errors=True)
