"""OCSF Detection Finding export: each finding becomes one valid class 2004 event, reproducibly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from assurance_jobs.evaluate.findings import finding_id
from assurance_jobs.output.ocsf import ocsf_findings, write_ocsf

AS_OF = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:iam::{ACCOUNT}:user/ci/deployer/access_key_1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/batch-admin"

RULES = [
    {
        "rule_id": "NHI-ROT-001",
        "title": "Access key older than 90 days",
        "family": "rotation",
        "severity": "high",
        "rationale": "Long-lived keys widen the window for a leaked key.",
        "remediation": "Rotate the key and delete the old one.",
        "controls": {"nist-800-53r5": ["IA-5(1)"], "owasp-nhi-top10-2025": ["NHI7"]},
    },
    {
        "rule_id": "NHI-LP-001",
        "title": "Effective administrator",
        "family": "least_privilege",
        "severity": "critical",
        "rationale": "An admin NHI is a full-account compromise waiting to happen.",
        "remediation": "Scope the policies to what the workload uses.",
        "controls": {"nist-800-53r5": ["AC-6"]},
    },
]


def _finding(rule_id: str, arn: str, kind: str, **extra: object) -> dict[str, object]:
    family, title, severity = {
        "NHI-ROT-001": ("rotation", "Access key older than 90 days", "high"),
        "NHI-LP-001": ("least_privilege", "Effective administrator", "critical"),
    }[rule_id]
    row: dict[str, object] = {
        "rule_id": rule_id,
        "family": family,
        "title": title,
        "severity": severity,
        "status": "FAIL",
        "account_id": ACCOUNT,
        "region": None,
        "resource_arn": arn,
        "resource_kind": kind,
        "identity_arn": arn.rsplit("/access_key_1", 1)[0],
        "observed": "120",
        "threshold": "90",
        "classification_reason": "path /ci/",
        "owner": "team-data",
        "snapshot_id": "20261125T060000Z-1a2b3c4d",
        "partition_date": "2026-11-25",
        "source_file": f"{ACCOUNT}/iam_credential_report.csv",
        "source_sha256": "a" * 64,
        "waiver_status": "open",
        "waiver_justification": None,
        "waiver_approver": None,
        "waiver_expires": None,
        "finding_id": finding_id(rule_id, ACCOUNT, arn),
    }
    row.update(extra)
    return row


@pytest.fixture
def findings() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _finding("NHI-ROT-001", KEY_ARN, "access_key"),
            _finding("NHI-LP-001", ROLE_ARN, "role", observed="True", threshold="False"),
        ]
    )


def _export(findings: pd.DataFrame) -> list[dict]:
    return ocsf_findings(findings, RULES, snapshot_id="20261125T060000Z-1a2b3c4d", as_of=AS_OF, tool_version="0.1.0")


def _by_rule(events: list[dict], rule_id: str) -> dict:
    return next(event for event in events if event["finding_info"]["analytic"]["uid"] == rule_id)


def test_every_event_round_trips_through_the_library_model_unchanged(findings: pd.DataFrame) -> None:
    for event in _export(findings):
        parsed = DetectionFinding.model_validate(event)
        assert parsed.model_dump(mode="json", exclude_none=True) == event


def test_one_detection_finding_per_finding_row(findings: pd.DataFrame) -> None:
    events = _export(findings)
    assert len(events) == 2
    assert {event["class_uid"] for event in events} == {2004}
    assert {event["type_uid"] for event in events} == {200401}


def test_event_names_the_resource_arn_account_and_rule(findings: pd.DataFrame) -> None:
    event = _by_rule(_export(findings), "NHI-ROT-001")
    assert event["resources"][0]["uid"] == KEY_ARN
    assert event["resources"][0]["type"] == "AWS::IAM::AccessKey"
    assert event["cloud"]["account"]["uid"] == ACCOUNT
    assert event["metadata"]["event_code"] == "NHI-ROT-001"
    assert event["unmapped"]["rule_id"] == "NHI-ROT-001"


def test_finding_uid_is_the_findings_own_id_whatever_the_day(findings: pd.DataFrame) -> None:
    today = _by_rule(_export(findings), "NHI-ROT-001")
    tomorrow = _by_rule(_export(findings.assign(partition_date="2026-11-26")), "NHI-ROT-001")
    assert (
        today["finding_info"]["uid"] == tomorrow["finding_info"]["uid"] == finding_id("NHI-ROT-001", ACCOUNT, KEY_ARN)
    )
    assert today["metadata"]["uid"] != tomorrow["metadata"]["uid"]  # each day's event is its own


def test_a_finding_first_seen_today_is_created_as_new(findings: pd.DataFrame) -> None:
    event = _by_rule(_export(findings.assign(seen_status="new")), "NHI-ROT-001")
    assert (event["activity_name"], event["type_uid"], event["status"]) == ("Create", 200401, "New")


def test_a_finding_seen_on_an_earlier_day_is_updated_and_keeps_its_first_sighting(findings: pd.DataFrame) -> None:
    earlier = "2026-11-20T06:00:00+00:00"
    event = _by_rule(_export(findings.assign(seen_status="open", first_seen_at=earlier)), "NHI-ROT-001")
    assert (event["activity_name"], event["type_uid"], event["status"]) == ("Update", 200402, "InProgress")
    assert event["finding_info"]["first_seen_time"] == int(datetime.fromisoformat(earlier).timestamp() * 1000)
    assert event["finding_info"]["last_seen_time"] == int(AS_OF.timestamp() * 1000)


def test_a_finding_seen_again_after_it_was_resolved_is_updated_as_new_again(findings: pd.DataFrame) -> None:
    event = _by_rule(_export(findings.assign(seen_status="reopened")), "NHI-ROT-001")
    assert (event["activity_name"], event["status"]) == ("Update", "New")
    assert "re-opened" in event["status_detail"]


def test_a_finding_resolved_today_is_closed_with_its_last_sighting(findings: pd.DataFrame) -> None:
    resolved = findings.iloc[:1].assign(
        seen_status="resolved", resolved_on="2026-11-25", last_seen_at="2026-11-24T06:00:00+00:00"
    )
    events = ocsf_findings(
        findings.iloc[1:], RULES, snapshot_id="s", as_of=AS_OF, tool_version="0.1.0", resolved=resolved
    )
    closed = _by_rule(events, "NHI-ROT-001")
    assert (closed["activity_name"], closed["type_uid"], closed["status"]) == ("Close", 200403, "Resolved")
    assert closed["finding_info"]["uid"] == finding_id("NHI-ROT-001", ACCOUNT, KEY_ARN)
    assert closed["finding_info"]["last_seen_time"] == int(datetime(2026, 11, 24, 6, tzinfo=UTC).timestamp() * 1000)


def test_severity_maps_to_ocsf_severity_ids(findings: pd.DataFrame) -> None:
    events = _export(findings)
    assert _by_rule(events, "NHI-LP-001")["severity_id"] == 5
    assert _by_rule(events, "NHI-ROT-001")["severity_id"] == 4


def test_times_come_from_as_of_not_the_clock(findings: pd.DataFrame) -> None:
    event = _export(findings)[0]
    millis = int(AS_OF.timestamp() * 1000)
    assert event["time"] == millis
    assert event["finding_info"]["first_seen_time"] == millis
    assert event["finding_info"]["last_seen_time"] == millis


def test_open_finding_is_new(findings: pd.DataFrame) -> None:
    event = _by_rule(_export(findings), "NHI-ROT-001")
    assert (event["status_id"], event["status"]) == (1, "New")


def test_waived_finding_is_suppressed_with_its_justification() -> None:
    waived = pd.DataFrame(
        [
            _finding(
                "NHI-ROT-001",
                KEY_ARN,
                "access_key",
                waiver_status="waived",
                waiver_justification="Vendor integration, rotation scheduled",
                waiver_approver="ciso@example.com",
                waiver_expires="2027-01-31",
            )
        ]
    )
    event = _export(waived)[0]
    assert (event["status_id"], event["status"]) == (3, "Suppressed")
    assert "Vendor integration, rotation scheduled" in event["status_detail"]
    assert event["unmapped"]["waiver"]["approver"] == "ciso@example.com"


def test_finding_whose_waiver_expired_is_new_again() -> None:
    expired = pd.DataFrame(
        [_finding("NHI-ROT-001", KEY_ARN, "access_key", waiver_status="waiver_expired", waiver_expires="2026-11-01")]
    )
    event = _export(expired)[0]
    assert event["status"] == "New"
    assert "expired" in event["status_detail"]


def test_controls_and_remediation_come_from_rule_meta(findings: pd.DataFrame) -> None:
    event = _by_rule(_export(findings), "NHI-ROT-001")
    assert event["unmapped"]["controls"] == {"nist-800-53r5": ["IA-5(1)"], "owasp-nhi-top10-2025": ["NHI7"]}
    assert event["remediation"]["desc"] == "Rotate the key and delete the old one."


def test_product_metadata_names_the_tool_and_version(findings: pd.DataFrame) -> None:
    product = _export(findings)[0]["metadata"]["product"]
    assert (product["name"], product["version"]) == ("assurance-jobs", "0.1.0")


def test_columns_outside_the_export_never_appear(findings: pd.DataFrame) -> None:
    findings["debug_payload"] = "CANARY-not-for-export-7f3a"
    assert "CANARY-not-for-export-7f3a" not in json.dumps(_export(findings))


def test_row_order_does_not_change_the_export(findings: pd.DataFrame) -> None:
    assert _export(findings) == _export(findings.iloc[::-1].reset_index(drop=True))


def test_written_file_is_byte_identical_across_runs(findings: pd.DataFrame, tmp_path: Path) -> None:
    kwargs = {"snapshot_id": "20261125T060000Z-1a2b3c4d", "as_of": AS_OF, "tool_version": "0.1.0"}
    first = write_ocsf(tmp_path / "a" / "ocsf.json", findings, RULES, **kwargs).read_bytes()
    second = write_ocsf(tmp_path / "b" / "ocsf.json", findings.copy(), RULES, **kwargs).read_bytes()
    assert first == second
    assert len(json.loads(first)) == 2


def test_naive_as_of_is_refused(findings: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ocsf_findings(findings, RULES, snapshot_id="s", as_of=datetime(2026, 11, 25), tool_version="0.1.0")


def test_no_findings_writes_an_empty_array(tmp_path: Path) -> None:
    kwargs = {"snapshot_id": "s", "as_of": AS_OF, "tool_version": "0.1.0"}
    assert json.loads(write_ocsf(tmp_path / "ocsf.json", pd.DataFrame(), RULES, **kwargs).read_text()) == []


def test_file_holds_one_event_per_line(findings: pd.DataFrame, tmp_path: Path) -> None:
    kwargs = {"snapshot_id": "s", "as_of": AS_OF, "tool_version": "0.1.0"}
    lines = write_ocsf(tmp_path / "ocsf.json", findings, RULES, **kwargs).read_text().splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert len(lines) == 2 + len(findings)
