"""`ecs_clusters`: the ECS clusters per region and their container instances (their existence only).

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_ecs_clusters
from assurance_jobs.scan.sources import ecs_clusters
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=ecs_clusters.SOURCE,
    api="ecs:ListClusters",
    description=("the ECS clusters per region and their container instances (their existence only)"),
    regional=True,
    iam_actions=("ecs:ListClusters", "ecs:ListContainerInstances"),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_ecs_clusters,
    parse=ecs_clusters.parse,
    parsed_in="privesc",
)
