"""What every resource source's parser shares (not a source itself): completeness from the source's statuses,
resources from its pages, ARNs built in the account's partition and region.

A source with no status for an account was not collected there (switched off, or a snapshot older than the
source): its parser returns None, and the methods needing it stay undecidable. A status other than `ok` in any
region — denied, throttled, truncated — makes the listing incomplete, with why, for the whole account: the
escalation analysis then reads that (account, kind) as unreadable, never as "none".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, load_pages
from assurance_jobs.snapshot.model import STS_CALLER_IDENTITY, Snapshot


@dataclass(frozen=True)
class Place:
    """Where a page was read: the account, its partition and the region (for ARNs the listing does not give)."""

    account_id: str
    partition: str
    region: str

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"

    def role_arn(self, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role/{name}"


PageReader = Callable[[dict[str, Any], Place], Iterable[ListedResource]]


def text(value: Any) -> str | None:
    """A non-empty string field, else None."""
    return value if isinstance(value, str) and value else None


def partition_of(snapshot: Snapshot, account_id: str) -> str:
    """ "aws", "aws-us-gov" or "aws-cn", from the caller identity's ARN (default "aws")."""
    try:
        pages = snapshot.pages(account_id, STS_CALLER_IDENTITY) or []
        return str(pages[0]["Arn"]).split(":")[1] or "aws"
    except (KeyError, IndexError, TypeError, ValueError):
        return "aws"


def listing(
    snapshot: Snapshot, account_id: str, source: str, kinds: tuple[str, ...], ctx: Context, read: PageReader
) -> ResourceListing | None:
    """The account's resources of `source` over every region it was collected in, with why it is incomplete."""
    statuses = [s for s in snapshot.manifest.collection_status if (s.account_id, s.source) == (account_id, source)]
    if not statuses:
        return None
    problems = [
        f"{s.api} {s.error_code or s.status} in {s.region or 'the account'}" for s in statuses if s.status != "ok"
    ]
    partition = partition_of(snapshot, account_id)
    resources: list[ListedResource] = []
    for status in statuses:
        if snapshot.file(account_id, source, status.region) is None:
            problems += [] if status.status != "ok" else [f"{source} file missing for {status.region}"]
            continue
        loaded = load_pages(snapshot, account_id, source, status.region, ctx.warnings)
        if loaded is None:
            problems.append(f"{source} file unreadable for {status.region}")
            continue
        place = Place(account_id, partition, status.region or "")
        for page in loaded[0]:
            resources += read(page, place)
    return ResourceListing(account_id, kinds, tuple(resources), "; ".join(problems))
