"""The files the product ships beside its code: rule suites, framework catalogue, report templates, example baseline.

They live at the repository's top level (`expectations/`, `reports/`, `baseline/`) where reviewers find them, and
`assurance_jobs/` holds a relative symlink to each, so the same path works everywhere: from a checkout (or
`PYTHONPATH` pointing at one), from an editable install, and from a wheel, where setuptools copies the files the
links point to into the package. Everything is located through `importlib.resources`, never `__file__`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXPECTATIONS = "expectations"
FRAMEWORKS = "reports/frameworks"
TEMPLATES = "reports/templates"
EXAMPLE_BASELINE = "example_baseline"
DEMO_DATA = "demo/data"


def asset_folder(name: str) -> Path:
    """The packaged folder `name` (one of the constants above) as a filesystem path."""
    root = resources.files("assurance_jobs")
    if not isinstance(root, Path):  # a zip import: the folders would have to be extracted first
        raise RuntimeError("assurance_jobs must be installed as files (not imported from a zip) to read its assets")
    return root.joinpath(*name.split("/"))
