"""`sts_caller_identity`: the account id the credentials resolve to; it names the account of every row."""

from assurance_jobs.collect.aws import collect_caller_identity
from assurance_jobs.snapshot.model import STS_CALLER_IDENTITY
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=STS_CALLER_IDENTITY,
    api="sts:GetCallerIdentity",
    description="the account id the credentials resolve to (single response)",
    iam_actions=("sts:GetCallerIdentity",),
    # It names the account of every row: rows of an account that could not be identified prove nothing.
    tables=("identities", "credentials", "agents"),
    collect=collect_caller_identity,
)
