"""What is checked in a visitor's SPARQL text before it is parsed: the screen and the limits.

Both read the text through ``hcckg.ground.tokens`` (the grammar's terminals: strings, IRIs,
comments and escapes), never with a regex of their own. They are defence in depth: the
guarantee that no query reaches another host is the operating system's
(``server/egress.py``); the screen gives a clear 400 first.

Screening. pyoxigraph answers ``SERVICE <url>`` with a real HTTP request and ``LOAD`` in
an update fetches a URL, so :func:`screen` refuses any query whose code (the text outside
strings, IRIs and comments) holds the keyword's letters, in either reading: as sent and
with SPARQL's codepoint escapes decoded. Oxigraph matches a keyword by its letters alone,
with no word boundary (``SERVICE:a {…}`` and ``SERVICEx:a {…}`` with a prefix ``x:`` are
both federated calls), so the letters are refused anywhere in the code, in names too.
``FROM``/``FROM NAMED`` and the protocol's graph parameters only name graphs of the
store: Oxigraph never fetches them.

Limits. Oxigraph's parser and evaluator recurse once per nesting level, per link of an
operator or ``UNION`` chain and per element of a group pattern; a 4.4 KB query of 2,300 ``{`` overflowed a worker's stack
(SIGSEGV, the worker and its other requests gone). :func:`check_limits` bounds the text
before the parser sees it (a 400 that names the limit); the evaluation threads get a stack
(``EVALUATION_STACK``) measured to hold the deepest query the limits let through with a
wide margin (tests/test_server_limits.py runs it).
"""

from __future__ import annotations

import re

from hcckg.ground.errors import QueryRejected
from hcckg.ground.tokens import decode_escapes, readings, segments

# -- the limits (measured on pyoxigraph 0.5.13: README, "Safety and limits") ----------------
MAX_QUERY_CHARS = 1_000_000  # a VALUES block of 10,000 IRIs is ~0.5 MB
MAX_NESTING = 64  # open brackets { ( [ at once; real queries nest < 15
MAX_CHAIN = 512  # binary operators, UNIONs and path steps in the whole query
MAX_ELEMENTS = 2048  # pattern elements (triples, groups, FILTER, BIND, OPTIONAL, ...) in all
# Evaluation threads' stack. At the limits above the deepest query uses a small fraction of
# it; without them, 8 MiB (the default) overflowed at 2,203 nested groups, 956 nested calls.
EVALUATION_STACK = 64 * 2**20

_FORM = re.compile(
    r"(?<![\w?$:])(SELECT|CONSTRUCT|DESCRIBE|ASK|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)(?![\w:])",
    re.IGNORECASE,
)
UPDATE_KEYWORDS = frozenset(
    ["INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"]
)
_SERVICE = re.compile("service", re.IGNORECASE)
_LOAD = re.compile("load", re.IGNORECASE)
# Links of a chain, in code: binary operators (||, &&, comparisons, + - * /), path
# alternatives and sequences (| /), and UNION. '-' and '.' inside prefixed names are code
# too, so a name counts its hyphens: the limit is set far above any real query's count.
# Elements of group patterns, which Oxigraph joins one by one (5,000 BINDs or MINUS groups
# overflowed the default stack): triple separators and the keywords that start an element.
_ELEMENT = re.compile(r"[.;{]|bind|filter|minus|optional|values|graph", re.IGNORECASE)
_CHAIN = re.compile(r"\|\||&&|!=|<=|>=|[!=<>+\-*/|^]|union", re.IGNORECASE)


def screen(sparql: str, *, update: bool = False) -> None:
    """Refuse what would make the server contact another host (before evaluation)."""
    for code in readings(sparql):
        if _SERVICE.search(code):
            raise QueryRejected(
                "SERVICE (federated query) is not allowed: this endpoint never contacts other "
                "hosts. Query the other endpoint yourself, or load its data into your own store. "
                "(The letters S-E-R-V-I-C-E are refused anywhere outside strings, IRIs and "
                "comments, in names too.)"
            )
        if update and _LOAD.search(code):
            raise QueryRejected("LOAD is not allowed: this server never fetches data from other hosts.")


def nesting(code: str) -> int:
    """The deepest nesting of ``{``, ``(`` and ``[`` in ``code`` (strings etc. blanked)."""
    depth = deepest = 0
    for match in re.finditer(r"[{(\[\])}]", code):
        if match.group() in "{([":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def chain_links(code: str) -> int:
    """How many operator, path and UNION links ``code`` holds."""
    return len(_CHAIN.findall(code))


def elements(code: str) -> int:
    """How many group-pattern elements ``code`` holds (an upper bound: '.' in names count)."""
    return len(_ELEMENT.findall(code))


def check_limits(sparql: str) -> None:
    """Refuse a query too large or too deeply built to parse safely (a 400 naming the limit)."""
    if len(sparql) > MAX_QUERY_CHARS:
        raise QueryRejected(
            f"the query has {len(sparql):,} characters, more than this endpoint's limit of "
            f"{MAX_QUERY_CHARS:,} (MAX_QUERY_CHARS). Split it, or download a dump from /dumps/."
        )
    for code in readings(sparql):
        depth = nesting(code)
        if depth > MAX_NESTING:
            raise QueryRejected(
                f"the query nests {depth} brackets deep ({{ ( [), more than this endpoint's limit "
                f"of {MAX_NESTING} (MAX_NESTING). Flatten the groups or expressions."
            )
        links = chain_links(code)
        if links > MAX_CHAIN:
            raise QueryRejected(
                f"the query chains {links} operators, UNIONs and path steps, more than this "
                f"endpoint's limit of {MAX_CHAIN} (MAX_CHAIN). Use VALUES or IN (…) for long "
                "lists of alternatives."
            )
        count = elements(code)
        if count > MAX_ELEMENTS:
            raise QueryRejected(
                f"the query has {count} pattern elements (triples, groups, FILTER, BIND, ...), more "
                f"than this endpoint's limit of {MAX_ELEMENTS} (MAX_ELEMENTS). Use VALUES for long "
                "lists of values, or split the query."
            )


def is_update(sparql: str) -> bool:
    """Whether the text reads as a SPARQL update (first operation keyword after the prologue)."""
    for code in readings(sparql):
        match = _FORM.search(code)
        if match and match.group(1).upper() in UPDATE_KEYWORDS:
            return True
    return False


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def has_relative_iri(sparql: str) -> bool:
    """Whether the query has an IRI without a scheme (``<s>``, ``<>``, ``BASE <x/>``), read
    through the grammar's terminals: only such a query needs a base IRI. pyoxigraph given a
    base IRI evaluated ``mechanism_paths`` 2-3x slower (measured: 182-304 ms against
    425-716 ms at 100k), so the base is passed only when something resolves against it."""
    for part in segments(sparql):
        if part.kind == "iri" and not _SCHEME.match(decode_escapes(sparql[part.start + 1 : part.end - 1])):
            return True
    return False
