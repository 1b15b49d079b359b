"""`codebuild_projects`: the CodeBuild projects per region and the service role each builds as."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "codebuild_projects"
KINDS = ("codebuild_project",)


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _projects)


def _projects(page: dict[str, Any], place: Place) -> list[ListedResource]:
    """A project whose details could not be read (`RoleArnError`) keeps its ARN from its name; the listing is
    then `partial`, so its unknown role is never taken as none."""
    return [
        ListedResource(
            "codebuild_project",
            text(project.get("arn")) or place.arn("codebuild", f"project/{name}"),
            text(project.get("serviceRole")),
        )
        for project in dicts(page.get("projects"))
        if (name := text(project.get("name")))
    ]
