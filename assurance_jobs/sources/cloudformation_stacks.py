"""`cloudformation_stacks`: the CloudFormation stacks per region with their service role (never parameters, outputs or
templates).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_cloudformation_stacks
from assurance_jobs.scan.sources import cloudformation_stacks
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=cloudformation_stacks.SOURCE,
    api="cloudformation:DescribeStacks",
    description=(
        "the CloudFormation stacks per region with their service role (never parameters, outputs or templates)"
    ),
    regional=True,
    iam_actions=("cloudformation:DescribeStacks",),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_cloudformation_stacks,
    parse=cloudformation_stacks.parse,
    parsed_in="privesc",
)
