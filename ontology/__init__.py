"""The hcckg OWL ontology: Turtle source, term constants, reasoning and release build."""
