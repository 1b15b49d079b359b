"""NHI-DRIFT rules: change since the previous stored day, outside the approved baseline, is a finding."""

from __future__ import annotations

from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.evaluate.engine import Evaluation, EvaluationInputs, evaluate
from assurance_jobs.evaluate.suites import load_suites

DRIFT_RULES = ("NHI-DRIFT-001", "NHI-DRIFT-002")


def _evaluate(identities: list[dict], *, previous_partition_present: bool = True) -> Evaluation:
    suites = [suite for suite in load_suites() if suite.name == "drift"]
    return evaluate(
        EvaluationInputs(
            tables={"identities": s.identities(identities), "credentials": s.credentials([])},
            collection_status=s.collection_status(s.all_ok()),
            suites=suites,
            snapshot_id="snap",
            partition_date="2026-11-25",
            inputs_present=frozenset(
                {"directory_feed", "baseline"} | ({"previous_partition"} if previous_partition_present else set())
            ),
        )
    )


def _status(evaluation: Evaluation, rule_id: str) -> str:
    results = evaluation.rule_results
    return results.loc[results["rule_id"] == rule_id, "status"].item()


def test_role_that_gained_kms_actions_outside_the_baseline_fails_drift_001() -> None:
    crept = s.identity(
        "payments-settlement",
        drift_permissions_outside_baseline="kms:decrypt,kms:schedulekeydeletion",
        drift_permissions_outside_baseline_count=2,
    )
    findings = _evaluate([crept, s.identity("steady")]).findings
    failing = findings[findings["rule_id"] == "NHI-DRIFT-001"]
    assert list(failing["resource_arn"]) == [s.role_arn("payments-settlement")]
    assert failing["observed"].item() == "kms:decrypt,kms:schedulekeydeletion"


def test_trust_widened_to_a_partner_account_fails_drift_002() -> None:
    widened = s.identity(
        "agent-support-bot",
        drift_trust_outside_baseline="arn:aws:iam::444455556666:root",
        drift_trust_outside_baseline_count=1,
    )
    assert _status(_evaluate([widened]), "NHI-DRIFT-002") == "FAIL"


def test_unchanged_identities_pass_both_drift_rules() -> None:
    evaluation = _evaluate([s.identity("steady")])
    assert [_status(evaluation, rule) for rule in DRIFT_RULES] == ["PASS", "PASS"]


def test_first_stored_day_is_incomplete_not_pass() -> None:
    first_day = s.identity(
        "new", drift_permissions_outside_baseline_count=None, drift_trust_outside_baseline_count=None
    )
    evaluation = _evaluate([first_day], previous_partition_present=False)
    assert [_status(evaluation, rule) for rule in DRIFT_RULES] == ["INCOMPLETE", "INCOMPLETE"]
    results = evaluation.rule_results
    assert set(results["missing_sources"]) == {"previous_partition"}
