"""Missing evidence is INCOMPLETE, never PASS: the per-scope verdicts of evaluate().

Each test runs only the rules it is about (GX costs seconds per rule set, not per row).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from assurance_jobs.evaluate import Evaluation, EvaluationInputs, Suite, evaluate, load_suites
from assurance_jobs.evaluate import synthetic as s

OTHER_ACCOUNT = "222222222222"


def _only(*rule_ids: str) -> list[Suite]:
    suites = [replace(suite, rules=tuple(r for r in suite.rules if r.rule_id in rule_ids)) for suite in load_suites()]
    return [suite for suite in suites if suite.rules]


def _run(
    rule_ids: tuple[str, ...],
    identities: list[dict[str, Any]],
    credentials: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    *,
    directory_feed_present: bool = True,
) -> Evaluation:
    return evaluate(
        EvaluationInputs(
            tables={"identities": s.identities(identities), "credentials": s.credentials(credentials)},
            collection_status=s.collection_status(statuses),
            suites=_only(*rule_ids),
            snapshot_id="20261125T060000Z-1a2b3c4d",
            partition_date="2026-11-25",
            inputs_present=frozenset({"directory_feed"} if directory_feed_present else set()),
        )
    )


def _results(evaluation: Evaluation, rule_id: str) -> list[dict[str, Any]]:
    results = evaluation.rule_results
    return results[results["rule_id"] == rule_id].to_dict("records")


def _secret(name: str, region: str, **facts: Any) -> dict[str, Any]:
    arn = f"arn:aws:secretsmanager:{region}:{s.ACCOUNT}:secret:{name}"
    return s.credential(arn, "secret", None, region=region, **facts)


def _verdicts(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(row["account_id"], row["region"], row["status"], row["missing_sources"]) for row in rows]


@pytest.fixture(scope="module")
def denied_in_one_region() -> Evaluation:
    """Secrets listed fine in eu-west-1; ListSecrets denied in us-east-1 (one stale secret seen before the error)."""
    statuses = [
        *s.all_ok(regions=["eu-west-1"]),
        s.status("secretsmanager_secrets", region="us-east-1", state="partial", error_code="AccessDeniedException"),
    ]
    credentials = [
        _secret("healthy", "eu-west-1"),
        _secret("stale", "us-east-1", days_since_rotation=200.0),
    ]
    return _run(("NHI-ROT-003", "NHI-ROT-004"), [], credentials, statuses)


def test_access_denied_region_is_incomplete_while_the_other_region_passes(denied_in_one_region: Evaluation) -> None:
    assert _verdicts(_results(denied_in_one_region, "NHI-ROT-003")) == [
        (s.ACCOUNT, "eu-west-1", "PASS", ""),
        (s.ACCOUNT, "us-east-1", "INCOMPLETE", "secretsmanager_secrets"),
    ]


def test_incomplete_wins_over_fail_but_the_failing_row_is_still_a_finding(denied_in_one_region: Evaluation) -> None:
    rows = _results(denied_in_one_region, "NHI-ROT-004")
    assert [(row["region"], row["status"], row["failed"]) for row in rows] == [
        ("eu-west-1", "PASS", 0),
        ("us-east-1", "INCOMPLETE", 1),
    ]
    assert denied_in_one_region.findings["resource_arn"].str.endswith(":secret:stale").tolist() == [True]


def test_missing_directory_feed_makes_owner_departure_incomplete() -> None:
    owned = s.identity("reporting", owner_status="not_checked")
    evaluation = _run(("NHI-OFF-003", "NHI-OFF-004"), [owned], [], s.all_ok(), directory_feed_present=False)
    assert _verdicts(_results(evaluation, "NHI-OFF-004")) == [(s.ACCOUNT, None, "INCOMPLETE", "directory_feed")]
    assert _verdicts(_results(evaluation, "NHI-OFF-003")) == [(s.ACCOUNT, None, "PASS", "")]


def test_account_with_errored_source_and_no_rows_is_incomplete_not_pass() -> None:
    statuses = [
        *s.all_ok(),
        *[row for row in s.all_ok(OTHER_ACCOUNT) if row["source"] != "iam_server_certificates"],
        s.status("iam_server_certificates", OTHER_ACCOUNT, state="error", error_code="AccessDenied"),
    ]
    evaluation = _run(("NHI-ROT-005",), [], [], statuses)
    assert _verdicts(_results(evaluation, "NHI-ROT-005")) == [
        (s.ACCOUNT, None, "PASS", ""),
        (OTHER_ACCOUNT, None, "INCOMPLETE", "iam_server_certificates"),
    ]


def test_source_absent_from_collection_status_is_incomplete() -> None:
    statuses = [row for row in s.all_ok() if row["source"] != "iam_roles"]
    evaluation = _run(("NHI-EXP-001",), [s.identity("batch")], [], statuses)
    assert _verdicts(_results(evaluation, "NHI-EXP-001")) == [(s.ACCOUNT, None, "INCOMPLETE", "iam_roles")]


def test_account_with_rows_but_no_collection_status_is_incomplete() -> None:
    evaluation = _run(("NHI-LP-001",), [s.identity("orphan-data", account=OTHER_ACCOUNT)], [], s.all_ok())
    assert _verdicts(_results(evaluation, "NHI-LP-001")) == [
        (s.ACCOUNT, None, "PASS", ""),
        (OTHER_ACCOUNT, None, "INCOMPLETE", "iam_authorization_details,sts_caller_identity"),
    ]


def _denied(source: str, region: str | None = None) -> list[dict[str, Any]]:
    statuses = [row for row in s.all_ok() if (row["source"], row["region"]) != (source, region)]
    return [*statuses, s.status(source, region=region, state="error", error_code="AccessDenied")]


def test_denied_authorization_details_makes_rules_over_identities_incomplete_whatever_they_depend_on() -> None:
    evaluation = _run(("NHI-EXP-001", "NHI-LP-007"), [], [], _denied("iam_authorization_details"))
    expected = [(s.ACCOUNT, None, "INCOMPLETE", "iam_authorization_details")]
    for rule_id in ("NHI-EXP-001", "NHI-LP-007"):
        assert _verdicts(_results(evaluation, rule_id)) == expected


def test_a_source_feeding_other_kinds_of_rows_leaves_a_rule_complete() -> None:
    key = s.credential(f"{s.user_arn('ci')}#access_key_1", owner_arn=s.user_arn("ci"))
    evaluation = _run(("NHI-ROT-001", "NHI-ROT-005"), [], [key], _denied("secretsmanager_secrets", "eu-west-1"))
    assert _verdicts(_results(evaluation, "NHI-ROT-001")) == [(s.ACCOUNT, None, "PASS", "")]
    assert _verdicts(_results(evaluation, "NHI-ROT-005")) == [(s.ACCOUNT, None, "PASS", "")]


def test_unidentified_account_makes_every_rule_incomplete() -> None:
    evaluation = _run(("NHI-ROT-001", "NHI-LP-001"), [s.identity("batch")], [], _denied("sts_caller_identity"))
    assert {row["missing_sources"] for row in evaluation.rule_results.to_dict("records")} == {"sts_caller_identity"}


def test_regional_rule_for_account_without_any_region_collected_is_incomplete() -> None:
    statuses = [row for row in s.all_ok() if row["source"] != "secretsmanager_secrets"]
    evaluation = _run(("NHI-ROT-003",), [], [], statuses)
    assert _verdicts(_results(evaluation, "NHI-ROT-003")) == [(s.ACCOUNT, None, "INCOMPLETE", "secretsmanager_secrets")]


def test_evaluated_counts_only_rows_in_the_rule_scope() -> None:
    keys = [
        s.credential(f"{s.user_arn('ci')}/access_key_1", owner_arn=s.user_arn("ci")),
        s.credential(f"{s.user_arn('ci')}/access_key_2", owner_arn=s.user_arn("ci"), active=False),
        s.credential(f"{s.user_arn('bob')}/access_key_1", owner_arn=s.user_arn("bob"), owner_is_nhi=False),
    ]
    evaluation = _run(("NHI-ROT-001",), [], keys, s.all_ok())
    assert [(row["evaluated"], row["status"]) for row in _results(evaluation, "NHI-ROT-001")] == [(1, "PASS")]


def test_empty_inventory_yields_results_but_no_findings() -> None:
    evaluation = _run(("NHI-ROT-001", "NHI-LP-001"), [], [], s.all_ok())
    assert evaluation.findings.empty
    assert [row["status"] for row in evaluation.rule_results.to_dict("records")] == ["PASS", "PASS"]


def test_a_caller_index_does_not_shift_findings_to_other_rows() -> None:
    identities = s.identities([s.identity("fine"), s.identity("admin", effective_admin=True)])
    identities.index = pd.Index([10, 3])
    evaluation = evaluate(
        EvaluationInputs(
            tables={"identities": identities, "credentials": s.credentials([])},
            collection_status=s.collection_status(s.all_ok()),
            suites=_only("NHI-LP-001"),
            snapshot_id="x",
            partition_date="2026-11-25",
            inputs_present=frozenset({"directory_feed"}),
        )
    )
    assert evaluation.findings["resource_arn"].tolist() == [s.role_arn("admin")]


def _rotation_needing_the_trail() -> list[Suite]:
    """NHI-ROT-003 as a rule that also reads the CloudTrail day, as an agent rule does (its rows come from
    secretsmanager_secrets; the trail is read in more regions than secrets were listed in)."""
    suites = _only("NHI-ROT-003")
    rule = replace(suites[0].rules[0], depends_on=("secretsmanager_secrets", "cloudtrail_activity"))
    return [replace(suites[0], rules=(rule,))]


def _evaluate_rotation_needing_the_trail(statuses: list[dict[str, Any]]) -> Evaluation:
    return evaluate(
        EvaluationInputs(
            tables={"identities": s.identities([]), "credentials": s.credentials([_secret("db", "eu-west-1")])},
            collection_status=s.collection_status(statuses),
            suites=_rotation_needing_the_trail(),
            snapshot_id="x",
            partition_date="2026-11-25",
        )
    )


def test_a_rules_scopes_are_the_regions_its_rows_were_read_in_not_every_region_of_another_source() -> None:
    trail = [s.status("cloudtrail_activity", region=r) for r in ("eu-west-1", "ap-southeast-1")]
    evaluation = _evaluate_rotation_needing_the_trail(s.all_ok() + trail)
    assert _verdicts(_results(evaluation, "NHI-ROT-003")) == [(s.ACCOUNT, "eu-west-1", "PASS", "")]


def test_the_cloudtrail_day_a_regional_rule_reads_must_be_clean_in_every_region_for_each_scope() -> None:
    trail = [s.status("cloudtrail_activity", region="eu-west-1")]
    trail += [s.status("cloudtrail_activity", region="ap-southeast-1", state="error", error_code="AccessDenied")]
    evaluation = _evaluate_rotation_needing_the_trail(s.all_ok() + trail)
    assert _verdicts(_results(evaluation, "NHI-ROT-003")) == [
        (s.ACCOUNT, "eu-west-1", "INCOMPLETE", "cloudtrail_activity")
    ]


def test_another_regional_source_a_rule_reads_is_judged_in_the_scopes_region() -> None:
    suites = _only("NHI-ROT-003")
    rule = replace(suites[0].rules[0], depends_on=("secretsmanager_secrets", "lambda_functions"))
    statuses = s.all_ok(regions=("eu-west-1", "ap-southeast-1"))
    statuses += [s.status("lambda_functions", region="eu-west-1")]
    statuses += [s.status("lambda_functions", region="ap-southeast-1", state="error", error_code="AccessDenied")]
    evaluation = evaluate(
        EvaluationInputs(
            tables={"identities": s.identities([]), "credentials": s.credentials([_secret("db", "eu-west-1")])},
            collection_status=s.collection_status(statuses),
            suites=[replace(suites[0], rules=(rule,))],
            snapshot_id="x",
            partition_date="2026-11-25",
        )
    )
    assert _verdicts(_results(evaluation, "NHI-ROT-003")) == [
        (s.ACCOUNT, "ap-southeast-1", "INCOMPLETE", "lambda_functions"),
        (s.ACCOUNT, "eu-west-1", "PASS", ""),
    ]
