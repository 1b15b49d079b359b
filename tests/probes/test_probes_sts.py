"""The STS probe against botocore's Stubber: moto never expires a session, so the answers AWS gives an expired
or revoked session (ExpiredToken, AccessDenied) are stubbed, and time runs on a fake clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from probe_fixtures import (
    IDENTITY,
    NOW,
    ROLE,
    SECRET_KEY,
    SESSION_TOKEN,
    Clients,
    assume_role_response,
    refuse_both_replays,
    run_sts,
)

from assurance_jobs.probes.sts import REVOKE_POLICY_NAME


def test_expired_session_is_refused_with_expired_token() -> None:
    with Clients() as clients:
        clients.stub("sts", False).add_response(
            "assume_role", assume_role_response(), {"RoleArn": ROLE, "RoleSessionName": _ANY, "DurationSeconds": 900}
        )
        clients.stub("sts", True).add_response("get_caller_identity", IDENTITY)
        refuse_both_replays(clients)
        record, clock = run_sts(clients)
        clients.assert_all_used()
    assert record.status == "ok"
    assert record.stated_lifetime_seconds == 900 and record.lifetime_source == "Expiration"
    assert [(e.phase, e.outcome, e.code) for e in record.events][-1] == ("expired_replay", "rejected", "ExpiredToken")
    assert [e.after_expiry_seconds for e in record.events if e.phase == "expired_replay"] == [5, 65]
    assert clock.current >= NOW + timedelta(seconds=965)


def test_session_still_accepted_after_expiry_is_replayed_once_more_later() -> None:
    with Clients() as clients:
        clients.stub("sts", False).add_response("assume_role", assume_role_response())
        for _ in range(4):  # valid use, just after expiry, after the leeway, late
            clients.stub("sts", True).add_response("get_caller_identity", IDENTITY)
        record, _ = run_sts(clients)
        clients.assert_all_used()
    replays = [event for event in record.events if event.phase == "expired_replay"]
    assert [(event.detail, event.outcome) for event in replays] == [
        ("just_after_expiry", "accepted"),
        ("after_leeway", "accepted"),
        ("late", "accepted"),
    ]
    assert replays[2].after_expiry_seconds == 365


def test_clock_skew_comes_from_the_sts_date_header() -> None:
    with Clients() as clients:
        clients.stub("sts", False).add_response("assume_role", assume_role_response(server_skew=-30))
        clients.stub("sts", True).add_response("get_caller_identity", IDENTITY)
        refuse_both_replays(clients)
        record, _ = run_sts(clients)
    assert record.clock_skew_seconds == -30
    assert record.stated_lifetime_seconds == 900


def test_revocation_applies_the_revoke_older_sessions_deny_and_expects_the_live_session_refused() -> None:
    with Clients() as clients:
        clients.stub("sts", False).add_response("assume_role", assume_role_response())
        clients.stub("sts", True).add_response("get_caller_identity", IDENTITY)
        role = {
            "Role": {
                "Path": "/",
                "RoleName": "assurance-token-probe",
                "RoleId": "AROAEXAMPLE1234567890",
                "Arn": ROLE,
                "CreateDate": NOW,
            }
        }
        clients.stub("iam", True).add_response("get_role", role, {"RoleName": "assurance-token-probe"})
        clients.stub("iam", False).add_response(
            "put_role_policy",
            {},
            {"RoleName": "assurance-token-probe", "PolicyName": REVOKE_POLICY_NAME, "PolicyDocument": _ANY},
        )
        clients.stub("iam", True).add_client_error("get_role", "AccessDenied", http_status_code=403)
        refuse_both_replays(clients)
        record, _ = run_sts(clients, revocation_probe=True)
        clients.assert_all_used()
    phases = [(e.phase, e.outcome) for e in record.events]
    assert ("revoke", "accepted") in phases and ("after_revoke", "rejected") in phases
    assert record.revocation_configured and record.status == "ok"


def test_revocation_policy_denies_sessions_issued_before_the_given_time() -> None:
    from assurance_jobs.probes.sts import revoke_older_sessions_policy

    statement = json.loads(revoke_older_sessions_policy(NOW))["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Action"] == ["*"]
    assert statement["Condition"] == {"DateLessThan": {"aws:TokenIssueTime": "2026-11-25T06:30:00Z"}}


def test_role_that_cannot_be_assumed_is_an_error() -> None:
    with Clients() as clients:
        clients.stub("sts", False).add_client_error("assume_role", "AccessDenied", http_status_code=403)
        record, _ = run_sts(clients)
    assert (record.status, record.error_code) == ("error", "AccessDenied")


def test_no_session_secret_appears_in_the_record() -> None:
    with Clients() as clients:
        clients.stub("sts", False).add_response("assume_role", assume_role_response())
        clients.stub("sts", True).add_response("get_caller_identity", IDENTITY)
        refuse_both_replays(clients)
        record, _ = run_sts(clients)
    stored = record.to_json().decode()
    assert SESSION_TOKEN not in stored and SECRET_KEY not in stored and "ASIAEXAMPLEPROBEKEY01" not in stored


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


_ANY = _Any()


@pytest.fixture(autouse=True)
def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: (_ for _ in ()).throw(AssertionError("real sleep")))
