"""Every kind of evidence, one module each: a module declares one typed `SOURCE` (assurance_jobs/source.py) with its
collector, its parser, the tables it feeds and the IAM actions it needs; `registry.py` lists them.

Adding a source is one module here and one line in `registry.SOURCES` (docs/design.md, "Adding a source").
"""
