"""Reducing CloudTrail log objects to activity rows: which fields become which columns, and what is set aside."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assurance_jobs.collect.activity import UnreadableLogs, from_parquet, merge_activity, reduce_files, to_parquet
from assurance_jobs.demo.cloudtrail_logs import console_login, kms_key_resource, log_object, record

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service/payments-api"
USER = f"arn:aws:iam::{ACCOUNT}:user/svc-reports"
AT = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)


def _write(folder: Path, name: str, records: list[dict]) -> Path:
    path = folder / name
    path.write_bytes(log_object(records))
    return path


def _only_row(tmp_path: Path, records: list[dict]):
    activity = reduce_files([_write(tmp_path, "a.json.gz", records)]).activity
    assert len(activity) == 1
    return activity.iloc[0]


def test_assumed_role_session_is_resolved_to_its_role_with_path(tmp_path: Path) -> None:
    row = _only_row(tmp_path, [record(ROLE, "s3.amazonaws.com", "GetObject", AT)])
    assert row["principal_arn"] == ROLE
    assert row["principal_type"] == "AssumedRole"


def test_assumed_role_without_session_issuer_is_rebuilt_from_the_session_arn(tmp_path: Path) -> None:
    event = record(ROLE, "s3.amazonaws.com", "GetObject", AT)
    del event["userIdentity"]["sessionContext"]
    row = _only_row(tmp_path, [event])
    assert row["principal_arn"] == f"arn:aws:iam::{ACCOUNT}:role/payments-api"


def test_vpc_endpoint_id_is_the_network_when_present(tmp_path: Path) -> None:
    event = record(ROLE, "secretsmanager.amazonaws.com", "GetSecretValue", AT, vpc_endpoint_id="vpce-0a1b2c3d")
    row = _only_row(tmp_path, [event])
    assert row["network"] == "vpce-0a1b2c3d"
    assert bool(row["secret_read"]) is True


def test_source_ip_is_the_network_without_an_endpoint(tmp_path: Path) -> None:
    row = _only_row(tmp_path, [record(USER, "iam.amazonaws.com", "ListUsers", AT, source_ip="203.0.113.9")])
    assert row["network"] == "203.0.113.9"
    assert row["user_agent_class"] == "sdk"


def test_identical_calls_are_counted_with_first_and_last_seen(tmp_path: Path) -> None:
    later = AT.replace(hour=17)
    row = _only_row(tmp_path, [record(USER, "s3.amazonaws.com", "ListBuckets", t) for t in (later, AT, AT)])
    assert row["event_count"] == 3
    assert row["first_seen"] == AT
    assert row["last_seen"] == later


def test_missing_fields_become_unknown_rather_than_dropping_the_record(tmp_path: Path) -> None:
    row = _only_row(tmp_path, [{"eventVersion": "1.08", "eventTime": "2026-11-30T10:00:00Z"}])
    assert (row["principal_arn"], row["event_source"], row["network"]) == ("unknown", "unknown", "unknown")
    assert row["user_agent_class"] == "none"
    assert row["error_code"] == ""


def test_ssm_parameter_read_counts_as_secret_read_only_with_decryption(tmp_path: Path) -> None:
    plain = record(ROLE, "ssm.amazonaws.com", "GetParameter", AT, request_parameters={"name": "/app/flag"})
    decrypted = record(
        ROLE, "ssm.amazonaws.com", "GetParameter", AT, request_parameters={"name": "/app/db", "withDecryption": True}
    )
    activity = reduce_files([_write(tmp_path, "a.json.gz", [plain, decrypted])]).activity
    assert sorted(activity["secret_read"].tolist()) == [False, True]


def test_console_login_is_classed_console_and_failure_becomes_an_error_code(tmp_path: Path) -> None:
    failed = console_login(USER, AT, "198.51.100.20", success=False)
    row = _only_row(tmp_path, [failed])
    assert (row["event_name"], row["user_agent_class"], row["error_code"]) == (
        "ConsoleLogin",
        "console",
        "ConsoleLoginFailure",
    )


def test_unknown_major_event_version_is_set_aside_and_counted(tmp_path: Path) -> None:
    future = record(USER, "s3.amazonaws.com", "ListBuckets", AT)
    future["eventVersion"] = "2.00"
    minor = record(USER, "s3.amazonaws.com", "ListBuckets", AT)
    minor["eventVersion"] = "1.99"
    reduction = reduce_files([_write(tmp_path, "a.json.gz", [future, minor])])
    assert reduction.records == 2
    assert reduction.unknown_version_records == 1
    assert reduction.activity["event_count"].tolist() == [1]


def test_request_and_response_bodies_are_not_in_the_activity_table(tmp_path: Path) -> None:
    event = record(
        ROLE,
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        AT,
        request_parameters={"secretId": "prod/db", "versionStage": "stage-marker-7f3a"},
        response_elements={"note": "response-marker-7f3a"},
    )
    activity = reduce_files([_write(tmp_path, "a.json.gz", [event])]).activity
    assert "marker-7f3a" not in activity.to_csv()


def test_the_secret_a_read_names_is_kept_as_its_target_an_id_never_a_value(tmp_path: Path) -> None:
    event = record(
        ROLE, "secretsmanager.amazonaws.com", "GetSecretValue", AT, request_parameters={"secretId": "prod/db"}
    )
    assert reduce_files([_write(tmp_path, "a.json.gz", [event])]).activity["target"].tolist() == ["prod/db"]


def test_a_truncated_gzip_object_is_unreadable(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.json.gz", [record(USER, "s3.amazonaws.com", "ListBuckets", AT)])
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(good.read_bytes()[:-12])
    with pytest.raises(UnreadableLogs):
        reduce_files([good, broken])


def test_an_object_without_records_reduces_to_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": []}).encode()))
    assert reduce_files([path]).records == 0


def test_a_pretty_printed_object_is_still_read(tmp_path: Path) -> None:
    from assurance_jobs.collect.activity import readable_format

    path = tmp_path / "pretty.json.gz"
    body = {"Records": [record(USER, "s3.amazonaws.com", "ListBuckets", AT)]}
    path.write_bytes(gzip.compress(json.dumps(body, indent=2).encode()))
    assert readable_format(path) == ("auto", None)


def test_batches_merge_to_the_same_table_as_one_pass(tmp_path: Path) -> None:
    first = _write(tmp_path, "1.json.gz", [record(USER, "s3.amazonaws.com", "ListBuckets", AT)])
    second = _write(tmp_path, "2.json.gz", [record(USER, "s3.amazonaws.com", "ListBuckets", AT.replace(hour=12))])
    merged = merge_activity([reduce_files([first]).activity, reduce_files([second]).activity])
    together = reduce_files([first, second]).activity
    assert merged.equals(together)


KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def test_a_kms_event_carries_the_key_named_in_its_resources(tmp_path: Path) -> None:
    decrypt = record(ROLE, "kms.amazonaws.com", "Decrypt", AT, resources=kms_key_resource(KEY))
    row = _only_row(tmp_path, [decrypt])
    assert (row["kms_key_arn"], bool(row["secret_read"])) == (KEY, True)


def test_resources_of_other_services_leave_the_key_empty(tmp_path: Path) -> None:
    objects = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::acme-settlement/in/batch.csv"}]
    row = _only_row(tmp_path, [record(ROLE, "s3.amazonaws.com", "GetObject", AT, resources=objects)])
    assert row["kms_key_arn"] is None


def test_an_activity_table_stored_before_the_key_column_still_loads(tmp_path: Path) -> None:
    activity = reduce_files([_write(tmp_path, "a.json.gz", [record(ROLE, "s3.amazonaws.com", "GetObject", AT)])])
    older = to_parquet(activity.activity.drop(columns="kms_key_arn"))
    assert from_parquet(older)["kms_key_arn"].tolist() == [None]
