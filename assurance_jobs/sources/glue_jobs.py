"""`glue_jobs`: the Glue job names per region (their existence only; never a job's arguments).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_glue_jobs
from assurance_jobs.scan.sources import glue_jobs
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=glue_jobs.SOURCE,
    api="glue:ListJobs",
    description=("the Glue job names per region (their existence only; never a job's arguments)"),
    regional=True,
    iam_actions=("glue:ListJobs",),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_glue_jobs,
    parse=glue_jobs.parse,
    parsed_in="privesc",
)
