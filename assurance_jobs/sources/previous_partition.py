"""`previous_partition`: the latest earlier stored day, for drift."""

from assurance_jobs.source import Source

SOURCE = Source(
    name="previous_partition",
    api="history:previous_partition",
    kind="history",
    description="the latest earlier stored day, for drift",
    collected_by="steps/inventory.py (read from storage)",
)
