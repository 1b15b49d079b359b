"""`baseline`: the approved baseline files, copied into the inventory partition with their sha256 (NHI-BL-*)."""

from assurance_jobs.source import Source

SOURCE = Source(
    name="baseline",
    api="file:baseline_dir",
    kind="file",
    description="the approved baseline YAML files, copied into the inventory partition with their sha256 "
    "(cited on NHI-BL-*)",
    optional=True,
    extension="yaml",
    collected_by="steps/inventory.py (copied at each evaluation: a reviewed change takes effect on re-evaluation)",
)
