"""A principal whose policy document cannot be read is INCOMPLETE for its least-privilege rules, never PASS.

The documents go through the real path: raw authorization-details pages in a snapshot → inventory → policy
facts → evaluation → findings.json.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from assurance_jobs.collect.aws import encode_pages
from assurance_jobs.config import parse_config
from assurance_jobs.evaluate import Evaluation, EvaluationInputs, evaluate, load_suites
from assurance_jobs.evaluate.export import findings_json
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob
from assurance_jobs.snapshot.store import LocalStorage, read_snapshot, write_snapshot
from assurance_jobs.sources.registry import names
from assurance_jobs.steps.inventory import build_partition_inventory

ACCOUNT = "123456789012"
DAY = date(2026, 11, 25)
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
READ_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
MALFORMED_PERMISSIONS: dict[str, Any] = {
    "invalid-json": '{"Version": "2012-10-17", "Statement": [',
    "bad-escape": "%7B%22Version%22%3A%ZZ",
    "json-array": '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]',
    "action-number": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]},
    "empty": "",
}
TRUNCATED_TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Princ'
PERMISSION_RULES = ("NHI-LP-001", "NHI-LP-002", "NHI-LP-003", "NHI-LP-008")
TRUST_RULES = ("NHI-LP-004", "NHI-LP-005", "NHI-LP-006")


def _arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _role(name: str, document: Any = READ_ONLY, trust: Any = TRUST) -> dict[str, Any]:
    return {
        "RoleName": name,
        "Arn": _arn(name),
        "Path": "/",
        "RoleId": f"AROA{name.upper()}",
        "CreateDate": "2026-01-01T00:00:00+00:00",
        "Tags": [{"Key": "owner", "Value": "team@example.com"}],
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": document}],
        "AttachedManagedPolicies": [],
        "RoleLastUsed": {"LastUsedDate": "2026-11-24T00:00:00+00:00"},
    }


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    roles = [_role("fine"), _role("truncated-trust", trust=TRUNCATED_TRUST)]
    roles += [_role(name, document) for name, document in MALFORMED_PERMISSIONS.items()]
    page = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": [], "IsTruncated": False}
    blob = SourceBlob(ACCOUNT, "iam_authorization_details", encode_pages([page]))
    statuses = [
        CollectionStatus(ACCOUNT, source, f"api:{source}", None, "ok", None, None, 1)
        for source in sorted(names(["aws"]))
    ]
    root = tmp_path_factory.mktemp("malformed")
    storage = LocalStorage(root)
    manifest = write_snapshot(storage, DAY, datetime(2026, 11, 25, 6, tzinfo=UTC), [blob], statuses, [ACCOUNT], 1.0)
    config = parse_config({"storage_root": str(root)})
    inventory = build_partition_inventory(config, read_snapshot(storage, DAY, manifest.snapshot_id)).inventory
    suites = [replace(s, rules=tuple(r for r in s.rules if r.rule_id.startswith("NHI-LP"))) for s in load_suites()]
    return evaluate(
        EvaluationInputs(
            tables={"identities": inventory.identities, "credentials": inventory.credentials},
            collection_status=inventory.collection_status,
            suites=[suite for suite in suites if suite.rules],
            snapshot_id=manifest.snapshot_id,
            partition_date=DAY,
        )
    )


def _incomplete(evaluation: Evaluation, rule_id: str) -> set[str]:
    rows = evaluation.incomplete_resources
    return set(rows.loc[rows["rule_id"] == rule_id, "resource_arn"])


@pytest.mark.parametrize("rule_id", PERMISSION_RULES)
def test_each_unreadable_permission_document_makes_its_principal_incomplete(
    evaluation: Evaluation, rule_id: str
) -> None:
    assert _incomplete(evaluation, rule_id) == {_arn(name) for name in MALFORMED_PERMISSIONS}


@pytest.mark.parametrize("rule_id", TRUST_RULES)
def test_a_truncated_trust_policy_makes_only_that_role_incomplete_for_trust_rules(
    evaluation: Evaluation, rule_id: str
) -> None:
    assert _incomplete(evaluation, rule_id) == {_arn("truncated-trust")}


@pytest.mark.parametrize("rule_id", PERMISSION_RULES + TRUST_RULES)
def test_the_scope_with_an_unreadable_document_is_incomplete_not_pass(evaluation: Evaluation, rule_id: str) -> None:
    results = evaluation.rule_results
    (row,) = results[results["rule_id"] == rule_id].to_dict("records")
    assert (row["status"], row["missing_sources"]) == ("INCOMPLETE", "policy_documents")


def test_the_reason_names_the_count_that_made_the_verdict_unknown(evaluation: Evaluation) -> None:
    rows = evaluation.incomplete_resources
    row = rows[(rows["rule_id"] == "NHI-LP-001") & (rows["resource_arn"] == _arn("empty"))].iloc[0]
    assert (row["status"], row["reason"]) == ("INCOMPLETE", "permission_documents_unreadable=1")
    assert row["source_file"] == f"{ACCOUNT}/iam_authorization_details.json" and len(row["source_sha256"]) == 64


def test_a_readable_principal_is_never_listed_incomplete(evaluation: Evaluation) -> None:
    assert _arn("fine") not in set(evaluation.incomplete_resources["resource_arn"])


def test_findings_json_lists_each_incomplete_principal_per_rule(evaluation: Evaluation, tmp_path: Path) -> None:
    listed = json.loads(findings_json(evaluation))["incomplete_resources"]
    assert {(row["rule_id"], row["resource_arn"]) for row in listed if row["rule_id"] == "NHI-LP-004"} == {
        ("NHI-LP-004", _arn("truncated-trust"))
    }
    assert len(listed) == len(PERMISSION_RULES) * len(MALFORMED_PERMISSIONS) + len(TRUST_RULES)


def test_the_rule_page_lists_each_principal_whose_verdict_is_unknown(evaluation: Evaluation, tmp_path: Path) -> None:
    from assurance_jobs.output import synthetic as report
    from assurance_jobs.output.html import render_report

    bundle = report.make_bundle(
        rule_results=evaluation.rule_results.to_dict("records"),
        rules=[report.rule_meta("NHI-LP-004", "least_privilege", "critical", "identities", "Trust open to anyone")],
        incomplete_resources=evaluation.incomplete_resources,
    )
    render_report(bundle, tmp_path)
    page = next((tmp_path / "rules").glob("*LP-004*.html")).read_text()
    assert "Verdict unknown for 1 resource" in page
    assert _arn("truncated-trust") in page and "trust_documents_unreadable=1" in page
    assert _arn("fine") not in page
