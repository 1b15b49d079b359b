"""`cloudformation_stack_sets`: the active self-managed StackSets per region (only their existence matters: a
StackSet to add an instance to)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "cloudformation_stack_sets"
KINDS = ("cloudformation_stack_set",)


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _stack_sets)


def _stack_sets(page: dict[str, Any], place: Place) -> list[ListedResource]:
    return [
        ListedResource("cloudformation_stack_set", place.arn("cloudformation", f"stackset/{stack_set_id}"))
        for summary in dicts(page.get("Summaries"))
        if (stack_set_id := text(summary.get("StackSetId"))) and summary.get("Status", "ACTIVE") == "ACTIVE"
    ]
