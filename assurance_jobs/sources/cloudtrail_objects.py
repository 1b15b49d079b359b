"""`cloudtrail_objects`: the covered day's CloudTrail log objects per region (key, ETag, size, sha256)."""

from assurance_jobs.collect.cloudtrail import CLOUDTRAIL_OBJECTS, LIST_API
from assurance_jobs.source import Source

SOURCE = Source(
    name=CLOUDTRAIL_OBJECTS,
    api=LIST_API,
    kind="aws",
    description="the covered day's CloudTrail log objects per region: key, ETag, size, sha256, hours without objects",
    regional=True,
    iam_actions=("s3:ListBucket",),
    tables=("activity",),
    optional=True,
    scope="trail",
    collected_by="collect/cloudtrail.py (per trail, with the day)",
)
