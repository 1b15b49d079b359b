"""Approved baseline, just-in-time grants, AI agent registry and day-over-day drift (issue 5).

Everything here is pure except the file loaders in ``model`` (which read the reviewed YAML files): facts and drift
take DataFrames and return DataFrames, so they run unchanged on any stored snapshot.
"""
