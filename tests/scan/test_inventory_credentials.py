"""The `credentials` table: access keys, console passwords, secrets and server certificates with their ages."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
from fixtures.inventory.snapshot_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    TAKEN_AT,
    arn,
    blob,
    build_snapshot,
    fixture_text,
    inventory_of,
    standard_blobs,
    standard_inventory,
)

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.credential_report import CREDENTIAL_REPORT_COLUMNS
from assurance_jobs.scan.inventory import CREDENTIAL_COLUMNS, build_inventory
from assurance_jobs.snapshot.model import IAM_CREDENTIAL_REPORT, IAM_SERVER_CERTIFICATES, SECRETSMANAGER_SECRETS
from assurance_jobs.sources import registry

DEPLOY_KEY_1 = arn("user", "svc-deploy") + "#access_key_1"
DEPLOY_KEY_2 = arn("user", "svc-deploy") + "#access_key_2"
DB_SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf"
LEGACY_SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:legacy/api-key-GhIjKl"


def _credential(inventory, credential_id: str) -> pd.Series:
    rows = inventory.credentials[inventory.credentials["credential_id"] == credential_id]
    assert len(rows) == 1, f"expected one row for {credential_id}"
    return rows.iloc[0]


def _kinds(inventory) -> list[str]:
    return sorted(inventory.credentials["kind"])


def test_columns_are_exactly_the_design_columns() -> None:
    assert list(standard_inventory().credentials.columns) == list(CREDENTIAL_COLUMNS)


def test_one_row_per_key_enabled_password_secret_and_certificate() -> None:
    assert _kinds(standard_inventory()) == sorted(
        ["access_key"] * 3 + ["console_password"] * 2 + ["secret"] * 2 + ["server_certificate"] * 2
    )


def test_credential_ids_follow_the_stable_scheme() -> None:
    ids = set(standard_inventory().credentials["credential_id"])
    assert {DEPLOY_KEY_1, DEPLOY_KEY_2, arn("user", "svc-report") + "#console_password", DB_SECRET} <= ids
    assert arn("server-certificate", "legacy-elb") in ids


def test_root_account_row_yields_no_credentials() -> None:
    assert not standard_inventory().credentials["credential_id"].str.contains(":root").any()


def test_never_used_key_counts_days_since_creation() -> None:
    key = _credential(standard_inventory(), DEPLOY_KEY_2)
    assert key["never_used"]
    assert key["days_since_last_use"] == key["age_days"] == 328.0


def test_key_created_exactly_90_days_before_the_snapshot_is_90_days_old() -> None:
    assert _credential(standard_inventory(), DEPLOY_KEY_1)["age_days"] == 90.0


def test_key_last_used_exactly_45_days_before_the_snapshot() -> None:
    key = _credential(standard_inventory(), DEPLOY_KEY_1)
    assert (key["never_used"], key["days_since_last_use"]) == (False, 45.0)


def test_ages_use_the_snapshot_time_not_the_wall_clock() -> None:
    earlier = inventory_of(taken_at=TAKEN_AT - timedelta(days=30))
    assert _credential(earlier, DEPLOY_KEY_1)["age_days"] == 60.0


def test_inactive_key_is_kept_and_marked_inactive() -> None:
    orphan_key = _credential(standard_inventory(), arn("user", "svc-orphan") + "#access_key_1")
    assert not orphan_key["active"]


def test_key_of_user_missing_from_authorization_details_defaults_to_nhi() -> None:
    assert _credential(standard_inventory(), arn("user", "svc-orphan") + "#access_key_1")["owner_is_nhi"]


def test_console_password_of_a_human_is_not_owned_by_an_nhi() -> None:
    assert not _credential(standard_inventory(), arn("user", "people/alice") + "#console_password")["owner_is_nhi"]


def test_console_password_expires_at_next_rotation() -> None:
    password = _credential(standard_inventory(), arn("user", "svc-report") + "#console_password")
    assert password["expires"] == pd.Timestamp("2027-01-01T00:00:00Z")
    assert password["days_to_expiry"] == 36.75


def test_console_password_with_no_rotation_never_expires() -> None:
    password = _credential(standard_inventory(), arn("user", "people/alice") + "#console_password")
    assert pd.isna(password["expires"]) and pd.isna(password["days_to_expiry"])


def test_console_password_never_used_counts_days_since_creation() -> None:
    password = _credential(standard_inventory(), arn("user", "svc-report") + "#console_password")
    assert password["never_used"] and password["days_since_last_use"] == 269.25


def test_disabled_password_yields_no_row() -> None:
    assert arn("user", "svc-deploy") + "#console_password" not in set(standard_inventory().credentials["credential_id"])


def test_moto_style_report_with_not_supported_cells_still_yields_keys() -> None:
    header = ",".join(CREDENTIAL_REPORT_COLUMNS)
    line = (
        f"svc-moto,{arn('user', 'svc-moto')},2026-01-01T00:00:00+00:00,false,not_supported,2026-01-01T00:00:00+00:00,"
        "not_supported,false,true,2026-01-02T00:00:00+00:00,N/A,not_supported,not_supported,false,N/A,N/A,"
        "not_supported,not_supported,false,N/A,false,N/A"
    )
    report = blob(IAM_CREDENTIAL_REPORT, f"{header}\n{line}\n".encode(), extension="csv")
    inventory = inventory_of([report])
    assert inventory.credentials["credential_id"].tolist() == [arn("user", "svc-moto") + "#access_key_1"]
    assert inventory.parse_warnings == []


def test_secret_rotation_facts_come_from_list_secrets() -> None:
    secret = _credential(standard_inventory(), DB_SECRET)
    assert (secret["region"], secret["rotation_enabled"], secret["rotation_interval_days"]) == (REGION, True, 30.0)
    assert secret["days_since_rotation"] == 20.0
    assert secret["days_since_last_use"] == 1.25 and not secret["never_used"]


def test_never_rotated_secret_counts_rotation_age_since_creation() -> None:
    secret = _credential(standard_inventory(), LEGACY_SECRET)
    assert bool(secret["rotation_enabled"]) is False  # absent RotationEnabled means off (bool(NA) would raise)
    assert secret["days_since_rotation"] == secret["age_days"] == 634.0


def test_secret_never_accessed_is_never_used() -> None:
    secret = _credential(standard_inventory(), LEGACY_SECRET)
    assert secret["never_used"] and secret["days_since_last_use"] == 634.0


def test_secrets_and_certificates_count_as_nhi_owned_and_active() -> None:
    credentials = standard_inventory().credentials
    others = credentials[credentials["kind"].isin(["secret", "server_certificate"])]
    assert others["owner_is_nhi"].all() and others["active"].all()


def test_expired_certificate_has_negative_days_to_expiry() -> None:
    assert _credential(standard_inventory(), arn("server-certificate", "legacy-elb"))["days_to_expiry"] == -24.25


def test_certificate_expiring_in_exactly_20_days() -> None:
    assert _credential(standard_inventory(), arn("server-certificate", "cloudfront/www"))["days_to_expiry"] == 20.0


def test_certificate_use_is_not_tracked_so_use_facts_are_missing() -> None:
    cert = _credential(standard_inventory(), arn("server-certificate", "legacy-elb"))
    assert pd.isna(cert["never_used"]) and pd.isna(cert["days_since_last_use"])


def test_each_credential_carries_its_own_source_file() -> None:
    snapshot = build_snapshot(standard_blobs())
    inventory = build_inventory(
        snapshot, registry.parsers("inventory"), owner_tag_keys=["owner"], human_marker=HumanMarker(), directory=None
    )
    secret = _credential(inventory, DB_SECRET)
    key = _credential(inventory, DEPLOY_KEY_1)
    secrets_file = snapshot.file(ACCOUNT, SECRETSMANAGER_SECRETS, REGION)
    report_file = snapshot.file(ACCOUNT, IAM_CREDENTIAL_REPORT)
    assert (secret["source_file"], secret["source_sha256"]) == (secrets_file.path, secrets_file.sha256)
    assert (key["source_file"], key["source_sha256"]) == (report_file.path, report_file.sha256)


def test_missing_report_produces_no_key_or_password_rows() -> None:
    inventory = inventory_of(standard_blobs(omit=[IAM_CREDENTIAL_REPORT]))
    assert _kinds(inventory) == ["secret", "secret", "server_certificate", "server_certificate"]


def test_missing_sources_produce_no_rows_but_keep_the_columns() -> None:
    inventory = inventory_of(
        standard_blobs(omit=[IAM_CREDENTIAL_REPORT, IAM_SERVER_CERTIFICATES, SECRETSMANAGER_SECRETS])
    )
    assert inventory.credentials.empty
    assert list(inventory.credentials.columns) == list(CREDENTIAL_COLUMNS)


def test_secrets_only_for_regions_present_in_the_snapshot() -> None:
    west = blob(
        SECRETSMANAGER_SECRETS, fixture_text("secretsmanager_secrets.us-east-1.json").encode(), region="eu-west-1"
    )
    inventory = inventory_of([west])
    assert set(inventory.credentials["region"]) == {"eu-west-1"}


def test_unexpected_list_secrets_fields_are_ignored() -> None:
    page = json.loads(fixture_text("secretsmanager_secrets.us-east-1.json"))
    page["pages"][0]["SecretList"][0]["SomethingNew"] = {"x": [1]}
    page["pages"][0]["NextToken"] = None
    inventory = inventory_of([blob(SECRETSMANAGER_SECRETS, json.dumps(page).encode(), region=REGION)])
    assert len(inventory.credentials) == 2


def test_unreadable_timestamp_is_warned_and_left_missing() -> None:
    page = json.loads(fixture_text("iam_server_certificates.json"))
    page["pages"][0]["ServerCertificateMetadataList"][0]["Expiration"] = "someday"
    inventory = inventory_of([blob(IAM_SERVER_CERTIFICATES, json.dumps(page).encode())])
    assert pd.isna(_credential(inventory, arn("server-certificate", "legacy-elb"))["expires"])
    assert len(inventory.parse_warnings) == 1 and "Expiration" in inventory.parse_warnings[0]


def test_timestamps_are_tz_aware_utc() -> None:
    credentials = standard_inventory().credentials
    assert all(str(credentials[c].dt.tz) == "UTC" for c in ("created", "last_rotated", "last_used", "expires"))


def test_rows_are_sorted_by_account_then_credential_id() -> None:
    blobs = standard_blobs(OTHER_ACCOUNT) + standard_blobs(ACCOUNT)
    first = inventory_of(blobs).credentials
    pd.testing.assert_frame_equal(first, inventory_of(list(reversed(blobs))).credentials)
    keys = list(zip(first["account_id"], first["credential_id"], strict=True))
    assert keys == sorted(keys)
