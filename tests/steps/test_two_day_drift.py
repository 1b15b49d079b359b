"""Two days of an emulated estate: the drift tables and the baseline findings the daily job stores.

Day 1 matches the approved baseline (its just-in-time grant is inside its window); overnight a KMS policy is put
on payments-settlement, the support bot's role starts trusting a partner account, the agent platform grants the
support bot `billing:refund`, and the JIT window closes. The module runs both days once (moto in process,
freezegun for the clock, the pipeline's plain functions); each test checks one consequence.
"""

from __future__ import annotations

import pytest
from two_day_fixtures import (
    AGENT_ID,
    PARTNER_ROOT,
    RELEASE,
    SETTLEMENT,
    SUPPORT_BOT,
    TwoDays,
    rejudged_without_baseline,
    run_two_days,
)

from assurance_jobs.evaluate.engine import Evaluation

DRIFT_RULES = ("NHI-DRIFT-001", "NHI-DRIFT-002")
BASELINE_RULES = ("NHI-BL-001", "NHI-BL-002", "NHI-BL-003", "NHI-BL-004", "NHI-BL-005")
KMS_ADDED = {"kms:creategrant", "kms:decrypt", "kms:schedulekeydeletion"}
PLANTED = {
    ("NHI-DRIFT-001", SETTLEMENT),
    ("NHI-DRIFT-002", SUPPORT_BOT),
    ("NHI-BL-001", SETTLEMENT),
    ("NHI-BL-002", SUPPORT_BOT),
    ("NHI-BL-003", RELEASE),
    ("NHI-BL-004", AGENT_ID),
}


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> TwoDays:
    return run_two_days(tmp_path_factory.mktemp("two-days"))


@pytest.fixture(scope="module")
def without_baseline(two_days: TwoDays, tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    return rejudged_without_baseline(two_days, tmp_path_factory.mktemp("no-baseline"))


def finding_pairs(evaluation: Evaluation) -> set[tuple[str, str]]:
    findings = evaluation.findings
    return set(zip(findings["rule_id"], findings["resource_arn"], strict=True))


def statuses(evaluation: Evaluation, rule_ids: tuple[str, ...]) -> dict[str, set[str]]:
    results = evaluation.rule_results
    chosen = results[results["rule_id"].isin(rule_ids)]
    return {rule_id: set(group["status"]) for rule_id, group in chosen.groupby("rule_id")}


def actions(cell: str) -> set[str]:
    return set(cell.split(",")) if cell else set()


# ------------------------------------------------------------------------------------------------ drift tables


def test_permission_changes_list_only_the_settlement_roles_kms_actions(two_days: TwoDays) -> None:
    changes = two_days.drift_table("permission_changes")
    assert list(changes["arn"]) == [SETTLEMENT]
    (change,) = changes.to_dict("records")
    assert (actions(change["added_actions"]), change["removed_count"]) == (KMS_ADDED, 0)
    assert actions(change["added_outside_baseline"]) == KMS_ADDED


def test_trust_changes_list_the_support_bots_partner_account(two_days: TwoDays) -> None:
    changes = two_days.drift_table("trust_changes")
    columns = ["arn", "added_principals", "added_outside_baseline", "removed_count"]
    assert changes[columns].values.tolist() == [[SUPPORT_BOT, PARTNER_ROOT, PARTNER_ROOT, 0]]


def test_no_identity_was_added_or_removed(two_days: TwoDays) -> None:
    assert two_days.drift_table("identity_changes").empty


# ------------------------------------------------------------------------------------------------ findings


def test_day_two_reports_every_planted_drift_and_baseline_violation(two_days: TwoDays) -> None:
    assert PLANTED - finding_pairs(two_days.day2) == set()


def test_agent_finding_names_the_agent_and_its_unapproved_scope(two_days: TwoDays) -> None:
    findings = two_days.day2.findings
    (agent,) = findings[findings["rule_id"] == "NHI-BL-004"].to_dict("records")
    assert agent["resource_arn"] == AGENT_ID
    assert "billing:refund" in agent["observed"]


def test_day_one_reports_none_of_them(two_days: TwoDays) -> None:
    assert PLANTED & finding_pairs(two_days.day1) == set()


def test_day_one_drift_rules_are_incomplete_for_want_of_a_previous_day(two_days: TwoDays) -> None:
    results = two_days.day1.rule_results
    drift = results[results["rule_id"].isin(DRIFT_RULES)]
    assert set(drift["status"]) == {"INCOMPLETE"}
    assert all("previous_partition" in missing.split(",") for missing in drift["missing_sources"])


def test_day_two_drift_rules_fail(two_days: TwoDays) -> None:
    assert statuses(two_days.day2, DRIFT_RULES) == {rule_id: {"FAIL"} for rule_id in DRIFT_RULES}


def test_unchanged_roles_have_no_drift_finding(two_days: TwoDays) -> None:
    drift = {pair for pair in finding_pairs(two_days.day2) if pair[0] in DRIFT_RULES}
    assert drift == {("NHI-DRIFT-001", SETTLEMENT), ("NHI-DRIFT-002", SUPPORT_BOT)}


# ------------------------------------------------------------------------------------------------ no baseline


def test_without_a_baseline_the_baseline_rules_are_incomplete_not_pass(without_baseline: Evaluation) -> None:
    results = without_baseline.rule_results
    baseline = results[results["rule_id"].isin(BASELINE_RULES)]
    assert set(baseline["rule_id"]) == set(BASELINE_RULES)
    assert set(baseline["status"]) == {"INCOMPLETE"}
    assert all("baseline" in missing.split(",") for missing in baseline["missing_sources"])


def test_without_a_baseline_no_baseline_finding_is_claimed(without_baseline: Evaluation) -> None:
    assert {rule for rule, _ in finding_pairs(without_baseline)} & set(BASELINE_RULES) == set()
