"""Every rule, one passing and one failing row, judged by Great Expectations through evaluate().

Each rule gets an account of its own holding exactly its two rows, so the per-account result also proves both
rows were inside the rule's scope (evaluated == 2): a "pass" that only passed because the row was out of scope
would show up as evaluated == 1. All cases share one evaluation, because GX costs seconds per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assurance_jobs.evaluate import (
    FINDINGS_COLUMNS,
    RULE_RESULT_COLUMNS,
    Evaluation,
    EvaluationInputs,
    evaluate,
    load_suites,
    write_findings_exports,
)
from assurance_jobs.evaluate import synthetic as s

SNAPSHOT_ID = "20261125T060000Z-1a2b3c4d"


@dataclass(frozen=True)
class Case:
    rule_id: str
    passing: dict[str, Any]
    failing: dict[str, Any]
    subject: str
    kind: str
    pass_label: str
    fail_label: str


def _id(kind: str, **facts: Any) -> tuple[str, str, dict[str, Any]]:
    return ("identities", kind, facts)


def _cred(kind: str, **facts: Any) -> tuple[str, str, dict[str, Any]]:
    return ("credentials", kind, facts)


# rule id: (passing facts, failing facts, what the pair shows)
_PAIRS: dict[str, tuple[tuple[str, str, dict[str, Any]], tuple[str, str, dict[str, Any]], str, str]] = {
    "NHI-ROT-001": (_cred("access_key", age_days=90.0), _cred("access_key", age_days=91.0), "90-days", "91-days"),
    "NHI-ROT-002": (
        _id("user", active_access_key_count=1),
        _id("user", active_access_key_count=2),
        "one-key",
        "two-keys",
    ),
    "NHI-ROT-003": (
        _cred("secret", rotation_enabled=True),
        _cred("secret", rotation_enabled=False),
        "rotation-on",
        "rotation-off",
    ),
    "NHI-ROT-004": (
        _cred("secret", days_since_rotation=90.0),
        _cred("secret", days_since_rotation=91.0),
        "90-days",
        "91-days",
    ),
    "NHI-ROT-005": (
        _cred("server_certificate", days_to_expiry=0.0),
        _cred("server_certificate", days_to_expiry=-1.0),
        "expires-today",
        "expired",
    ),
    "NHI-ROT-006": (
        _cred("server_certificate", days_to_expiry=30.0),
        _cred("server_certificate", days_to_expiry=29.0),
        "30-days-left",
        "29-days-left",
    ),
    "NHI-EXP-001": (
        _id("role", max_session_seconds=3600.0),
        _id("role", max_session_seconds=43200.0),
        "one-hour",
        "twelve-hours",
    ),
    "NHI-EXP-002": (
        _cred("console_password", expires=s.TAKEN_AT + pd.Timedelta(days=30)),
        _cred("console_password", expires=None),
        "expiring",
        "never-expires",
    ),
    "NHI-LP-001": (
        _id("role", effective_admin=False),
        _id("role", effective_admin=True, admin_implied="effective admin"),
        "scoped",
        "admin",
    ),
    "NHI-LP-002": (
        _id("role"),
        _id("role", sensitive_wildcard_services="iam,kms", sensitive_wildcard_count=2),
        "no-wildcards",
        "iam-kms-wildcards",
    ),
    "NHI-LP-003": (
        _id("role"),
        _id("role", privesc_escalates=True, privesc_path="ci → iam:CreatePolicyVersion → admin"),
        "no-path",
        "path-to-admin",
    ),
    "NHI-LP-004": (
        _id("role", trust_open_unconditioned=False),
        _id("role", trust_open_unconditioned=True),
        "named-principal",
        "open-trust",
    ),
    "NHI-LP-005": (
        _id("role"),
        _id("role", cross_account_without_external_id="222222222222", cross_account_without_external_id_count=1),
        "no-foreign-trust",
        "foreign-trust-without-external-id",
    ),
    "NHI-LP-006": (
        _id("role", oidc_subject_unconstrained=False),
        _id("role", oidc_subject_unconstrained=True),
        "sub-condition",
        "any-subject",
    ),
    "NHI-LP-007": (_id("user", console_access=False), _id("user", console_access=True), "no-console", "console"),
    "NHI-LP-008": (
        _id("role"),
        _id("role", privesc_latent=True, privesc_latent_path="ci → iam:PassRole+ec2:RunInstances — missing: …"),
        "no-method",
        "latent-method",
    ),
    "NHI-OFF-001": (
        _cred("access_key", days_since_last_use=44.0),
        _cred("access_key", days_since_last_use=45.0),
        "44-days",
        "45-days",
    ),
    "NHI-OFF-002": (
        _id("role", days_since_last_use=89.0),
        _id("role", days_since_last_use=90.0),
        "89-days",
        "90-days",
    ),
    "NHI-OFF-003": (_id("role"), _id("role", owner=None, owner_status="no_owner"), "owned", "no-owner"),
    "NHI-OFF-004": (_id("role"), _id("role", owner_status="departed"), "owner-active", "owner-departed"),
    "NHI-OFF-005": (
        _cred("secret", days_since_last_use=89.0),
        _cred("secret", days_since_last_use=90.0),
        "89-days",
        "90-days",
    ),
}


def _account(index: int) -> str:
    return f"{100000000000 + index:012d}"


RULE_ACCOUNTS = {rule_id: _account(index) for index, rule_id in enumerate(sorted(_PAIRS))}
EXTRA = _account(99)  # the named edge cases below live here


def _row(spec: tuple[str, str, dict[str, Any]], name: str, account: str) -> tuple[str, dict[str, Any]]:
    subject, kind, facts = spec
    if subject == "identities":
        return subject, s.identity(name, kind, account, **facts)
    owner = s.user_arn(f"{name}-owner", account)
    if kind == "secret":
        credential_id = f"arn:aws:secretsmanager:eu-west-1:{account}:secret:{name}"
        return subject, s.credential(credential_id, kind, None, account, **facts)
    if kind == "server_certificate":
        return subject, s.credential(f"arn:aws:iam::{account}:server-certificate/{name}", kind, None, account, **facts)
    return subject, s.credential(f"{owner}/{kind}_1", kind, owner, account, **facts)


def _resource(row: dict[str, Any]) -> str:
    return row.get("credential_id") or row["arn"]


def _edge_rows() -> dict[str, dict[str, Any]]:
    """Named rows for the behaviours that are not a plain threshold."""
    owner = s.identity("svc-deployer", "user", EXTRA, classification_reason="no human marker tag")
    created_60_days_ago = s.TAKEN_AT - pd.Timedelta(days=60)
    return {
        "owner": owner,
        "never_used_key": s.credential(
            f"{owner['arn']}/access_key_2",
            "access_key",
            owner["arn"],
            EXTRA,
            created=created_60_days_ago,
            last_used=None,
            never_used=True,
            age_days=60.0,
            days_since_last_use=60.0,
        ),
        "inactive_old_key": s.credential(
            f"{owner['arn']}/access_key_1",
            "access_key",
            owner["arn"],
            EXTRA,
            active=False,
            age_days=400.0,
            days_since_last_use=400.0,
        ),
        "service_linked_role": s.identity(
            "AWSServiceRoleForSupport",
            "role",
            EXTRA,
            is_service_linked=True,
            owner=None,
            owner_status="no_owner",
            days_since_last_use=500.0,
            max_session_seconds=43200.0,
        ),
        "human_admin": s.identity("alice", "user", EXTRA, is_nhi=False, effective_admin=True),
        "nhi_admin": s.identity(
            "svc-everything",
            "role",
            EXTRA,
            effective_admin=True,
            sensitive_wildcard_services="iam,kms",
            sensitive_wildcard_count=2,
            privesc_escalates=True,
            privesc_path="svc-everything → iam:PutRolePolicy → admin",
            admin_implied="effective admin; folds NHI-LP-002 (2 sensitive services), NHI-LP-003 (68 methods)",
        ),
        "unknown_rotation_secret": s.credential(
            f"arn:aws:secretsmanager:eu-west-1:{EXTRA}:secret:unknown-rotation",
            "secret",
            None,
            EXTRA,
            rotation_enabled=None,
        ),
    }


def _build() -> tuple[list[Case], dict[str, dict[str, Any]], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tables: dict[str, list[dict[str, Any]]] = {"identities": [], "credentials": []}
    cases = []
    for rule_id, (passing, failing, pass_label, fail_label) in sorted(_PAIRS.items()):
        account = RULE_ACCOUNTS[rule_id]
        slug = rule_id.lower()
        subject, pass_row = _row(passing, f"{slug}-pass", account)
        _, fail_row = _row(failing, f"{slug}-fail", account)
        tables[subject] += [pass_row, fail_row]
        cases.append(Case(rule_id, pass_row, fail_row, subject, passing[1], pass_label, fail_label))
    edges = _edge_rows()
    for row in edges.values():
        tables["credentials" if "credential_id" in row else "identities"].append(row)
    accounts = [*RULE_ACCOUNTS.values(), EXTRA]
    statuses = [row for account in accounts for row in s.all_ok(account)]
    return (
        cases,
        edges,
        s.identities(tables["identities"]),
        s.credentials(tables["credentials"]),
        s.collection_status(statuses),
    )


CASES, EDGES, IDENTITIES, CREDENTIALS, STATUS = _build()


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(
        EvaluationInputs(
            tables={"identities": IDENTITIES, "credentials": CREDENTIALS},
            collection_status=STATUS,
            suites=load_suites(),
            snapshot_id=SNAPSHOT_ID,
            partition_date="2026-11-25",
            inputs_present=frozenset({"directory_feed"}),
        )
    )


def _failed(evaluation: Evaluation, rule_id: str) -> set[str]:
    findings = evaluation.findings
    return set(findings.loc[findings["rule_id"] == rule_id, "resource_arn"])


def _result(evaluation: Evaluation, rule_id: str, account: str) -> dict[str, Any]:
    results = evaluation.rule_results
    rows = results[(results["rule_id"] == rule_id) & (results["account_id"] == account)]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


CORE_FAMILIES = {"rotation", "expiry", "least_privilege", "offboarding"}  # baseline and drift: their own tests


def test_the_cases_cover_every_rule_in_the_core_suites() -> None:
    assert {rule.rule_id for suite in load_suites() if suite.name in CORE_FAMILIES for rule in suite.rules} == set(
        _PAIRS
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{case.rule_id}-passes-{case.pass_label}" for case in CASES])
def test_rule_passes_the_healthy_row(evaluation: Evaluation, case: Case) -> None:
    assert _resource(case.passing) not in _failed(evaluation, case.rule_id)


@pytest.mark.parametrize("case", CASES, ids=[f"{case.rule_id}-fails-{case.fail_label}" for case in CASES])
def test_rule_fails_the_unhealthy_row(evaluation: Evaluation, case: Case) -> None:
    assert _resource(case.failing) in _failed(evaluation, case.rule_id)


@pytest.mark.parametrize("case", CASES, ids=[case.rule_id for case in CASES])
def test_rule_evaluates_both_rows_of_its_account_and_fails_the_scope(evaluation: Evaluation, case: Case) -> None:
    result = _result(evaluation, case.rule_id, RULE_ACCOUNTS[case.rule_id])
    assert (result["evaluated"], result["failed"], result["status"]) == (2, 1, "FAIL")


def test_never_used_key_fails_offboarding_counting_from_creation(evaluation: Evaluation) -> None:
    finding = evaluation.findings[
        (evaluation.findings["rule_id"] == "NHI-OFF-001")
        & (evaluation.findings["resource_arn"] == EDGES["never_used_key"]["credential_id"])
    ]
    assert finding["observed"].tolist() == ["60"]


def test_inactive_key_is_outside_rotation_and_offboarding(evaluation: Evaluation) -> None:
    key = EDGES["inactive_old_key"]["credential_id"]
    assert key not in _failed(evaluation, "NHI-ROT-001") | _failed(evaluation, "NHI-OFF-001")


def test_service_linked_role_is_outside_session_unused_and_owner_rules(evaluation: Evaluation) -> None:
    role = EDGES["service_linked_role"]["arn"]
    for rule_id in ("NHI-EXP-001", "NHI-OFF-002", "NHI-OFF-003"):
        assert role not in _failed(evaluation, rule_id)


def test_human_user_is_outside_nhi_rules(evaluation: Evaluation) -> None:
    assert EDGES["human_admin"]["arn"] not in _failed(evaluation, "NHI-LP-001")


def test_secret_with_unknown_rotation_state_fails_rather_than_passes(evaluation: Evaluation) -> None:
    secret = EDGES["unknown_rotation_secret"]["credential_id"]
    findings = evaluation.findings
    observed = findings.loc[(findings["rule_id"] == "NHI-ROT-003") & (findings["resource_arn"] == secret), "observed"]
    assert observed.tolist() == ["missing"]


def test_credential_finding_names_its_owner_classification_and_owner(evaluation: Evaluation) -> None:
    findings = evaluation.findings
    row = findings[findings["resource_arn"] == EDGES["never_used_key"]["credential_id"]].iloc[0]
    assert (row["identity_arn"], row["classification_reason"], row["owner"]) == (
        EDGES["owner"]["arn"],
        "no human marker tag",
        "team@example.com",
    )


def test_admin_is_reported_once_under_lp001_with_the_folded_findings_counted(evaluation: Evaluation) -> None:
    admin = EDGES["nhi_admin"]["arn"]
    assert admin not in _failed(evaluation, "NHI-LP-002") | _failed(evaluation, "NHI-LP-003")
    findings = evaluation.findings
    observed = findings.loc[(findings["rule_id"] == "NHI-LP-001") & (findings["resource_arn"] == admin), "observed"]
    assert observed.tolist() == [EDGES["nhi_admin"]["admin_implied"]]


def test_finding_carries_observed_value_threshold_and_provenance(evaluation: Evaluation) -> None:
    case = next(case for case in CASES if case.rule_id == "NHI-ROT-001")
    row = evaluation.findings[evaluation.findings["resource_arn"] == case.failing["credential_id"]].iloc[0]
    assert row[["observed", "threshold", "severity", "status", "resource_kind", "snapshot_id"]].tolist() == [
        "91",
        "≤ 90 days",
        "high",
        "FAIL",
        "access_key",
        SNAPSHOT_ID,
    ]
    assert (row["source_file"], row["partition_date"]) == (case.failing["source_file"], "2026-11-25")


def test_list_valued_observation_shows_the_offending_items(evaluation: Evaluation) -> None:
    findings = evaluation.findings
    assert findings.loc[findings["rule_id"] == "NHI-LP-002", "observed"].tolist() == ["iam,kms"]


def test_secret_findings_carry_their_region_and_iam_findings_none(evaluation: Evaluation) -> None:
    findings = evaluation.findings
    assert set(findings.loc[findings["rule_id"] == "NHI-ROT-003", "region"]) == {"eu-west-1"}
    assert set(findings.loc[findings["rule_id"] == "NHI-LP-001", "region"]) == {None}


def test_findings_have_the_contract_columns_sorted_by_rule_account_resource(evaluation: Evaluation) -> None:
    findings = evaluation.findings
    assert tuple(findings.columns) == FINDINGS_COLUMNS
    keys = list(zip(findings["rule_id"], findings["account_id"], findings["resource_arn"], strict=True))
    assert keys == sorted(keys)


def test_rule_results_have_the_contract_columns_in_rule_account_order(evaluation: Evaluation) -> None:
    results = evaluation.rule_results
    assert tuple(results.columns) == RULE_RESULT_COLUMNS
    keys = list(zip(results["rule_id"], results["account_id"], results["region"].fillna(""), strict=True))
    assert keys == sorted(keys)


def test_an_account_without_rows_for_a_rule_passes_when_its_sources_are_clean(evaluation: Evaluation) -> None:
    result = _result(evaluation, "NHI-ROT-005", RULE_ACCOUNTS["NHI-LP-001"])
    assert (result["status"], result["evaluated"], result["failed"]) == ("PASS", 0, 0)


def test_exports_are_byte_identical_when_the_inventory_rows_arrive_in_another_order(
    evaluation: Evaluation, tmp_path: Path
) -> None:
    shuffled = evaluate(
        EvaluationInputs(
            tables={
                "identities": IDENTITIES.sample(frac=1.0, random_state=7),
                "credentials": CREDENTIALS.sample(frac=1.0, random_state=7),
            },
            collection_status=STATUS.sample(frac=1.0, random_state=7),
            suites=load_suites(),
            snapshot_id=SNAPSHOT_ID,
            partition_date="2026-11-25",
            inputs_present=frozenset({"directory_feed"}),
        )
    )
    first = [path.read_bytes() for path in write_findings_exports(evaluation, tmp_path / "first")]
    second = [path.read_bytes() for path in write_findings_exports(shuffled, tmp_path / "second")]
    assert first == second
