"""The STS revocation probe (NHI-PRB-004) on botocore's Stubber and a fake clock: the revoke-older-sessions deny
is dated from the session's own issue time on AWS's clock plus a margin — a local clock a few seconds behind
AWS's must not leave a compliant role's session allowed — and a role that cannot `GetRole` itself still gets its
expiry replay (NHI-PRB-001), which needs no permission."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from probe_fixtures import (
    IDENTITY,
    NOW,
    ROLE,
    Clients,
    assume_role_response,
    judge,
    refuse_both_replays,
    run_sts,
)

from assurance_jobs.probes.sts import ISSUE_TIME_MARGIN_SECONDS

AWS_AHEAD = 2  # AWS's clock (the session's issue time) is 2 s ahead of the probe's
ROLE_DESCRIPTION = {"Path": "/", "RoleName": "assurance-token-probe", "RoleId": "AROAEXAMPLE1234567890", "Arn": ROLE}
WINDOW = {"revocation_window_seconds": 10}


class Captured:
    """Matches any value in Stubber's expected parameters and keeps it."""

    def __init__(self) -> None:
        self.value: object = None

    def __eq__(self, other: object) -> bool:
        self.value = other
        return True


def _revocation(clients: Clients, still_allowed: bool) -> Captured:
    policy = Captured()
    clients.stub("sts", False).add_response("assume_role", assume_role_response(server_skew=AWS_AHEAD))
    clients.stub("sts", True).add_response("get_caller_identity", IDENTITY)
    role = {"Role": {**ROLE_DESCRIPTION, "CreateDate": NOW}}
    clients.stub("iam", True).add_response("get_role", role)
    expected = {"RoleName": "assurance-token-probe", "PolicyName": "AWSRevokeOlderSessions", "PolicyDocument": policy}
    clients.stub("iam", False).add_response("put_role_policy", {}, expected)
    if still_allowed:  # polled every 2.5 s through the 10 s window
        for _ in range(5):
            clients.stub("iam", True).add_response("get_role", role)
    else:
        clients.stub("iam", True).add_client_error("get_role", "AccessDenied", http_status_code=403)
    refuse_both_replays(clients)
    return policy


def _deny_before(policy: Captured) -> datetime:
    statement = json.loads(str(policy.value))["Statement"][0]
    return datetime.fromisoformat(statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"])


def test_the_deny_covers_the_session_although_the_local_clock_is_behind() -> None:
    with Clients() as clients:
        policy = _revocation(clients, still_allowed=False)
        record, _ = run_sts(clients, WINDOW, revocation_probe=True)
        clients.assert_all_used()
    issued_on_aws_clock = NOW + timedelta(seconds=AWS_AHEAD)
    assert _deny_before(policy) == issued_on_aws_clock + timedelta(seconds=ISSUE_TIME_MARGIN_SECONDS)
    assert judge({record.target: record})[0][("NHI-PRB-004", "probe-role")] == "PASS"


def test_a_session_still_allowed_after_the_deny_fails() -> None:
    with Clients() as clients:
        _revocation(clients, still_allowed=True)
        record, _ = run_sts(clients, WINDOW, revocation_probe=True)
        clients.assert_all_used()
    assert judge({record.target: record})[0][("NHI-PRB-004", "probe-role")] == "FAIL"


@pytest.fixture(scope="module")
def no_get_role():
    with Clients() as clients:
        clients.stub("sts", False).add_response("assume_role", assume_role_response())
        clients.stub("sts", True).add_response("get_caller_identity", IDENTITY)
        clients.stub("iam", True).add_client_error("get_role", "AccessDenied", http_status_code=403)
        refuse_both_replays(clients)
        record, _ = run_sts(clients, revocation_probe=True)
        clients.assert_all_used()
    return record


def test_a_role_that_cannot_get_itself_still_gets_its_expiry_replay(no_get_role) -> None:
    verdicts, _ = judge({no_get_role.target: no_get_role})
    assert [e.outcome for e in no_get_role.events if e.phase == "expired_replay"] == ["rejected", "rejected"]
    assert verdicts[("NHI-PRB-001", "probe-role")] == "PASS"


def test_only_its_revocation_verdict_is_incomplete_and_says_why(no_get_role) -> None:
    verdicts, _ = judge({no_get_role.target: no_get_role})
    assert verdicts[("NHI-PRB-004", "probe-role")] == "INCOMPLETE"
    assert no_get_role.error_code == "RevocationCheckNotAllowed"


@pytest.fixture(autouse=True)
def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: (_ for _ in ()).throw(AssertionError("real sleep")))
