"""`token_probes`: active runtime probes — a short-lived token replayed after expiry (docs/probes.md)."""

from assurance_jobs.probes.evidence import PROBE_API, PROBE_SOURCE
from assurance_jobs.source import Source

SOURCE = Source(
    name=PROBE_SOURCE,
    api=PROBE_API,
    kind="probe",
    description="active runtime probes: a short-lived token (OAuth2 client credentials or an STS session) replayed "
    "after expiry; stored under probes/<date>/<probe_run_id>/ by the probe job (docs/probes.md)",
    optional=True,
    tables=("probes",),
    collected_by="steps/probes.py (the probe job; its table is built from the day's newest probe run)",
)
