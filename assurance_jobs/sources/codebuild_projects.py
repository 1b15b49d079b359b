"""`codebuild_projects`: the CodeBuild projects per region with their service role (never the build environment or
source).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_codebuild_projects
from assurance_jobs.scan.sources import codebuild_projects
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=codebuild_projects.SOURCE,
    api="codebuild:ListProjects",
    description=("the CodeBuild projects per region with their service role (never the build environment or source)"),
    regional=True,
    iam_actions=("codebuild:ListProjects", "codebuild:BatchGetProjects"),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_codebuild_projects,
    parse=codebuild_projects.parse,
    parsed_in="privesc",
)
