"""`glue_jobs`: the Glue job names per region (only their existence matters: a job to update or start)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "glue_jobs"
KINDS = ("glue_job",)


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _jobs)


def _jobs(page: dict[str, Any], place: Place) -> list[ListedResource]:
    names = page.get("JobNames") if isinstance(page.get("JobNames"), list) else []
    return [ListedResource("glue_job", place.arn("glue", f"job/{name}")) for name in names if text(name)]
