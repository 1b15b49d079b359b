"""Per-identity least-privilege facts computed from the inventory's policies table."""

import json
from typing import Any

import pandas as pd

from assurance_jobs.scan.principal_permissions import FACT_COLUMNS, policy_facts_for

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/deployer"
USER = f"arn:aws:iam::{ACCOUNT}:user/ci"


def allow(action: str) -> str:
    return json.dumps({"Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


def row(arn: str, attachment: str, document: str | None, parse_error: str | None = None) -> dict[str, Any]:
    return {
        "account_id": ACCOUNT,
        "principal_arn": arn,
        "attachment": attachment,
        "document": document,
        "parse_error": parse_error,
    }


def identities(*arns: str) -> pd.DataFrame:
    return pd.DataFrame({"account_id": [ACCOUNT] * len(arns), "arn": list(arns)})


def facts(rows: list[dict[str, Any]], *arns: str) -> pd.DataFrame:
    return policy_facts_for(pd.DataFrame(rows), identities(*arns), known_accounts=[]).set_index("arn")


def test_output_has_exactly_the_design_columns_one_row_per_identity():
    result = policy_facts_for(pd.DataFrame([row(ROLE, "inline", allow("s3:*"))]), identities(ROLE, USER), [])
    assert list(result.columns) == ["account_id", "arn", *FACT_COLUMNS]
    assert list(result["arn"]) == [ROLE, USER]


def test_admin_and_wildcards_from_a_managed_policy():
    result = facts([row(ROLE, "managed", allow("*"))], ROLE).loc[ROLE]
    assert result["effective_admin"]
    assert result["sensitive_wildcard_count"] == 10
    assert "iam" in result["sensitive_wildcard_services"].split(",")


def test_escalation_inherited_through_a_group_is_reported_on_the_user():
    rows = [row(USER, "inline", allow("iam:PassRole")), row(USER, "group_managed", allow("ec2:RunInstances"))]
    result = facts(rows, USER).loc[USER]
    assert result["privesc_methods"] == "iam:PassRole+ec2:RunInstances"
    assert result["privesc_method_count"] == 1


def test_boundary_row_bounds_the_identity_policies():
    rows = [row(ROLE, "inline", allow("*")), row(ROLE, "boundary", allow("s3:*"))]
    result = facts(rows, ROLE).loc[ROLE]
    assert not result["effective_admin"]
    assert result["sensitive_wildcard_services"] == "s3"


def test_trust_row_yields_trust_facts():
    trust = json.dumps(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}
            ]
        }
    )
    result = facts([row(ROLE, "trust", trust)], ROLE).loc[ROLE]
    assert result["cross_account_without_external_id"] == "222222222222"
    assert result["cross_account_without_external_id_count"] == 1
    assert not result["trust_open_unconditioned"]


def test_malformed_documents_are_counted_and_skipped():
    rows = [
        row(ROLE, "inline", "{not json"),
        row(ROLE, "managed", None, parse_error="Expecting value: line 1 column 1"),
        row(ROLE, "inline", allow("sqs:*")),
    ]
    result = facts(rows, ROLE).loc[ROLE]
    assert result["policy_parse_errors"] == 2
    assert not result["effective_admin"]


def test_identity_without_policies_is_clean_with_zero_errors():
    result = facts([row(ROLE, "inline", allow("sqs:*"))], USER).loc[USER]
    assert result["privesc_method_count"] == 0
    assert result["policy_parse_errors"] == 0


def test_arrow_string_columns_with_missing_values_are_read_as_absent():
    policies = pd.DataFrame([row(ROLE, "inline", allow("iam:CreateAccessKey"))]).astype("string[pyarrow]")
    result = policy_facts_for(policies, identities(ROLE), known_accounts=[]).set_index("arn").loc[ROLE]
    assert result["privesc_methods"] == "iam:CreateAccessKey"
    assert result["policy_parse_errors"] == 0


def test_document_not_in_snapshot_is_not_a_parse_error():
    rows = [row(ROLE, "managed", None, parse_error="document not in snapshot")]
    assert facts(rows, ROLE).loc[ROLE, "policy_parse_errors"] == 0


def test_trust_policy_column_is_used_when_the_policies_table_has_no_trust_row():
    open_trust = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]})
    frame = identities(ROLE).assign(trust_policy=[open_trust])
    result = policy_facts_for(pd.DataFrame(), frame, known_accounts=[]).set_index("arn").loc[ROLE]
    assert result["trust_open_unconditioned"]
