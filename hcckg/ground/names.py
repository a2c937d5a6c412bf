"""The one normaliser of names: what two spellings of a name have in common.

Used wherever hcckg compares or slugs what people (or sources) write: matching registry
interventions to curated agents (``loaders/ctgov.py``), resolving the friendly values of
named-query parameters (``queries/params.py``) and minting resource keys
(``hcckg.ground.iris.slug``). Greek letters are spelled out before accents are stripped, so
"TGF-β1", "TGF-beta1" and "tgf beta 1" agree; the German sharp s that typesetting sometimes
puts for β ("TGF-ß1") reads as beta too. ``queries/search.rq`` applies the same mapping in
SPARQL.
"""

from __future__ import annotations

import re
import unicodedata

GREEK = {"α": "alpha", "β": "beta", "ß": "beta", "γ": "gamma", "κ": "kappa"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _ascii(text: str) -> str:
    lowered = text.lower()
    for letter, name in GREEK.items():
        lowered = lowered.replace(letter, name)
    return unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()


def normalise(text: str) -> str:
    """Case-, accent-, Greek- and punctuation-insensitive form: ``"TGF-β1"`` -> ``"tgfbeta1"``,
    ``"GT-90001"`` -> ``"gt90001"``."""
    return _NON_ALNUM.sub("", _ascii(text))


def slug(text: str) -> str:
    """The same form with words joined by ``-``, for keys:
    ``"Atezolizumab + Bevacizumab (AB)"`` -> ``"atezolizumab-bevacizumab-ab"``."""
    return _NON_ALNUM.sub("-", _ascii(text)).strip("-")


__all__ = ["GREEK", "normalise", "slug"]
