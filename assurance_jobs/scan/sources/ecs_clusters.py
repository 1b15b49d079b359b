"""`ecs_clusters`: the ECS clusters per region and their container instances (only their existence matters: a
cluster to run a task in, EC2 capacity to start one on)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "ecs_clusters"
KINDS = ("ecs_cluster", "ecs_container_instance")


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _clusters)


def _clusters(page: dict[str, Any], place: Place) -> list[ListedResource]:
    clusters = page.get("clusterArns") if isinstance(page.get("clusterArns"), list) else []
    found = [ListedResource("ecs_cluster", arn) for arn in clusters if text(arn)]
    for cluster in dicts(page.get("containerInstances")):
        arns = cluster.get("containerInstanceArns") if isinstance(cluster.get("containerInstanceArns"), list) else []
        found += [ListedResource("ecs_container_instance", arn) for arn in arns if text(arn)]
    return found
