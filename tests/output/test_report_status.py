"""How rule and control statuses are derived: missing evidence is never a pass."""

from __future__ import annotations

import pandas as pd

from assurance_jobs.output.status import (
    FAIL,
    INCOMPLETE,
    NOT_COVERED,
    PASS,
    WAIVED,
    changes,
    control_status,
    evidence_gaps,
    rule_statuses,
    rules_by_control,
)
from assurance_jobs.output.synthetic import finding, rule_result
from assurance_jobs.output.synthetic import rule_meta as meta

ROLE = "arn:aws:iam::123456789012:role/app"


def statuses(results: list[dict], found: list[dict] | None = None) -> dict[str, str]:
    findings = pd.DataFrame(found) if found else pd.DataFrame(columns=["rule_id", "resource_arn"])
    return rule_statuses(["NHI-LP-001"], pd.DataFrame(results), findings)


def test_rule_with_a_failing_scope_fails_even_if_another_scope_is_incomplete() -> None:
    results = [rule_result("NHI-LP-001", "FAIL"), rule_result("NHI-LP-001", "INCOMPLETE", account="210987654321")]
    assert statuses(results, [finding("NHI-LP-001", ROLE)]) == {"NHI-LP-001": FAIL}


def test_rule_with_an_incomplete_scope_and_no_failure_is_incomplete_not_pass() -> None:
    results = [rule_result("NHI-LP-001", "PASS"), rule_result("NHI-LP-001", "INCOMPLETE", region="eu-west-1")]
    assert statuses(results) == {"NHI-LP-001": INCOMPLETE}


def test_rule_without_any_result_counts_as_incomplete() -> None:
    assert rule_statuses(["NHI-LP-001"], pd.DataFrame(columns=["rule_id", "status"]), pd.DataFrame()) == {
        "NHI-LP-001": INCOMPLETE
    }


def test_rule_whose_every_finding_is_waived_is_reported_as_waived() -> None:
    waived = finding("NHI-LP-001", ROLE, waiver_status="waived")
    assert statuses([rule_result("NHI-LP-001", "FAIL")], [waived]) == {"NHI-LP-001": WAIVED}


def test_expired_waiver_keeps_the_rule_failing() -> None:
    reopened = finding("NHI-LP-001", ROLE, waiver_status="waiver_expired")
    assert statuses([rule_result("NHI-LP-001", "FAIL")], [reopened]) == {"NHI-LP-001": FAIL}


def test_rule_passing_everywhere_passes() -> None:
    assert statuses([rule_result("NHI-LP-001", "PASS")]) == {"NHI-LP-001": PASS}


def test_control_with_a_failing_rule_fails() -> None:
    assert control_status([PASS, INCOMPLETE, FAIL]) == FAIL


def test_control_with_only_incomplete_rules_is_incomplete() -> None:
    assert control_status([INCOMPLETE, INCOMPLETE]) == INCOMPLETE


def test_control_with_a_passing_and_an_incomplete_rule_is_incomplete() -> None:
    assert control_status([PASS, INCOMPLETE]) == INCOMPLETE


def test_control_without_rules_is_not_covered_by_automation() -> None:
    assert control_status([]) == NOT_COVERED


def test_control_whose_rules_all_pass_passes() -> None:
    assert control_status([PASS, PASS]) == PASS


def test_zero_trust_tenets_and_800_63b_are_ordinary_controls() -> None:
    controls = {"nist-800-207": ["6"], "nist-800-63b": ["reauthentication"]}
    rules = [meta("NHI-LP-001", "least_privilege", "critical", "identities", "Admin", controls=controls)]
    assert rules_by_control(rules, "nist-800-207") == {"6": ["NHI-LP-001"]}
    assert rules_by_control(rules, "nist-800-63b") == {"reauthentication": ["NHI-LP-001"]}


def test_changes_are_keyed_by_rule_and_resource() -> None:
    today = pd.DataFrame([finding("NHI-LP-001", ROLE), finding("NHI-LP-002", ROLE)])
    yesterday = pd.DataFrame([finding("NHI-LP-001", ROLE, observed="other"), finding("NHI-OFF-003", ROLE)])
    new, resolved = changes(today, yesterday)
    assert list(new["rule_id"]) == ["NHI-LP-002"]
    assert list(resolved["rule_id"]) == ["NHI-OFF-003"]


ACCOUNT = "123456789012"
DENIED_SECRETS = {
    "account_id": ACCOUNT,
    "source": "secretsmanager_secrets",
    "api": "secretsmanager:ListSecrets",
    "region": "eu-west-1",
    "status": "partial",
    "error_code": "AccessDeniedException",
}


def gaps() -> dict[str, list[dict]]:
    results = [
        rule_result("NHI-ROT-003", "INCOMPLETE", region="eu-west-1", missing_sources="secretsmanager_secrets"),
        rule_result("NHI-OFF-004", "INCOMPLETE", missing_sources="directory_feed"),
        rule_result("NHI-OFF-005", "INCOMPLETE", missing_sources="directory_feed"),
        rule_result(
            "NHI-PRB-004",
            "INCOMPLETE",
            account="probe:*",
            missing_sources="token_probes",
            reason="no STS probe target sets revocation_probe: true (probes: orders-api)",
        ),
        rule_result("NHI-LP-001", "PASS"),
    ]
    return evidence_gaps(pd.DataFrame(results), [DENIED_SECRETS])


def test_a_denied_source_is_listed_as_could_not_collect_with_the_rules_it_leaves_incomplete() -> None:
    (entry,) = gaps()["could_not_collect"]
    assert (entry["source"], entry["region"], entry["status"], entry["error_code"]) == (
        "secretsmanager_secrets",
        "eu-west-1",
        "partial",
        "AccessDeniedException",
    )
    assert entry["rules"] == ["NHI-ROT-003"]


def test_inputs_never_configured_are_listed_apart_with_their_reason_and_rules() -> None:
    listed = [(g["source"], g["rules"]) for g in gaps()["not_configured"]]
    assert listed == [("directory_feed", ["NHI-OFF-004", "NHI-OFF-005"]), ("token_probes", ["NHI-PRB-004"])]
    assert gaps()["not_configured"][0]["why"].startswith("no directory_feed is configured")
    assert gaps()["not_configured"][1]["why"].startswith("no STS probe target sets revocation_probe: true")


def test_an_account_without_a_trail_lists_the_trails_sources_with_its_kms_keys_as_one_unconfigured_input() -> None:
    trail = "cloudtrail_objects,cloudtrail_activity,kms_keys"
    results = [rule_result("NHI-RT-001", "INCOMPLETE", region="eu-west-1", missing_sources=trail)]
    (entry,) = evidence_gaps(pd.DataFrame(results), [])["not_configured"]
    assert entry["source"] == "cloudtrail_activity, cloudtrail_objects, kms_keys"
    assert entry["why"].startswith("no CloudTrail trail is configured")


def test_a_configured_probe_target_without_evidence_could_not_be_collected_not_unconfigured() -> None:
    results = [rule_result("NHI-PRB-001", "INCOMPLETE", account="probe:orders-api", missing_sources="token_probes")]
    found = evidence_gaps(pd.DataFrame(results), [])
    listed = [(e["account_id"], e["status"]) for e in found["could_not_collect"]]
    assert listed == [("probe:orders-api", "not collected")]
    assert found["not_configured"] == []


def test_an_unreadable_policy_document_could_not_be_collected_rather_than_unconfigured() -> None:
    results = [rule_result("NHI-LP-001", "INCOMPLETE", missing_sources="policy_documents")]
    found = evidence_gaps(pd.DataFrame(results), [])
    assert [(e["source"], e["status"], e["rules"]) for e in found["could_not_collect"]] == [
        ("policy_documents", "missing or unreadable", ["NHI-LP-001"])
    ]
