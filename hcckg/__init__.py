"""hcckg: a knowledge graph of second-line HCC treatment after immunotherapy."""

__version__ = "0.1.0"
