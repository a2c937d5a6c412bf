"""Running HermiT's Java so that it cannot outlive the build that started it.

owlready2 starts ``java`` with ``subprocess`` and waits for it. A build killed meanwhile
(``kill -9``, an OOM kill, a closed terminal) used to leave that ``java`` running on,
reparented to init. Inside :func:`contained`, owlready2's child starts in a process group
of its own (a terminal's Ctrl-C reaches the build, whose exception handler in
``subprocess.run`` kills Java, and not Java half-way through its output) and asks the
kernel to SIGKILL it the moment its parent dies (``PR_SET_PDEATHSIG``), however the
parent dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Iterator

import owlready2.reasoning

PR_SET_PDEATHSIG = 1
# Resolved before any fork: the child only makes the call.
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent(parent: int) -> None:
    """In the child, before Java starts: die when the parent does."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


@contextlib.contextmanager
def contained() -> Iterator[None]:
    """While inside, owlready2's Java dies with this process and has its own process group."""
    parent = os.getpid()
    saved = owlready2.reasoning._subprocess_kargs
    owlready2.reasoning._subprocess_kargs = {
        **saved,
        "process_group": 0,
        "preexec_fn": lambda: _die_with_parent(parent),
    }
    try:
        yield
    finally:
        owlready2.reasoning._subprocess_kargs = saved
