"""`cloudtrail_history`: stored, fully covered days of activity (NHI-RT-005 judges unused grants over them)."""

from assurance_jobs.source import Source

SOURCE = Source(
    name="cloudtrail_history",
    api="history:cloudtrail_activity",
    kind="history",
    description="90 days of stored, fully covered activity (NHI-RT-005 judges unused grants over it)",
    optional=True,
    collected_by="steps/inventory.py (read from activity/<date>/)",
)
