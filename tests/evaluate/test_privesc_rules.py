"""NHI-LP-008 judged by Great Expectations over contract-shaped rows: latent escalation fails at medium severity,
and the least-privilege verdicts read INCOMPLETE where the organization's policies or a document are unknown."""

from __future__ import annotations

from typing import Any

import pytest

from assurance_jobs.evaluate import Evaluation, EvaluationInputs, evaluate, load_suites
from assurance_jobs.evaluate import synthetic as s

LATENT = "svc-ci → iam:PassRole+ec2:RunInstances — missing: a passable privileged role that trusts ec2.amazonaws.com"
ACCOUNTS = {"latent": "111111111111", "org-unreadable": "222222222222", "docs-missing": "333333333333"}
ROWS: dict[str, dict[str, Any]] = {
    "latent": s.identity("svc-latent", "user", ACCOUNTS["latent"], privesc_latent=True, privesc_latent_path=LATENT),
    "clean": s.identity("svc-clean", "user", ACCOUNTS["latent"]),
    "org-unreadable": s.identity("svc-org", "role", ACCOUNTS["org-unreadable"], organization_policies_unreadable=1),
    "docs-missing": s.identity("svc-docs", "role", ACCOUNTS["docs-missing"], policy_documents_missing=1),
}


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    suites = [suite for suite in load_suites() if suite.name == "least_privilege"]
    statuses = [row for account in ACCOUNTS.values() for row in s.all_ok(account)]
    return evaluate(
        EvaluationInputs(
            tables={"identities": s.identities(ROWS.values()), "credentials": s.credentials([])},
            collection_status=s.collection_status(statuses),
            suites=suites,
            snapshot_id="20261125T060000Z-1a2b3c4d",
            partition_date="2026-11-25",
        )
    )


def _status(evaluation: Evaluation, rule_id: str, case: str) -> str:
    results = evaluation.rule_results
    scope = results[(results["rule_id"] == rule_id) & (results["account_id"] == ACCOUNTS[case])]
    return str(scope["status"].iloc[0])


def test_a_latent_method_fails_nhi_lp_008_at_medium_severity_with_the_path_as_observed_value(evaluation: Evaluation):
    findings = evaluation.findings[evaluation.findings["rule_id"] == "NHI-LP-008"]
    (finding,) = findings.to_dict("records")
    assert (finding["resource_arn"], finding["severity"], finding["observed"]) == (
        ROWS["latent"]["arn"],
        "medium",
        LATENT,
    )


@pytest.mark.parametrize("rule_id", ["NHI-LP-001", "NHI-LP-002", "NHI-LP-003", "NHI-LP-008"])
def test_unreadable_organization_policies_make_the_permission_verdicts_incomplete(evaluation: Evaluation, rule_id):
    assert _status(evaluation, rule_id, "org-unreadable") == "INCOMPLETE"


def test_a_missing_policy_document_makes_nhi_lp_008_incomplete_not_pass(evaluation: Evaluation):
    assert _status(evaluation, "NHI-LP-008", "docs-missing") == "INCOMPLETE"
