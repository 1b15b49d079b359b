"""`sts_assume_role`: entering an account's role failed, or the organization lists it as suspended."""

from assurance_jobs.snapshot.model import STS_ASSUME_ROLE
from assurance_jobs.source import Source

SOURCE = Source(
    name=STS_ASSUME_ROLE,
    api="sts:AssumeRole",
    kind="aws",
    description="entering an account's role failed, or the organization lists the account as suspended: a status "
    "row only, recorded by the pipeline, that makes every rule INCOMPLETE for that account",
    iam_actions=("sts:AssumeRole",),
    collected_by="collect/plan.py (a status row when the account cannot be entered)",
)
