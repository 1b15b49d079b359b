"""`ssm_managed_instances`: the nodes Systems Manager manages per region (id, type, ping status, a hybrid node's
role).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_ssm_managed_instances
from assurance_jobs.scan.sources import ssm_managed_instances
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=ssm_managed_instances.SOURCE,
    api="ssm:DescribeInstanceInformation",
    description=("the nodes Systems Manager manages per region (id, type, ping status, a hybrid node's role)"),
    regional=True,
    iam_actions=("ssm:DescribeInstanceInformation",),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_ssm_managed_instances,
    parse=ssm_managed_instances.parse,
    parsed_in="privesc",
)
