"""Hostile HTTP requests for ``make fuzz`` (bench/fuzz.py), generated from a seed.

:func:`generate` writes one request as raw bytes, so framing can be broken too: malformed
SPARQL (mutated named queries), deep nesting, huge VALUES, regex bombs, SERVICE and LOAD
spellings, invalid UTF-8, bad percent-encoding, odd Accept / Content-Type /
Content-Length, broken chunking, bad headers, TLS hellos, path traversal, page paths that
make no IRI, odd methods and bad named-query parameters.
"""

from __future__ import annotations

import random
import urllib.parse
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"


def named_queries() -> list[str]:
    texts = [p.read_text() for p in sorted(QUERIES_DIR.glob("*.rq"))]
    return [t for t in texts if "{" in t] or ["SELECT * WHERE { ?s ?p ?o } LIMIT 1"]


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(text) + 1)
        choice = rng.randrange(6)
        if choice == 0:
            text = text[:i]
        elif choice == 1:
            text = (
                text[:i]
                + rng.choice(["{", "}", "(", ")", '"', "'", "<", "\\", "#", "\x00", "\ufffd", "?"])
                + text[i:]
            )
        elif choice == 2:
            text = text[:i] + text[rng.randrange(len(text) + 1) :]
        elif choice == 3:
            text = (
                text[:i] + rng.choice(["\\u0000", "\\UFFFFFFFF", "\\U0010FFFF", "\\ud800", "\\u"]) + text[i:]
            )
        elif choice == 4:
            text = (
                text[:i]
                + rng.choice([" SERVICE <http://127.0.0.1:9/> {} ", " LOAD <http://127.0.0.1:9/> "])
                + text[i:]
            )
        else:
            text = text[:i] + text[i:][::-1]
    return text


def _deep(rng: random.Random) -> str:
    n = rng.choice([10, 60, 70, 500, 2300, 5000, 20000])
    kind = rng.randrange(6)
    if kind == 0:
        return "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n
    if kind == 1:
        return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * n + "?o" + ")" * n + ") }"
    if kind == 2:
        return "SELECT * WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * n) + " > 0) }"
    if kind == 3:
        return "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }"
    if kind == 4:
        return "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * min(n, 400)) + " ?o }"
    return "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?b{i})" for i in range(n)) + " }"


def _values(rng: random.Random) -> str:
    n = rng.choice([1000, 10_000, 60_000, 200_000])
    return "SELECT * WHERE { VALUES ?x { " + " ".join(str(i) for i in range(n)) + " } } LIMIT 5"


REGEX_BOMBS = ["(a+)+$", "(a|aa)*b", "(.*){1,32000}", "a{1000}{1000}", "((((((((a*)*)*)*)*)*)*)*)", "[", "\\"]


def _regex(rng: random.Random) -> str:
    pattern = rng.choice(REGEX_BOMBS).replace("\\", "\\\\")
    return f'SELECT ?s WHERE {{ ?s ?p ?o FILTER(REGEX(STR(?o), "{pattern}")) }} LIMIT 10'


def _sparql(rng: random.Random, named: list[str]) -> str:
    kind = rng.randrange(8)
    if kind <= 2:
        return _mutate(rng, rng.choice(named))
    if kind == 3:
        return _deep(rng)
    if kind == 4:
        return _values(rng) if rng.random() < 0.3 else _regex(rng)
    if kind == 5:
        return rng.choice(
            [
                'SELECT ("\\UFFFFFFFF" AS ?x) {}',
                "PREFIX ex: <http://e/>\nASK { ?s ?p ex:a\\# } SERVICE <http://127.0.0.1:9/> { ?x ?y ?z }",
                "SERVICE:a { ?s ?p ?o }",
                "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
                "LOAD <http://127.0.0.1:9/>",
                "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999",
                "SELECT (STRDT('1', <http://www.w3.org/2001/XMLSchema#integer>) + 'x' AS ?y) {}",
                "DESCRIBE ?s WHERE { ?s ?p ?o }",
                "CONSTRUCT WHERE { ?s ?p ?o }",
            ]
        )
    if kind == 6:  # a cross product: runs into the time limit, and the worker retires
        if rng.random() < 0.04:
            return "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        return "SELECT * WHERE { ?s ?p ?o } LIMIT 3"
    return "".join(chr(rng.randrange(1, 0x2FF)) for _ in range(rng.randint(0, 80)))


def _quote(text: str, rng: random.Random) -> str:
    """Percent-encoded, sometimes badly (a stray %, a truncated escape, raw bytes)."""
    encoded = urllib.parse.quote(text, safe="")
    trick = rng.randrange(6)
    if trick == 0:
        return encoded + rng.choice(["%", "%f", "%zz", "%ff%fe", "%c0%af", "%ed%a0%80"])
    return encoded


def _request(method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\n".encode("latin-1", "replace")
    head += b"Host: fuzz\r\n" + b"".join(f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in headers)
    return head + b"\r\n" + body


ACCEPTS = [
    "*/*",
    "text/html",
    "application/sparql-results+json",
    "text/turtle;q=x",
    ";;;,,,",
    "text/*;q=0.5, */*;q=0.1, application/xml;q=1.1",
    "a" * 5000,
    "application/sparql-results+xml, text/csv;q=0",
]
PATHS = [
    "/resource/a%20b", "/resource/%ff", "/resource/%22", "/resource/%7B", "/graph/%3C", "/ontology/%5C",
    "/resource/drug/x%00", "/dumps/../../etc/passwd", "/dumps/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/../server/__init__.py", "/static/%2e%2e/pages.py", "//etc/passwd", "/resource/" + "a" * 5000,
    "/api/queries/..%2f..%2f", "/api/queries/trials?drug=%ff", "/api/queries/trials?drug=<script>",
    "/api/queries/trials?target=" + "x" * 3000, "/api/queries/trials?phase=-1&phase=99", "/api/queries/nope",
    "/api/queries/trials_for_patient?prior=%00", "/api/queries/search?text=(a%2B)%2B%24", "/.well-known/void?format=%ff",
    "/sparql?query=&query=", "/sparql?format=nonsense&query=ASK%7B%7D", "/health?x=%zz", "/%ff%fe", "/ontology/hcckg.%ff",
]  # fmt: skip


def generate(rng: random.Random, named: list[str]) -> bytes:
    """One hostile request."""
    kind = rng.randrange(10)
    accept = [("Accept", rng.choice(ACCEPTS))] if rng.random() < 0.5 else []
    if kind <= 3:
        return _request("GET", "/sparql?query=" + _quote(_sparql(rng, named), rng), accept)
    if kind == 4:
        body = ("query=" + _quote(_sparql(rng, named), rng)).encode()
        return _request(
            "POST",
            "/sparql",
            [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", str(len(body))),
                *accept,
            ],
            body,
        )
    if kind == 5:
        body = _sparql(rng, named).encode("utf-8", "surrogatepass")
        if rng.random() < 0.3:
            body += rng.choice([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x00"])
        ctype = rng.choice(
            [
                "application/sparql-query",
                "application/sparql-query; charset=latin-1",
                "text/plain",
                "",
                "application/sparql-update",
                "multipart/form-data; boundary=x",
            ]
        )
        return _request(
            "POST", "/sparql", [("Content-Type", ctype), ("Content-Length", str(len(body))), *accept], body
        )
    if kind == 6:  # broken framing
        body = b"ASK {}"
        return rng.choice(
            [
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "chunked")],
                    b"zz\r\nASK {}\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "chunked")],
                    b"-5\r\nASK {}\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "chunked")],
                    b"ffffffffffffffffff\r\nASK\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Content-Length", "-1")],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Content-Length", "abc")],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [
                        ("Content-Type", "application/sparql-query"),
                        ("Content-Length", "6"),
                        ("Content-Length", "7"),
                    ],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Content-Length", "999999999999")],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "gzip, chunked")],
                    b"6\r\nASK {}\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [
                        ("Content-Type", "application/sparql-query"),
                        ("Content-Length", "6"),
                        ("Transfer-Encoding", "chunked"),
                    ],
                    b"6\r\nASK {}\r\n0\r\n\r\n",
                ),
            ]
        )
    if kind == 7:  # bad headers
        return rng.choice(
            [
                b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad\x00: 1\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\n"
                + b"".join(b"X-%d: 1\r\n" % i for i in range(300))
                + b"\r\n",
                b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
                b"GET /health\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
                + bytes(rng.randrange(256) for _ in range(60)),
                b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\nAccept: \xff\xfe\r\n\r\n",
                b"GET /health HTTP/1.1\nHost: x\n\n",
            ]
        )
    if kind == 8:
        method = rng.choice(["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "FOO", "G\x00T", "CONNECT"])
        return _request(
            method, rng.choice(["/sparql", "/", "/resource/drug/x", "*"]), accept + [("Content-Length", "0")]
        )
    return _request("GET", rng.choice(PATHS), accept)
