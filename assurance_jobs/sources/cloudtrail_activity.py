"""`cloudtrail_activity`: the day's CloudTrail records reduced to activity rows — never request or response bodies."""

from assurance_jobs.collect.cloudtrail import CLOUDTRAIL_ACTIVITY, READ_API
from assurance_jobs.scan.sources import cloudtrail_activity
from assurance_jobs.source import Source

SOURCE = Source(
    name=CLOUDTRAIL_ACTIVITY,
    api=READ_API,
    kind="aws",
    description="the day's CloudTrail records reduced to activity rows (principal, call, network, agent, error, "
    "counts); status carries log coverage — never request or response bodies",
    regional=True,
    iam_actions=("s3:GetObject",),
    extension="parquet",
    tables=("activity",),
    optional=True,
    scope="trail",
    parse=cloudtrail_activity.parse,
    parsed_in="runtime",
    collected_by="collect/cloudtrail.py (per trail, with the day)",
)
