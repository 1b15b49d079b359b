"""The escalation analysis' collected inputs, read from one snapshot (pure: its bytes in, typed inputs out).

WHY a module of its own: the resource sources (Lambda functions, stacks, instances, …) and the organization's
policies each have a parser of the one signature (`parse(snapshot, account_id, ctx)`, parsed_in "privesc"); this
is where their results meet. Like `TableRows` for the inventory tables, the result's type says what it is: every
`ResourceListing` goes into one `ResourceInventory` (roles resolved through the authorization details' instance
profiles), and the `Organization` is the one the discovery's account yields. A new resource source is its module,
its registry line and its parser: nothing here changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assurance_jobs.scan.inventory import Parser
from assurance_jobs.scan.privesc_inputs import IamEstate, ResourceInventory, ResourceListing, resource_inventory_of
from assurance_jobs.scan.privesc_org import Organization
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import Snapshot


@dataclass(frozen=True)
class CollectedInputs:
    """What the collectors supplied (None: not collected, so the analysis says "undecidable" / "no guardrails")."""

    resources: ResourceInventory | None = None
    organization: Organization | None = None
    warnings: tuple[str, ...] = ()  # unreadable files, shown with the inventory's own


def collected_privesc_inputs(
    snapshot: Snapshot, parsers: Mapping[str, Parser], estate: IamEstate | None, ctx: Context
) -> CollectedInputs:
    """Every `parsers` result over every account the snapshot holds, typed into the analysis' inputs."""
    manifest = snapshot.manifest
    accounts = sorted(set(manifest.accounts) | {entry.account_id for entry in manifest.files})
    listings: list[ResourceListing] = []
    organization: Organization | None = None
    for parse in parsers.values():
        for account_id in accounts:
            found = parse(snapshot, account_id, ctx)
            if isinstance(found, ResourceListing):
                listings.append(found)
            elif isinstance(found, Organization) and organization is None:
                organization = found
    return CollectedInputs(resource_inventory_of(listings, estate), organization, tuple(ctx.warnings))
