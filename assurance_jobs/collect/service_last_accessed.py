"""IAM Access Advisor (service last accessed) per principal: start one job each, poll them all, keep the services.

Why a hand-written poll, like the credential report's: GenerateServiceLastAccessedDetails is asynchronous — AWS
answers with a JobId and GetServiceLastAccessedDetails says IN_PROGRESS until the job is COMPLETED or FAILED.
That is not a transport error, so botocore's retries (rightly) do not wait for it. Every job is started first and
then polled round-robin under one deadline, so an account with a thousand principals waits roughly once, not a
thousand times; a job still running at the deadline is recorded as `TIMED_OUT`, never dropped.

Kept per principal: its ARN, the job's status and completion date, and per service `ServiceNamespace`,
`ServiceName`, `LastAuthenticated`, `LastAuthenticatedEntity`, `LastAuthenticatedRegion`,
`TotalAuthenticatedEntities` (all pages, `Marker`) — names and times, no secrets. Service-linked roles are skipped:
NHI-RT-005 never judges them. People cannot be told apart at collection time (the human marker is applied in the
inventory), so their jobs run too; only NHI rows are judged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

GRANULARITY = "SERVICE_LEVEL"
SERVICE_FIELDS = (
    "ServiceNamespace",
    "ServiceName",
    "LastAuthenticated",
    "LastAuthenticatedEntity",
    "LastAuthenticatedRegion",
    "TotalAuthenticatedEntities",
)
SERVICE_LINKED_PATH = "/aws-service-role/"
TIMED_OUT = "TIMED_OUT"
START_FAILED = "START_FAILED"
PAGE_SIZE = 1000


@dataclass(frozen=True)
class AdvisorPolling:
    """The wait budget for all of an account's jobs together; tests swap in a fake clock and sleep."""

    timeout_seconds: float = 300.0
    first_delay: float = 1.0
    max_delay: float = 15.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


DEFAULT_POLLING = AdvisorPolling()


def principals(iam: Any) -> list[str]:
    """Every user and role ARN (all pages), service-linked roles left out; ClientError propagates."""
    found = [u["Arn"] for page in iam.get_paginator("list_users").paginate() for u in page.get("Users", [])]
    for page in iam.get_paginator("list_roles").paginate():
        found += [
            r["Arn"] for r in page.get("Roles", []) if not str(r.get("Path", "/")).startswith(SERVICE_LINKED_PATH)
        ]
    return found


def collect(iam: Any, arns: Iterable[str], polling: AdvisorPolling = DEFAULT_POLLING) -> list[dict[str, Any]]:
    """One record per principal: COMPLETED with its services, or FAILED / TIMED_OUT / START_FAILED with why."""
    records: dict[str, dict[str, Any]] = {}
    pending: dict[str, str] = {}
    for arn in arns:
        try:
            job = iam.generate_service_last_accessed_details(Arn=arn, Granularity=GRANULARITY)["JobId"]
        except (ClientError, BotoCoreError) as error:
            records[arn] = {"Arn": arn, "JobStatus": START_FAILED, "Error": _error(error)}
            continue
        records[arn], pending[arn] = {"Arn": arn, "JobId": job}, job
    deadline, delay = polling.clock() + polling.timeout_seconds, polling.first_delay
    while pending:
        for arn, job in list(pending.items()):
            result = _poll(iam, job)
            if result is not None:
                records[arn] |= result
                del pending[arn]
        if not pending:
            break
        if polling.clock() + delay > deadline:
            for arn in pending:
                records[arn]["JobStatus"] = TIMED_OUT
                records[arn]["Error"] = {
                    "Code": TIMED_OUT,
                    "Message": f"not done after {polling.timeout_seconds:.0f} s",
                }
            break
        polling.sleep(delay)
        delay = min(delay * 2, polling.max_delay)
    return list(records.values())


def _poll(iam: Any, job: str) -> dict[str, Any] | None:
    """The finished job's record (every page), or None while it is IN_PROGRESS."""
    try:
        page = iam.get_service_last_accessed_details(JobId=job, MaxItems=PAGE_SIZE)
    except (ClientError, BotoCoreError) as error:
        return {"JobStatus": "FAILED", "Error": _error(error)}
    status = page.get("JobStatus")
    if status == "IN_PROGRESS":
        return None
    if status != "COMPLETED":
        return {"JobStatus": str(status), "Error": _job_error(page)}
    services = [_service(s) for s in page.get("ServicesLastAccessed", [])]
    try:
        while page.get("IsTruncated") and page.get("Marker"):
            page = iam.get_service_last_accessed_details(JobId=job, MaxItems=PAGE_SIZE, Marker=page["Marker"])
            services += [_service(s) for s in page.get("ServicesLastAccessed", [])]
    except (ClientError, BotoCoreError) as error:  # some pages read: the principal's record is not complete
        return {"JobStatus": "FAILED", "Error": _error(error), "ServicesLastAccessed": services}
    return {
        "JobStatus": "COMPLETED",
        "JobCompletionDate": page.get("JobCompletionDate"),
        "ServicesLastAccessed": services,
    }


def _service(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: entry[name] for name in SERVICE_FIELDS if entry.get(name) is not None}


def _job_error(page: dict[str, Any]) -> dict[str, str]:
    error = page.get("Error") or {}
    return {"Code": str(error.get("Code") or page.get("JobStatus")), "Message": str(error.get("Message") or "")}


def _error(error: ClientError | BotoCoreError) -> dict[str, str]:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return {"Code": details.get("Code") or "ClientError", "Message": details.get("Message") or str(error)}
    return {"Code": type(error).__name__, "Message": str(error)}


def failed(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for record in records if record.get("JobStatus") != "COMPLETED"]
