"""`ec2_instances`: the EC2 instances per region (not terminated) and the instance profile each runs with; the
profile's role comes from the authorization details (`InstanceProfileList`)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "ec2_instances"
KINDS = ("ec2_instance",)
GONE = frozenset({"shutting-down", "terminated"})


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _instances)


def _instances(page: dict[str, Any], place: Place) -> list[ListedResource]:
    found = []
    for reservation in dicts(page.get("Reservations")):
        for instance in dicts(reservation.get("Instances")):
            instance_id, state = text(instance.get("InstanceId")), instance.get("State")
            if instance_id is None or (isinstance(state, dict) and state.get("Name") in GONE):
                continue
            profile = instance.get("IamInstanceProfile")
            profile_arn = text(profile.get("Arn")) if isinstance(profile, dict) else None
            arn = place.arn("ec2", f"instance/{instance_id}")
            found.append(ListedResource("ec2_instance", arn, instance_profile_arn=profile_arn, instance_id=instance_id))
    return found
