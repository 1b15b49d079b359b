"""The credential report poll: wait (bounded) for COMPLETE, then return the raw CSV bytes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from assurance_jobs.collect.credential_report import CredentialReportTimeout, ReportPolling, fetch_credential_report

CSV = b"user,arn\nci-bot,arn:aws:iam::123456789012:user/ci-bot\n"


class FakeIam:
    """Answers GenerateCredentialReport with `states` in turn, then COMPLETE; GetCredentialReport per `gets`."""

    def __init__(self, states: list[str], gets: list[str | None] | None = None) -> None:
        self.states = states
        self.gets = gets or []
        self.generate_calls = 0

    def generate_credential_report(self) -> dict[str, Any]:
        self.generate_calls += 1
        return {"State": self.states.pop(0) if self.states else "COMPLETE"}

    def get_credential_report(self) -> dict[str, Any]:
        code = self.gets.pop(0) if self.gets else None
        if code:
            raise ClientError({"Error": {"Code": code, "Message": "not yet"}}, "GetCredentialReport")
        return {"Content": CSV, "ReportFormat": "text/csv"}


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def polling(clock: FakeTime, timeout: float = 60.0) -> ReportPolling:
    return ReportPolling(
        timeout_seconds=timeout, first_delay=0.5, max_delay=8.0, sleep=clock.sleep, clock=lambda: clock.now
    )


def test_complete_report_is_returned_without_waiting() -> None:
    clock = FakeTime()
    assert fetch_credential_report(FakeIam([]), polling(clock)) == CSV
    assert clock.sleeps == []


def test_started_and_in_progress_states_are_polled_with_growing_backoff() -> None:
    clock, iam = FakeTime(), FakeIam(["STARTED", "INPROGRESS", "INPROGRESS"])
    assert fetch_credential_report(iam, polling(clock)) == CSV
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert iam.generate_calls == 4


@pytest.mark.parametrize("code", ["ReportInProgress", "ReportNotPresent", "ReportExpired"])
def test_report_not_ready_on_get_is_generated_again(code: str) -> None:
    clock, iam = FakeTime(), FakeIam([], gets=[code])
    assert fetch_credential_report(iam, polling(clock)) == CSV
    assert iam.generate_calls == 2


def test_other_get_errors_are_raised_for_the_collector_to_record() -> None:
    with pytest.raises(ClientError, match="AccessDenied"):
        fetch_credential_report(FakeIam([], gets=["AccessDenied"]), polling(FakeTime()))


def test_a_report_that_never_completes_times_out_within_the_budget() -> None:
    clock = FakeTime()
    with pytest.raises(CredentialReportTimeout, match="INPROGRESS"):
        fetch_credential_report(FakeIam(["INPROGRESS"] * 100), polling(clock, timeout=60))
    assert clock.now <= 60
    assert max(clock.sleeps) == 8.0
