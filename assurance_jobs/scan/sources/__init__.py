"""One parser module per snapshot source (see docs/design.md, "Adding a source")."""
