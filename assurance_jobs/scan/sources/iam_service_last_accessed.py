"""`iam_service_last_accessed`: Access Advisor records per principal (collect/service_last_accessed.py) — pure.

A principal whose job COMPLETED maps to {service namespace: last authenticated (None: never, in the advisor's
~400-day tracking period)}; one whose job failed, timed out or could not start maps to None — unknown, so its
NHI-RT-005 facts are not judged from it (scan/runtime.py). So does one whose `LastAuthenticated` cannot be read:
an unreadable time is not "never used" (that would fail NHI-RT-005 on a parse error), it is unknown, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assurance_jobs.scan.sources.common import Context, dicts, load_pages
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "iam_service_last_accessed"


@dataclass(frozen=True)
class ServiceLastAccessed:
    """principal ARN -> {service namespace: last authenticated or None}, or None when its job gave no data."""

    services: dict[str, dict[str, datetime | None] | None]


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ServiceLastAccessed | None:
    """None when the snapshot holds no advisor file for the account (not enabled, or the listing failed)."""
    loaded = load_pages(snapshot, account_id, SOURCE, None, ctx.warnings)
    if loaded is None:
        return None
    found: dict[str, dict[str, datetime | None] | None] = {}
    for record in loaded[0]:
        arn = record.get("Arn")
        if not arn:
            continue
        if record.get("JobStatus") != "COMPLETED":
            found[str(arn)] = None
            continue
        found[str(arn)] = _services(str(arn), record, ctx)
    return ServiceLastAccessed(found)


def _services(arn: str, record: dict, ctx: Context) -> dict[str, datetime | None] | None:
    """{namespace: last authenticated}; None (unknown) when any LastAuthenticated is present but unreadable."""
    services: dict[str, datetime | None] = {}
    for service in dicts(record.get("ServicesLastAccessed")):
        namespace = service.get("ServiceNamespace")
        if not namespace:
            continue
        raw = service.get("LastAuthenticated")
        last = ctx.time(raw, f"{arn} {namespace}")
        if last is None and raw not in (None, ""):
            ctx.warnings.append(f"{arn}: Access Advisor data treated as unknown (unreadable LastAuthenticated)")
            return None
        services[str(namespace)] = last
    return services
