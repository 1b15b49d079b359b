"""`ssm_managed_instances`: the nodes Systems Manager manages per region. An EC2 node runs as its instance's
profile role (from `ec2_instances`); a hybrid node (`mi-…`) as the `IamRole` of its activation."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "ssm_managed_instances"
KINDS = ("ssm_managed_instance",)
EC2_INSTANCE = "EC2Instance"


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _nodes)


def _nodes(page: dict[str, Any], place: Place) -> list[ListedResource]:
    found = []
    for node in dicts(page.get("InstanceInformationList")):
        node_id = text(node.get("InstanceId"))
        if node_id is None:
            continue
        if node.get("ResourceType") == EC2_INSTANCE or node_id.startswith("i-"):
            arn = place.arn("ec2", f"instance/{node_id}")
            found.append(ListedResource("ssm_managed_instance", arn, instance_id=node_id))
            continue
        role = text(node.get("IamRole"))
        arn = place.arn("ssm", f"managed-instance/{node_id}")
        found.append(ListedResource("ssm_managed_instance", arn, place.role_arn(role) if role else None))
    return found
