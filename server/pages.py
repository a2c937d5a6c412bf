"""Linked-data pages, the query page, VoID, dumps and /health."""

from __future__ import annotations

import os

from flask import Blueprint, jsonify

from hcckg import __version__
from server import site

bp = Blueprint("pages", __name__)


@bp.route("/health")
def health():
    store = site().store
    return jsonify({"status": "ok", "triples": store.count(), "version": __version__, "process": os.getpid()})
