"""`cloudformation_stack_sets`: the active StackSets per region (their existence only).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_cloudformation_stack_sets
from assurance_jobs.scan.sources import cloudformation_stack_sets
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=cloudformation_stack_sets.SOURCE,
    api="cloudformation:ListStackSets",
    description=("the active StackSets per region (their existence only)"),
    regional=True,
    iam_actions=("cloudformation:ListStackSets",),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_cloudformation_stack_sets,
    parse=cloudformation_stack_sets.parse,
    parsed_in="privesc",
)
