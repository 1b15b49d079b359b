"""A principal whose attached policy document is missing from the snapshot cannot pass least-privilege rules."""

from __future__ import annotations

from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.evaluate.engine import Evaluation, EvaluationInputs, evaluate
from assurance_jobs.evaluate.suites import load_suites


def _evaluate(*identities: dict) -> Evaluation:
    suites = [suite for suite in load_suites() if suite.name == "least_privilege"]
    return evaluate(
        EvaluationInputs(
            tables={"identities": s.identities(identities), "credentials": s.credentials([])},
            collection_status=s.collection_status(s.all_ok()),
            suites=suites,
            snapshot_id="snap",
            partition_date="2026-11-25",
            inputs_present=frozenset({"directory_feed"}),
        )
    )


def _result(evaluation: Evaluation, rule_id: str) -> dict:
    results = evaluation.rule_results
    return results[results["rule_id"] == rule_id].iloc[0].to_dict()


def test_unknown_managed_policy_document_makes_the_admin_rule_incomplete() -> None:
    opaque = s.identity("uses-administratoraccess", policy_documents_missing=1)
    result = _result(_evaluate(opaque, s.identity("scoped")), "NHI-LP-001")
    assert result["status"] == "INCOMPLETE"
    assert result["missing_sources"] == "policy_documents"


def test_escalation_rule_is_incomplete_too() -> None:
    opaque = s.identity("uses-administratoraccess", policy_documents_missing=2)
    assert _result(_evaluate(opaque), "NHI-LP-003")["status"] == "INCOMPLETE"


def test_trust_rules_do_not_depend_on_permission_documents() -> None:
    opaque = s.identity("uses-administratoraccess", policy_documents_missing=1)
    assert _result(_evaluate(opaque), "NHI-LP-004")["status"] == "PASS"


def test_principals_with_every_document_present_pass() -> None:
    assert _result(_evaluate(s.identity("scoped")), "NHI-LP-001")["status"] == "PASS"
