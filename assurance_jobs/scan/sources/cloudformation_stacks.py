"""`cloudformation_stacks`: the CloudFormation stacks per region and the service role each runs as (`RoleARN`;
a stack without one runs with its caller's permissions, so taking it over gains nothing)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "cloudformation_stacks"
KINDS = ("cloudformation_stack",)
GONE = "DELETE_COMPLETE"


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _stacks)


def _stacks(page: dict[str, Any], place: Place) -> list[ListedResource]:
    return [
        ListedResource("cloudformation_stack", arn, text(stack.get("RoleARN")))
        for stack in dicts(page.get("Stacks"))
        if (arn := text(stack.get("StackId"))) and stack.get("StackStatus") != GONE
    ]
