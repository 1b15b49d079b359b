"""The runtime suite (NHI-RT-001..008) over runtime facts: each rule's FAIL/PASS pair, and INCOMPLETE on gaps."""

from __future__ import annotations

import pytest

from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.evaluate.engine import Evaluation, EvaluationInputs, evaluate
from assurance_jobs.evaluate.suites import load_suites

RUNTIME = [suite for suite in load_suites() if suite.name == "runtime"]


def _evaluate(identities: list[dict], statuses: list[dict] | None = None, *, history: bool = True) -> Evaluation:
    return evaluate(
        EvaluationInputs(
            tables={"identities": s.identities(identities), "credentials": s.credentials([])},
            collection_status=s.collection_status(statuses if statuses is not None else s.all_ok() + s.trail_ok()),
            suites=RUNTIME,
            snapshot_id="snap",
            partition_date="2026-12-01",
            inputs_present=frozenset({"directory_feed", "baseline"} | ({"cloudtrail_history"} if history else set())),
        )
    )


def _status(evaluation: Evaluation, rule_id: str) -> str:
    results = evaluation.rule_results
    return results.loc[results["rule_id"] == rule_id, "status"].item()


FAILING = {
    "NHI-RT-001": {
        "rt_secret_reads_outside_networks": "secretsmanager:GetSecretValue from 185.220.101.45 ×3",
        "rt_secret_reads_outside_networks_count": 3,
    },
    "NHI-RT-002": {"rt_interactive_use": "ConsoleLogin via console ×1", "rt_interactive_use_count": 1},
    "NHI-RT-003": {
        "in_baseline": True,
        "rt_calls_outside_scope": "lambda:InvokeFunction ×4",
        "rt_calls_outside_scope_count": 4,
    },
    "NHI-RT-004": {
        "rt_denied_outside_baseline": "iam:ListUsers (AccessDenied) ×40",
        "rt_denied_outside_baseline_count": 40,
    },
    "NHI-RT-005": {"rt_unused_granted_services": "kms,sqs", "rt_unused_granted_service_count": 2},
    "NHI-RT-006": {
        "rt_secret_reads_new_network": "secretsmanager:GetSecretValue from 45.155.205.0/24 ×1",
        "rt_secret_reads_new_network_count": 1,
    },
    "NHI-RT-007": {"rt_first_sensitive_use": "iam:CreateAccessKey ×1", "rt_first_sensitive_use_count": 1},
    "NHI-RT-008": {"rt_new_regions": "ap-southeast-1 ×3", "rt_new_region_count": 3},
}
LEARNED = ("NHI-RT-006", "NHI-RT-007", "NHI-RT-008")


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_the_planted_behaviour_fails_its_rule_and_names_what_was_seen(rule_id: str) -> None:
    evaluation = _evaluate([s.identity("offender", **FAILING[rule_id]), s.identity("quiet")])
    findings = evaluation.findings[evaluation.findings["rule_id"] == rule_id]
    assert _status(evaluation, rule_id) == "FAIL"
    assert list(findings["resource_arn"]) == [s.role_arn("offender")]
    observed_column = next(k for k in FAILING[rule_id] if not k.endswith("_count") and k != "in_baseline")
    assert findings["observed"].item() == FAILING[rule_id][observed_column]


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_a_quiet_day_inside_every_scope_passes(rule_id: str) -> None:
    assert _status(_evaluate([s.identity("quiet", in_baseline=True)]), rule_id) == "PASS"


def test_runtime_findings_trace_to_the_cloudtrail_object_listing() -> None:
    offender = s.identity(
        "offender", **FAILING["NHI-RT-002"], rt_source_file="111111111111/cloudtrail_objects.eu-west-1.json"
    )
    finding = _evaluate([offender]).findings.iloc[0]
    assert finding["source_file"] == "111111111111/cloudtrail_objects.eu-west-1.json"


def test_an_unused_services_finding_traces_to_the_file_that_decided_it() -> None:
    advisor_file = "111111111111/iam_service_last_accessed.json"
    offender = s.identity("offender", **FAILING["NHI-RT-005"], rt_unused_source_file=advisor_file)
    findings = _evaluate([offender]).findings
    assert findings.loc[findings["rule_id"] == "NHI-RT-005", "source_file"].tolist() == [advisor_file]


def test_denials_at_the_daily_threshold_pass_and_above_it_fail() -> None:
    at_threshold = s.identity("probing", rt_denied_outside_baseline_count=10)
    above = s.identity("probing", rt_denied_outside_baseline_count=11)
    assert _status(_evaluate([at_threshold]), "NHI-RT-004") == "PASS"
    assert _status(_evaluate([above]), "NHI-RT-004") == "FAIL"


def test_a_person_signing_in_to_the_console_is_not_an_nhi_finding() -> None:
    human = s.identity("alice", kind="user", is_nhi=False, **FAILING["NHI-RT-002"])
    assert _status(_evaluate([human]), "NHI-RT-002") == "PASS"


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_a_coverage_gap_in_one_region_makes_every_runtime_rule_incomplete(rule_id: str) -> None:
    gap = s.status("cloudtrail_activity", region="us-east-1", state="partial", error_code="IncompleteCoverage")
    statuses = s.all_ok() + s.trail_ok() + [s.status("cloudtrail_objects", region="us-east-1"), gap]
    evaluation = _evaluate([s.identity("quiet", in_baseline=True)], statuses)
    assert _status(evaluation, rule_id) == "INCOMPLETE"
    results = evaluation.rule_results
    assert "cloudtrail_activity" in results.loc[results["rule_id"] == rule_id, "missing_sources"].item()


def test_an_account_without_a_trail_is_incomplete_and_has_no_runtime_findings() -> None:
    untracked = s.identity("untracked", **{column: None for column in FAILING["NHI-RT-001"]})
    evaluation = _evaluate([untracked], s.all_ok())
    assert _status(evaluation, "NHI-RT-001") == "INCOMPLETE"
    assert evaluation.findings.empty


def test_unused_services_are_incomplete_until_ninety_days_are_stored() -> None:
    young = s.identity("new", rt_unused_granted_services=None, rt_unused_granted_service_count=None)
    evaluation = _evaluate([young], history=False)
    assert _status(evaluation, "NHI-RT-005") == "INCOMPLETE"
    assert evaluation.findings.empty


def test_a_denied_key_inventory_leaves_unjudged_only_the_identities_that_decrypted_from_outside() -> None:
    """Every key is then unknown (scan/runtime.py), so a Decrypt from outside counts as on an unknown key."""
    denied = s.status("kms_keys", region="eu-west-1", state="error", error_code="AccessDeniedException")
    statuses = s.all_ok() + [row for row in s.trail_ok() if row["source"] != "kms_keys"] + [denied]
    quiet = s.identity("quiet", in_baseline=True)
    reader = s.identity("reader", in_baseline=True, rt_decrypts_unknown_key_count=1)
    evaluation = _evaluate([quiet, reader], statuses)
    assert _status(evaluation, "NHI-RT-001") == "INCOMPLETE"
    assert evaluation.incomplete_resources["resource_arn"].tolist() == [s.role_arn("reader")]
    assert evaluation.findings.empty


def test_a_decrypt_of_a_key_of_unknown_tags_from_outside_makes_secret_reads_incomplete() -> None:
    evaluation = _evaluate([s.identity("reader", in_baseline=True, rt_decrypts_unknown_key_count=2)])
    assert _status(evaluation, "NHI-RT-001") == "INCOMPLETE"
    assert evaluation.incomplete_resources["resource_arn"].tolist() == [s.role_arn("reader")]


def test_a_principal_whose_advisor_job_failed_makes_unused_services_incomplete() -> None:
    failed = s.identity(
        "advised", rt_unused_granted_services=None, rt_unused_granted_service_count=None, rt_unused_unknown_count=1
    )
    evaluation = _evaluate([failed, s.identity("quiet")])
    assert _status(evaluation, "NHI-RT-005") == "INCOMPLETE"
    assert evaluation.incomplete_resources["resource_arn"].tolist() == [s.role_arn("advised")]


def test_a_call_of_unknown_action_makes_the_scope_check_incomplete_never_a_pass() -> None:
    evaluation = _evaluate([s.identity("caller", rt_calls_unknown_action_count=1), s.identity("quiet")])
    assert _status(evaluation, "NHI-RT-003") == "INCOMPLETE"
    assert evaluation.incomplete_resources["resource_arn"].tolist() == [s.role_arn("caller")]


def test_an_identity_without_approved_actions_is_left_to_the_learned_rules() -> None:
    ungoverned = s.identity("ungoverned", rt_calls_outside_scope=None, rt_calls_outside_scope_count=None)
    results = _evaluate([ungoverned]).rule_results.set_index("rule_id")
    assert results.loc["NHI-RT-003", "evaluated"] == 0 and results.loc["NHI-RT-007", "evaluated"] == 1


@pytest.mark.parametrize("rule_id", LEARNED)
def test_learned_rules_are_incomplete_while_the_account_is_still_learning(rule_id: str) -> None:
    learning = s.status("learned_baseline", state="partial", error_code="LearningWindow")
    learning["message"] = "3 of 30 days stored, 14 needed before the learned rules judge"
    statuses = s.all_ok() + [row for row in s.trail_ok() if row["source"] != "learned_baseline"] + [learning]
    evaluation = _evaluate([s.identity("offender", **FAILING[rule_id])], statuses)
    results = evaluation.rule_results.set_index("rule_id")
    assert results.loc[rule_id, "status"] == "INCOMPLETE"
    assert results.loc[rule_id, "reason"] == f"learned_baseline: {learning['message']}"


@pytest.mark.parametrize(("windows", "rule_id", "says"), [
    ({"activity_lookback_days": 30, "learned_baseline_days": 30}, "NHI-RT-005", "(30 days)"),
    ({"activity_lookback_days": 90, "learned_baseline_days": 7}, "NHI-RT-006", "in 7 days"),
    ({"activity_lookback_days": 90, "learned_baseline_days": 7}, "NHI-RT-008", "in 7 days"),
])  # fmt: skip
def test_rule_titles_state_the_configured_window(windows: dict, rule_id: str, says: str) -> None:
    rule = next(r for suite in load_suites(windows=windows) for r in suite.rules if r.rule_id == rule_id)
    assert says in rule.title and "{" not in rule.title + str(rule.meta["rationale"])
