"""`ec2_instances`: the EC2 instances per region with their instance profile (never user data); the profile's role
comes from the authorization details.

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_ec2_instances
from assurance_jobs.scan.sources import ec2_instances
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=ec2_instances.SOURCE,
    api="ec2:DescribeInstances",
    description=(
        "the EC2 instances per region with their instance profile (never user data); the profile's role comes from "
        "the authorization details"
    ),
    regional=True,
    iam_actions=("ec2:DescribeInstances",),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_ec2_instances,
    parse=ec2_instances.parse,
    parsed_in="privesc",
)
