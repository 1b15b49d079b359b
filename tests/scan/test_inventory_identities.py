"""The `identities` table: one row per IAM user and role, with classification, ownership and last-use facts."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
from fixtures.inventory.snapshot_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    TAKEN_AT,
    arn,
    blob,
    build_snapshot,
    fixture_text,
    inventory_of,
    standard_blobs,
    standard_inventory,
)

from assurance_jobs.config import DirectoryFeedConfig, HumanMarker
from assurance_jobs.scan.inventory import IDENTITY_COLUMNS, build_inventory
from assurance_jobs.scan.ownership import SERVICE_LINKED_REASON, parse_directory_feed
from assurance_jobs.snapshot.model import IAM_AUTHORIZATION_DETAILS, IAM_CREDENTIAL_REPORT, IAM_ROLES
from assurance_jobs.sources import registry

SERVICE_ROLE = arn("role", "aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport")


def _identity(inventory, principal_arn: str) -> pd.Series:
    rows = inventory.identities[inventory.identities["arn"] == principal_arn]
    assert len(rows) == 1, f"expected one row for {principal_arn}"
    return rows.iloc[0]


def _with_feed():
    feed = parse_directory_feed(fixture_text("directory.csv"), DirectoryFeedConfig(path="directory.csv"))
    return inventory_of(directory=feed)


def test_one_row_per_user_and_role_with_the_design_columns() -> None:
    identities = standard_inventory().identities
    assert list(identities.columns) == list(IDENTITY_COLUMNS)
    assert sorted(identities["kind"].value_counts().items()) == [("role", 3), ("user", 4)]


def test_policy_analysis_fact_columns_are_left_to_the_policy_engine() -> None:
    columns = set(standard_inventory().identities.columns)
    assert not {"effective_admin", "sensitive_wildcard_count", "privesc_method_count"} & columns


def test_role_never_used_counts_days_since_creation() -> None:
    batch = _identity(standard_inventory(), arn("role", "batch-role"))
    assert batch["never_used"]
    assert batch["days_since_last_use"] == 208.0  # created 2026-05-01T06:00Z, snapshot 2026-11-25T06:00Z


def test_role_last_used_comes_from_role_last_used() -> None:
    app = _identity(standard_inventory(), arn("role", "app-role"))
    assert not app["never_used"]
    assert app["days_since_last_use"] == 90.0  # exactly at the 90-day threshold


def test_user_last_used_is_the_latest_of_password_and_keys() -> None:
    deploy = _identity(standard_inventory(), arn("user", "svc-deploy"))
    assert deploy["last_used"] == pd.Timestamp("2026-10-11T06:00:00Z")
    assert deploy["days_since_last_use"] == 45.0


def test_user_never_used_counts_days_since_creation() -> None:
    broken = _identity(standard_inventory(), arn("user", "svc-broken"))
    assert broken["never_used"]
    assert broken["days_since_last_use"] == 238.25


def test_ages_use_the_snapshot_time_not_the_wall_clock() -> None:
    later = inventory_of(taken_at=TAKEN_AT + timedelta(days=10))
    assert _identity(later, arn("role", "batch-role"))["days_since_last_use"] == 218.0


def test_service_linked_role_is_recognised() -> None:
    role = _identity(standard_inventory(), SERVICE_ROLE)
    assert role["is_service_linked"]
    assert role["classification_reason"] == SERVICE_LINKED_REASON


def test_ordinary_role_is_nhi_by_default() -> None:
    role = _identity(standard_inventory(), arn("role", "app-role"))
    assert (role["is_nhi"], role["is_service_linked"]) == (True, False)
    assert role["classification_reason"] == "role: all IAM roles are non-human by default"


def test_human_tag_marks_a_user_human_with_its_reason() -> None:
    alice = _identity(standard_inventory(), arn("user", "people/alice"))
    assert not alice["is_nhi"]
    assert alice["classification_reason"] == "user: tag identity-type=human"


def test_configured_name_pattern_marks_a_user_human() -> None:
    inventory = inventory_of(human_marker=HumanMarker(name_patterns=["svc-rep*"]))
    assert not _identity(inventory, arn("user", "svc-report"))["is_nhi"]


def test_owner_from_the_second_tag_key_trimmed_and_lower_cased() -> None:
    report_user = _identity(standard_inventory(), arn("user", "svc-report"))
    assert (report_user["owner"], report_user["owner_tag_key"]) == ("bob@example.com", "Owner")


def test_owner_status_is_not_checked_without_a_feed() -> None:
    assert _identity(standard_inventory(), arn("user", "svc-deploy"))["owner_status"] == "not_checked"


def test_owner_status_active_from_the_feed() -> None:
    assert _identity(_with_feed(), arn("user", "svc-deploy"))["owner_status"] == "active"


def test_owner_status_departed_when_terminated_on_the_snapshot_day() -> None:
    assert _identity(_with_feed(), arn("user", "svc-report"))["owner_status"] == "departed"


def test_owner_status_unknown_when_owner_is_not_in_the_feed() -> None:
    assert _identity(_with_feed(), arn("user", "people/alice"))["owner_status"] == "unknown"


def test_owner_status_no_owner_without_owner_tags() -> None:
    assert _identity(_with_feed(), arn("role", "batch-role"))["owner_status"] == "no_owner"


def test_max_session_seconds_comes_from_list_roles() -> None:
    assert _identity(standard_inventory(), arn("role", "app-role"))["max_session_seconds"] == 43200.0


def test_max_session_seconds_is_missing_without_list_roles() -> None:
    inventory = inventory_of(standard_blobs(omit=[IAM_ROLES]))
    assert pd.isna(_identity(inventory, arn("role", "app-role"))["max_session_seconds"])


def test_active_access_key_count_and_console_access_come_from_the_report() -> None:
    deploy = _identity(standard_inventory(), arn("user", "svc-deploy"))
    report_user = _identity(standard_inventory(), arn("user", "svc-report"))
    assert (deploy["active_access_key_count"], deploy["console_access"]) == (2, False)
    assert (report_user["active_access_key_count"], report_user["console_access"]) == (0, True)


def test_without_the_report_user_use_facts_are_unknown_not_guessed() -> None:
    deploy = _identity(inventory_of(standard_blobs(omit=[IAM_CREDENTIAL_REPORT])), arn("user", "svc-deploy"))
    assert pd.isna(deploy["never_used"]) and pd.isna(deploy["days_since_last_use"])
    assert pd.isna(deploy["active_access_key_count"]) and pd.isna(deploy["console_access"])


def test_missing_authorization_details_produce_no_identity_rows() -> None:
    inventory = inventory_of(standard_blobs(omit=[IAM_AUTHORIZATION_DETAILS]))
    assert inventory.identities.empty
    assert list(inventory.identities.columns) == list(IDENTITY_COLUMNS)
    assert inventory.policies.empty


def test_tags_are_a_json_object_with_sorted_keys() -> None:
    tags = _identity(standard_inventory(), arn("user", "svc-deploy"))["tags"]
    assert tags == json.dumps({"owner": " Deploy-Team@Example.com ", "team": "platform"}, sort_keys=True)
    assert list(json.loads(tags)) == ["owner", "team"]


def test_groups_boundary_and_trust_policy_are_recorded() -> None:
    inventory = standard_inventory()
    deploy = _identity(inventory, arn("user", "svc-deploy"))
    app = _identity(inventory, arn("role", "app-role"))
    assert deploy["groups"] == ["deployers"]
    assert deploy["permissions_boundary_arn"] == arn("policy", "WorkloadBoundary")
    assert json.loads(app["trust_policy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_unexpected_fields_in_the_response_are_ignored() -> None:
    page = json.loads(fixture_text("iam_authorization_details.json"))
    page["pages"][0]["BrandNewList"] = [{"Whatever": 1}]
    page["pages"][0]["RoleDetailList"][0]["RoleLastUsed"]["NewField"] = "x"
    blobs = [
        *standard_blobs(omit=[IAM_AUTHORIZATION_DETAILS]),
        blob(IAM_AUTHORIZATION_DETAILS, json.dumps(page).encode()),
    ]
    assert len(inventory_of(blobs).identities) == 7


def test_missing_expected_fields_are_tolerated() -> None:
    bare = {"pages": [{"UserDetailList": [{"Arn": arn("user", "bare"), "UserName": "bare"}], "RoleDetailList": None}]}
    row = _identity(inventory_of([blob(IAM_AUTHORIZATION_DETAILS, json.dumps(bare).encode())]), arn("user", "bare"))
    assert row["is_nhi"] and pd.isna(row["created"]) and row["tags"] == "{}"


def test_rows_carry_the_authorization_details_file_and_its_hash() -> None:
    snapshot = build_snapshot(standard_blobs())
    inventory = build_inventory(
        snapshot, registry.parsers("inventory"), owner_tag_keys=["owner"], human_marker=HumanMarker(), directory=None
    )
    entry = snapshot.file(ACCOUNT, IAM_AUTHORIZATION_DETAILS)
    assert set(inventory.identities["source_file"]) == {entry.path}
    assert set(inventory.identities["source_sha256"]) == {entry.sha256}


def test_timestamps_are_tz_aware_utc() -> None:
    identities = standard_inventory().identities
    assert str(identities["created"].dt.tz) == "UTC" and str(identities["last_used"].dt.tz) == "UTC"


def test_policy_parse_errors_count_malformed_documents_only() -> None:
    inventory = standard_inventory()
    assert _identity(inventory, arn("user", "svc-broken"))["policy_parse_errors"] == 3
    assert _identity(inventory, arn("role", "app-role"))["policy_parse_errors"] == 0  # AWS-managed doc absent


def test_rows_are_sorted_by_account_then_arn_whatever_the_input_order() -> None:
    blobs = standard_blobs(OTHER_ACCOUNT) + standard_blobs(ACCOUNT)
    first = inventory_of(blobs).identities
    second = inventory_of(list(reversed(blobs))).identities
    pd.testing.assert_frame_equal(first, second)
    keys = list(zip(first["account_id"], first["arn"], strict=True))
    assert keys == sorted(keys) and first.index.tolist() == list(range(len(first)))


def test_collection_status_mirrors_the_manifest() -> None:
    status = standard_inventory().collection_status
    assert list(status.columns) == ["account_id", "source", "api", "region", "status", "error_code", "message", "pages"]
    assert len(status) == 5 and set(status["status"]) == {"ok"}
