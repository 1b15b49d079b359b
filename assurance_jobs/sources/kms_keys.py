"""`kms_keys`: KMS key ARNs per region with their tags — which Decrypts count as secrets-store reads."""

from assurance_jobs.collect.aws import collect_kms_keys
from assurance_jobs.scan.sources import kms_keys
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=kms_keys.SOURCE,
    api="kms:ListKeys",
    description="KMS key ARNs per region with their tags (never key material or policies): the tagged keys whose "
    "kms:Decrypt counts as a secrets-store read for NHI-RT-001; collected only where CloudTrail is read",
    regional=True,
    iam_actions=("kms:ListKeys", "kms:ListResourceTags"),
    optional=True,
    scope="trail",  # collected with the CloudTrail day, in the trail's regions
    collect=collect_kms_keys,
    parse=kms_keys.parse,
    parsed_in="runtime",
)
