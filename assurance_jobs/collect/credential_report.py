"""Fetch the IAM credential report: the one place where the collector polls by hand.

Why a loop here when botocore retries everything else: report generation is asynchronous. AWS answers
GenerateCredentialReport with State STARTED / INPROGRESS until the CSV is ready, and GetCredentialReport fails
with ReportInProgress / ReportNotPresent / ReportExpired meanwhile. None of these are transport errors, so
botocore's retry handler (rightly) does not retry them. The wait is bounded so a stuck report becomes an
`error` status instead of a hung run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# GetCredentialReport errors that mean "not ready yet: generate again and wait".
RETRYABLE_REPORT_ERRORS = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


class CredentialReportTimeout(Exception):
    """The report was still not COMPLETE when the polling budget ran out."""

    error_code = "CredentialReportTimeout"


@dataclass(frozen=True)
class ReportPolling:
    """Backoff settings; tests swap in a no-op sleep. The first wait is short: a report generated in the last
    four hours is COMPLETE at once, and a fresh small one usually within a fraction of a second, so a 0.5 s first
    wait was most of a small account's collection time; doubling keeps the number of polls low for a big one."""

    timeout_seconds: float = 60.0
    first_delay: float = 0.1
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


DEFAULT_POLLING = ReportPolling()


def fetch_credential_report(iam: Any, polling: ReportPolling = DEFAULT_POLLING) -> bytes:
    """Generate (if needed) and return the raw CSV bytes; raise ClientError / CredentialReportTimeout."""
    deadline = polling.clock() + polling.timeout_seconds
    delay = polling.first_delay
    while True:
        state = iam.generate_credential_report()["State"]
        if state == "COMPLETE":
            report = _get_if_ready(iam)
            if report is not None:
                return report
        if polling.clock() + delay > deadline:
            raise CredentialReportTimeout(
                f"credential report not COMPLETE after {polling.timeout_seconds:.0f} s (last state {state})"
            )
        polling.sleep(delay)
        delay = min(delay * 2, polling.max_delay)


def _get_if_ready(iam: Any) -> bytes | None:
    try:
        response = iam.get_credential_report()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in RETRYABLE_REPORT_ERRORS:
            return None
        raise
    content = response["Content"]
    return content if isinstance(content, bytes) else str(content).encode("utf-8")
