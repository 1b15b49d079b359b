"""OSCAL assessment-results export: a valid document whose control verdicts never overstate the evidence."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.common import SelectControlById

from assurance_jobs.output.catalogue import load_catalogue
from assurance_jobs.output.oscal import catalogue_titles, control_token, oscal_assessment_results, write_oscal

AS_OF = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
SNAPSHOT = "20261125T060000Z-1a2b3c4d"
KEY_ARN = f"arn:aws:iam::{ACCOUNT}:user/ci/deployer/access_key_1"

RULES = [
    {
        "rule_id": "NHI-ROT-001",
        "title": "Access key older than 90 days",
        "severity": "high",
        "depends_on": ["iam_credential_report"],
        "controls": {"nist-800-53r5": ["IA-5(1)"], "pci-dss-4.0.1": ["8.3.9"]},
    },
    {
        "rule_id": "NHI-ROT-003",
        "title": "Secret rotation disabled",
        "severity": "high",
        "depends_on": ["secretsmanager_secrets"],
        "controls": {"nist-800-53r5": ["SC-12"]},
    },
    {
        "rule_id": "NHI-LP-004",
        "title": "Trust policy open to any principal",
        "severity": "critical",
        "depends_on": ["iam_authorization_details"],
        "controls": {"nist-800-53r5": ["AC-3"], "owasp-nhi-top10-2025": ["NHI5"]},
    },
]
TITLES = {
    "nist-800-53r5": {"IA-5(1)": "Password-based Authentication", "SC-12": "Key Management", "AC-3": "Access"},
    "pci-dss-4.0.1": {"8.3.9": "Passwords changed"},
    "owasp-nhi-top10-2025": {"NHI5": "Overprivileged NHI"},
}
EVIDENCE = [
    {"path": f"{ACCOUNT}/iam_credential_report.csv", "sha256": "a" * 64},
    {"path": f"{ACCOUNT}/iam_authorization_details.json", "sha256": "c" * 64},
    {"path": "expectations/rotation.json", "sha256": "b" * 64, "kind": "suite"},
]


def _scope(rule_id: str, status: str, region: str | None = None, **extra: Any) -> dict[str, Any]:
    row = {
        "rule_id": rule_id,
        "family": "rotation",
        "title": next(r["title"] for r in RULES if r["rule_id"] == rule_id),
        "severity": "high",
        "account_id": ACCOUNT,
        "region": region,
        "status": status,
        "evaluated": 4,
        "failed": 1 if status == "FAIL" else 0,
        "missing_sources": "",
    }
    row.update(extra)
    return row


@pytest.fixture
def rule_results() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _scope("NHI-ROT-001", "FAIL"),
            _scope("NHI-ROT-003", "INCOMPLETE", "eu-west-1", evaluated=0, missing_sources="secretsmanager_secrets"),
            _scope("NHI-LP-004", "PASS"),
        ]
    )


@pytest.fixture
def findings() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rule_id": "NHI-ROT-001",
                "account_id": ACCOUNT,
                "region": None,
                "resource_arn": KEY_ARN,
                "observed": "120",
                "threshold": "90",
                "waiver_status": "waived",
                "waiver_justification": "vendor key, rotation scheduled",
                "debug_payload": "CANARY-not-for-export-7f3a",
            }
        ]
    )


def _export(findings, rule_results, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "evidence": EVIDENCE,
        "as_of": AS_OF,
        "tool_version": "0.1.0",
        "partition_date": date(2026, 11, 25),
        "snapshot_id": SNAPSHOT,
    }
    kwargs.update(overrides)
    return oscal_assessment_results(findings, rule_results, RULES, TITLES, **kwargs)


def _result(document: dict[str, Any]) -> dict[str, Any]:
    return document["assessment-results"]["results"][0]


def _state_of(document: dict[str, Any], framework_id: str, control_id: str) -> str:
    target_id = f"{control_token(framework_id, control_id)}_obj"
    finding = next(f for f in _result(document)["findings"] if f["target"]["target-id"] == target_id)
    return finding["target"]["status"]["state"]


def test_document_round_trips_through_the_trestle_model_unchanged(
    findings: pd.DataFrame, rule_results: pd.DataFrame
) -> None:
    document = _export(findings, rule_results)
    parsed = AssessmentResults.model_validate(document["assessment-results"])
    assert parsed.oscal_dict() == document


def test_metadata_carries_as_of_version_and_oscal_version(findings: pd.DataFrame, rule_results: pd.DataFrame) -> None:
    metadata = _export(findings, rule_results)["assessment-results"]["metadata"]
    assert metadata["last-modified"] == "2026-11-25T06:00:00+00:00"
    assert metadata["version"] == "0.1.0"
    assert metadata["oscal-version"].startswith("1.")


def test_result_starts_and_ends_at_as_of(findings: pd.DataFrame, rule_results: pd.DataFrame) -> None:
    result = _result(_export(findings, rule_results))
    assert result["start"] == result["end"] == "2026-11-25T06:00:00+00:00"


def test_reviewed_controls_are_the_controls_of_evaluated_rules(
    findings: pd.DataFrame, rule_results: pd.DataFrame
) -> None:
    selections = _result(_export(findings, rule_results))["reviewed-controls"]["control-selections"]
    selected = {c["control-id"] for s in selections for c in s["include-controls"]}
    assert selected == {"ia-5.1", "sc-12", "ac-3", "pci-dss-4.0.1_8.3.9", "owasp-nhi-top10-2025_NHI5"}


def test_one_automated_test_observation_per_rule_scope(findings: pd.DataFrame, rule_results: pd.DataFrame) -> None:
    observations = _result(_export(findings, rule_results))["observations"]
    assert len(observations) == 3
    assert all(o["methods"] == ["TEST"] for o in observations)


def test_observation_cites_the_snapshot_files_the_rule_depends_on_with_sha256(
    findings: pd.DataFrame, rule_results: pd.DataFrame
) -> None:
    document = _export(findings, rule_results)
    observation = next(o for o in _result(document)["observations"] if o["title"].startswith("NHI-ROT-001"))
    [evidence] = observation["relevant-evidence"]
    assert evidence["props"][0] == {"name": "sha256", "ns": "urn:assurance-jobs:oscal", "value": "a" * 64}
    resources = {r["uuid"]: r for r in document["assessment-results"]["back-matter"]["resources"]}
    resource = resources[evidence["href"].removeprefix("#")]
    assert resource["rlinks"][0]["hashes"] == [{"algorithm": "SHA-256", "value": "a" * 64}]


def test_failing_rule_makes_its_controls_not_satisfied(findings: pd.DataFrame, rule_results: pd.DataFrame) -> None:
    document = _export(findings, rule_results)
    assert _state_of(document, "nist-800-53r5", "IA-5(1)") == "not-satisfied"
    assert _state_of(document, "pci-dss-4.0.1", "8.3.9") == "not-satisfied"


def test_control_whose_rules_all_pass_is_satisfied(findings: pd.DataFrame, rule_results: pd.DataFrame) -> None:
    assert _state_of(_export(findings, rule_results), "nist-800-53r5", "AC-3") == "satisfied"


def test_incomplete_is_never_satisfied_and_says_evidence_was_incomplete(
    findings: pd.DataFrame, rule_results: pd.DataFrame
) -> None:
    document = _export(findings, rule_results)
    finding = next(f for f in _result(document)["findings"] if f["target"]["target-id"] == "sc-12_obj")
    assert finding["target"]["status"]["state"] == "not-satisfied"
    assert "incomplete" in finding["target"]["status"]["remarks"].lower()


def test_incomplete_with_zero_failures_still_not_satisfied(findings: pd.DataFrame) -> None:
    only_incomplete = pd.DataFrame([_scope("NHI-LP-004", "INCOMPLETE", evaluated=4, failed=0)])
    document = _export(findings.iloc[0:0], only_incomplete)
    assert _state_of(document, "nist-800-53r5", "AC-3") == "not-satisfied"
    assert _state_of(document, "owasp-nhi-top10-2025", "NHI5") == "not-satisfied"


def test_import_ap_points_at_the_suites_resource_in_back_matter(
    findings: pd.DataFrame, rule_results: pd.DataFrame
) -> None:
    document = _export(findings, rule_results)["assessment-results"]
    plan_uuid = document["import-ap"]["href"].removeprefix("#")
    plan = next(r for r in document["back-matter"]["resources"] if r["uuid"] == plan_uuid)
    assert plan["rlinks"][0]["href"] == "expectations/rotation.json"


def test_export_holds_no_column_outside_the_chosen_ones(findings: pd.DataFrame, rule_results: pd.DataFrame) -> None:
    text = json.dumps(_export(findings, rule_results))
    assert "CANARY-not-for-export-7f3a" not in text
    assert KEY_ARN not in text  # per-resource detail lives in the findings / OCSF exports


def test_same_inputs_give_byte_identical_files(
    findings: pd.DataFrame, rule_results: pd.DataFrame, tmp_path: Path
) -> None:
    kwargs = {"evidence": EVIDENCE, "as_of": AS_OF, "tool_version": "0.1.0", "partition_date": "2026-11-25"}
    first = write_oscal(tmp_path / "a.json", findings, rule_results, RULES, TITLES, **kwargs).read_bytes()
    shuffled = rule_results.iloc[::-1].reset_index(drop=True)
    second = write_oscal(tmp_path / "b.json", findings, shuffled, RULES, TITLES, **kwargs).read_bytes()
    assert first == second


def test_uuids_change_with_the_snapshot(findings: pd.DataFrame, rule_results: pd.DataFrame) -> None:
    first = _export(findings, rule_results)["assessment-results"]["uuid"]
    second = _export(findings, rule_results, snapshot_id="20261125T070000Z-99999999")["assessment-results"]["uuid"]
    assert first != second


def test_800_53_ids_use_the_nist_oscal_catalogue_form() -> None:
    assert control_token("nist-800-53r5", "AC-2(3)") == "ac-2.3"
    assert control_token("nist-800-53r5", "IA-5") == "ia-5"


def test_every_catalogue_control_id_becomes_a_valid_oscal_token() -> None:
    titles = catalogue_titles(load_catalogue())
    tokens = {control_token(fw, control) for fw, controls in titles.items() for control in controls}
    for token in tokens:
        SelectControlById(control_id=token)  # raises on an id OSCAL would reject
    assert len(tokens) == sum(len(controls) for controls in titles.values())
