"""The `policies` table: one row per (principal, document), every way a policy can reach a principal."""

from __future__ import annotations

import json

import pandas as pd
from fixtures.inventory.snapshot_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    arn,
    blob,
    fixture_text,
    inventory_of,
    standard_blobs,
    standard_inventory,
)

from assurance_jobs.scan.inventory import NOT_IN_SNAPSHOT, POLICY_COLUMNS, decode_policy_document
from assurance_jobs.snapshot.model import IAM_AUTHORIZATION_DETAILS

DEPLOY = arn("user", "svc-deploy")
APP_ROLE = arn("role", "app-role")


def _rows(principal_arn: str, attachment: str, inventory=None) -> pd.DataFrame:
    policies = (inventory or standard_inventory()).policies
    return policies[(policies["principal_arn"] == principal_arn) & (policies["attachment"] == attachment)]


def _one(principal_arn: str, attachment: str, inventory=None) -> pd.Series:
    rows = _rows(principal_arn, attachment, inventory)
    assert len(rows) == 1, f"expected one {attachment} row for {principal_arn}"
    return rows.iloc[0]


def _inventory_with_auth_page(page: dict) -> object:
    return inventory_of([blob(IAM_AUTHORIZATION_DETAILS, json.dumps({"pages": [page]}).encode())])


def test_columns_are_the_design_columns_plus_provenance() -> None:
    assert list(standard_inventory().policies.columns) == list(POLICY_COLUMNS)


def test_inline_user_policy_is_decoded_from_url_encoding() -> None:
    row = _one(DEPLOY, "inline")
    assert row["policy_name"] == "read-artifacts" and pd.isna(row["parse_error"])
    assert json.loads(row["document"])["Statement"][0]["Action"] == ["s3:GetObject", "s3:ListBucket"]


def test_attached_managed_policy_uses_the_default_version() -> None:
    row = _one(DEPLOY, "managed")
    assert row["policy_arn"] == arn("policy", "DeployPolicy")
    assert json.loads(row["document"])["Statement"][0]["Action"] == [
        "cloudformation:CreateStack",
        "cloudformation:UpdateStack",
    ]


def test_aws_managed_policy_missing_from_the_snapshot_is_kept_without_document() -> None:
    row = _one(APP_ROLE, "managed")
    assert row["policy_arn"] == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert pd.isna(row["document"]) and row["parse_error"] == NOT_IN_SNAPSHOT


def test_user_in_a_group_gets_group_inline_and_group_managed_rows() -> None:
    inline = _one(DEPLOY, "group_inline")
    managed = _one(DEPLOY, "group_managed")
    assert (inline["policy_name"], inline["via_group"]) == ("write-logs", "deployers")
    assert (managed["policy_arn"], managed["via_group"]) == ("arn:aws:iam::aws:policy/ReadOnlyAccess", "deployers")


def test_statement_given_as_a_single_object_is_accepted() -> None:
    assert pd.isna(_one(DEPLOY, "group_inline")["parse_error"])


def test_permissions_boundary_gets_a_boundary_row_with_its_document() -> None:
    row = _one(DEPLOY, "boundary")
    assert (row["policy_name"], row["policy_arn"]) == ("WorkloadBoundary", arn("policy", "WorkloadBoundary"))
    assert json.loads(row["document"])["Statement"][0]["Action"] == ["s3:*", "cloudformation:*"]


def test_role_trust_policy_gets_a_trust_row() -> None:
    row = _one(APP_ROLE, "trust")
    assert pd.isna(row["parse_error"])
    assert json.loads(row["document"])["Statement"][0]["Action"] == "sts:AssumeRole"


def test_users_get_no_trust_row() -> None:
    assert _rows(DEPLOY, "trust").empty


def test_truncated_json_is_kept_raw_with_a_parse_error() -> None:
    rows = _rows(arn("user", "svc-broken"), "inline").set_index("policy_name")
    assert rows.loc["truncated", "parse_error"].startswith("invalid JSON")
    assert rows.loc["truncated", "document"].startswith("%7B%22Version")


def test_document_without_statement_is_flagged() -> None:
    rows = _rows(arn("user", "svc-broken"), "inline").set_index("policy_name")
    assert rows.loc["no-statement", "parse_error"] == "document has no Statement"


def test_document_that_is_not_an_object_is_flagged() -> None:
    rows = _rows(arn("user", "svc-broken"), "inline").set_index("policy_name")
    assert (rows.loc["a-list", "parse_error"], rows.loc["a-list", "document"]) == (
        "document is not a JSON object",
        "[1, 2, 3]",
    )


def test_already_decoded_documents_from_boto3_are_accepted() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    role = {"Arn": APP_ROLE, "RoleName": "app-role", "AssumeRolePolicyDocument": document,
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": document}]}  # fmt: skip
    inventory = _inventory_with_auth_page({"RoleDetailList": [role]})
    assert json.loads(_one(APP_ROLE, "inline", inventory)["document"]) == document
    assert pd.isna(_one(APP_ROLE, "trust", inventory)["parse_error"])


def test_plain_json_string_documents_are_accepted() -> None:
    assert decode_policy_document('{"Version": "2012-10-17", "Statement": []}') == (
        '{"Statement": [], "Version": "2012-10-17"}',
        None,
    )


def test_missing_document_is_flagged_not_fatal() -> None:
    assert decode_policy_document(None) == (None, "document missing")


def test_group_missing_from_the_details_is_warned_not_fatal() -> None:
    user = {"Arn": DEPLOY, "UserName": "svc-deploy", "GroupList": ["ghosts"]}
    inventory = _inventory_with_auth_page({"UserDetailList": [user]})
    assert inventory.policies.empty
    assert inventory.parse_warnings == [f"{ACCOUNT}: group ghosts of {DEPLOY} not in authorization details"]


def test_unexpected_policy_fields_are_ignored() -> None:
    page = json.loads(fixture_text("iam_authorization_details.json"))["pages"][0]
    page["Policies"][0]["Brand"] = "new"
    page["Policies"][0]["PolicyVersionList"][1]["Extra"] = {"x": 1}
    assert pd.isna(_one(DEPLOY, "managed", _inventory_with_auth_page(page))["parse_error"])


def test_documents_across_pages_are_joined() -> None:
    page = json.loads(fixture_text("iam_authorization_details.json"))["pages"][0]
    first = {"UserDetailList": page["UserDetailList"], "IsTruncated": True, "Marker": "m1"}
    second = {"GroupDetailList": page["GroupDetailList"], "Policies": page["Policies"], "IsTruncated": False}
    details = blob(IAM_AUTHORIZATION_DETAILS, json.dumps({"pages": [first, second]}).encode())
    inventory = inventory_of([details])
    assert pd.isna(_one(DEPLOY, "managed", inventory)["parse_error"])
    assert _one(DEPLOY, "group_inline", inventory)["via_group"] == "deployers"


def test_rows_are_in_a_deterministic_order() -> None:
    blobs = standard_blobs(OTHER_ACCOUNT) + standard_blobs(ACCOUNT)
    first = inventory_of(blobs).policies
    pd.testing.assert_frame_equal(first, inventory_of(list(reversed(blobs))).policies)
    keys = list(zip(first["account_id"], first["principal_arn"], first["attachment"], strict=True))
    assert keys == sorted(keys)
