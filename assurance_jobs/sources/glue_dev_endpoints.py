"""`glue_dev_endpoints`: the Glue development endpoints per region with their role (never arguments or public keys).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_glue_dev_endpoints
from assurance_jobs.scan.sources import glue_dev_endpoints
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=glue_dev_endpoints.SOURCE,
    api="glue:GetDevEndpoints",
    description=("the Glue development endpoints per region with their role (never arguments or public keys)"),
    regional=True,
    iam_actions=("glue:GetDevEndpoints",),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_glue_dev_endpoints,
    parse=glue_dev_endpoints.parse,
    parsed_in="privesc",
)
