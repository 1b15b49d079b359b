"""IAM Access Advisor (service last accessed) per principal: start one job each, poll them all, keep the services.

Why a hand-written poll, like the credential report's: GenerateServiceLastAccessedDetails is asynchronous — AWS
answers with a JobId and GetServiceLastAccessedDetails says IN_PROGRESS until the job is COMPLETED or FAILED.
That is not a transport error, so botocore's retries (rightly) do not wait for it. Every job is started first and
then polled round-robin under one deadline, so an account with a thousand principals waits roughly once, not a
thousand times; a job still running at the deadline is recorded as `TIMED_OUT`, never dropped. The deadline is
checked before every poll, not only between rounds, so thousands of principals cannot stretch the wait to several
times the budget: a job not polled in time is `TIMED_OUT` too (unknown, never PASS). The last wait is cut to the
deadline and followed by one more poll (allowed `grace_seconds` past it), so no budget is given up early.

A throttled or transient poll (botocore's standard-retry throttling codes, `ServiceUnavailable`, a 5xx, a
connection error) — after botocore's own retries — says nothing about the job: it stays pending and is polled
again next round until the deadline, instead of marking the principal `FAILED` for good.

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
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker, TransientRetryableChecker

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
PAGE_SIZE = 1000  # IAM's largest page (MaxItems), as collect/aws.py's PAGE_SIZES["iam"]
_THROTTLED = ThrottledRetryableChecker()
_TRANSIENT = TransientRetryableChecker(
    transient_error_codes=[*TransientRetryableChecker._TRANSIENT_ERROR_CODES, "ServiceUnavailable"]
)
_TRANSIENT_STATUS = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class AdvisorPolling:
    """The wait budget for all of an account's jobs together; tests swap in a fake clock and sleep."""

    timeout_seconds: float = 300.0
    first_delay: float = 1.0
    max_delay: float = 15.0
    grace_seconds: float = 15.0
    """How far past the deadline the final poll round may run (wall time ≤ timeout + grace + one call)."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


DEFAULT_POLLING = AdvisorPolling()


def principals(iam: Any) -> list[str]:
    """Every user and role ARN (all pages), service-linked roles left out; ClientError propagates."""
    size = {"PageSize": PAGE_SIZE}
    users = iam.get_paginator("list_users").paginate(PaginationConfig=size)
    found = [u["Arn"] for page in users for u in page.get("Users", [])]
    for page in iam.get_paginator("list_roles").paginate(PaginationConfig=size):
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
    last_error: dict[str, dict[str, str]] = {}
    while pending:
        _poll_round(iam, pending, records, last_error, deadline + polling.grace_seconds, polling.clock)
        remaining = deadline - polling.clock()
        if not pending or remaining <= 0:
            break
        polling.sleep(min(delay, remaining))
        delay = min(delay * 2, polling.max_delay)
    for arn in pending:
        records[arn]["JobStatus"] = TIMED_OUT
        message = f"not done after {polling.timeout_seconds:.0f} s"
        if arn in last_error:
            message += f" (last poll: {last_error[arn]['Code']})"
        records[arn]["Error"] = {"Code": TIMED_OUT, "Message": message}
    return list(records.values())


def _poll_round(
    iam: Any,
    pending: dict[str, str],
    records: dict[str, dict[str, Any]],
    last_error: dict[str, dict[str, str]],
    cutoff: float,
    clock: Callable[[], float],
) -> None:
    """Poll every pending job once, stopping at `cutoff`; finished jobs leave `pending`, transient errors stay."""
    for arn, job in list(pending.items()):
        if clock() > cutoff:
            return
        try:
            result = _poll(iam, job)
        except _Transient as retry:
            last_error[arn] = retry.error
            continue
        if result is not None:
            records[arn] |= result
            del pending[arn]


class _Transient(Exception):
    """A poll that was throttled or could not reach IAM: the job's state is unknown, ask again next round."""

    def __init__(self, error: dict[str, str]) -> None:
        super().__init__(error["Code"])
        self.error = error


def transient(error: ClientError | BotoCoreError) -> bool:
    """Throttling, a 5xx / ServiceUnavailable, or a connection error: botocore's standard-retry classification."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        context = RetryContext(attempt_number=1, parsed_response=error.response)
        return _THROTTLED.is_retryable(context) or _TRANSIENT.is_retryable(context) or status in _TRANSIENT_STATUS
    return _TRANSIENT.is_retryable(RetryContext(attempt_number=1, caught_exception=error))


def _poll(iam: Any, job: str) -> dict[str, Any] | None:
    """The finished job's record (every page), or None while it is IN_PROGRESS; `_Transient` when a page's call
    was throttled or did not connect (the job is read again from its first page next round)."""
    try:
        page = iam.get_service_last_accessed_details(JobId=job, MaxItems=PAGE_SIZE)
    except (ClientError, BotoCoreError) as error:
        if transient(error):
            raise _Transient(_error(error)) from error
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
        if transient(error):
            raise _Transient(_error(error)) from error
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
