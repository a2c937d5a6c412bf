"""The ground layer: settings, errors, IRIs, terms and the SPARQL text reader. Every stage may
import it; it imports no stage (tests/test_layout.py)."""
