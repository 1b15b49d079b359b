"""`learned_baseline`: the stored days of activity profiles each identity's learned baseline is built from."""

from assurance_jobs.source import Source

SOURCE = Source(
    name="learned_baseline",
    api="history:activity_profiles",
    kind="history",
    description="the stored days of activity profiles (`learned_baseline_days`) the learned rules judge against; "
    "a status per account says how many days are stored",
    optional=True,
    collected_by="steps/inventory.py (read from activity/<date>/)",
)
