"""`glue_dev_endpoints`: the Glue development endpoints per region and the role each runs as (`RoleArn`)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "glue_dev_endpoints"
KINDS = ("glue_dev_endpoint",)


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _endpoints)


def _endpoints(page: dict[str, Any], place: Place) -> list[ListedResource]:
    return [
        ListedResource("glue_dev_endpoint", place.arn("glue", f"devEndpoint/{name}"), text(endpoint.get("RoleArn")))
        for endpoint in dicts(page.get("DevEndpoints"))
        if (name := text(endpoint.get("EndpointName")))
    ]
