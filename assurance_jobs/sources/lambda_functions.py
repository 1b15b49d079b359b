"""`lambda_functions`: the Lambda functions per region with the execution role each runs as (name, ARN, role, runtime
— never code or environment variables).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_lambda_functions
from assurance_jobs.scan.sources import lambda_functions
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=lambda_functions.SOURCE,
    api="lambda:ListFunctions",
    description=(
        "the Lambda functions per region with the execution role each runs as (name, ARN, role, runtime — never code "
        "or environment variables)"
    ),
    regional=True,
    iam_actions=("lambda:ListFunctions",),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_lambda_functions,
    parse=lambda_functions.parse,
    parsed_in="privesc",
)
