"""The runtime evidence through the whole pipeline (moto): collected per account, stored, judged, kept as history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from assurance_jobs.collect.cloudtrail import covered_day
from assurance_jobs.config import AssuranceConfig, TrailConfig, parse_config
from assurance_jobs.demo.cloudtrail_logs import console_login, put_log_object, record
from assurance_jobs.scan.runtime import RuntimeEvidence
from assurance_jobs.scan.sources.cloudtrail_activity import empty_activity_table
from assurance_jobs.snapshot.model import CollectionStatus, ManifestFile, Snapshot
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.sources import registry
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import activity_history_complete, build_partition_inventory, store_inventory

TRAIL = TrailConfig(bucket="acme-trail-logs")
REGION = "us-east-1"


@pytest.fixture
def account() -> Iterator[tuple[object, str]]:
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        iam.create_user(UserName="svc-deploy")
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=TRAIL.bucket)
        account_id = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        yield s3, account_id


def _config(tmp_path: Path) -> AssuranceConfig:
    return parse_config(
        {
            "storage_root": str(tmp_path / "data"),
            "accounts": [{"name": "prod", "regions": [REGION], "cloudtrail": {"bucket": TRAIL.bucket}}],
        }
    )


def _deliver(s3, account_id: str, hours: range | list[int]) -> None:
    day = covered_day(datetime.now(UTC).date())
    user = f"arn:aws:iam::{account_id}:user/svc-deploy"
    for hour in hours:
        at = datetime(day.year, day.month, day.day, hour, 10, tzinfo=UTC)
        records = [record(user, "s3.amazonaws.com", "ListBuckets", at)]
        if hour == 12:
            records.append(console_login(user, at, "198.51.100.7"))
        put_log_object(s3, TRAIL, account_id, REGION, at + timedelta(minutes=5), records)


def _results(config: AssuranceConfig):
    today = datetime.now(UTC).date()
    manifest = collect_snapshot(config, today)
    built = build_partition_inventory(config, load_partition_snapshot(config, today))
    store_inventory(config, today, built.inventory, manifest, runtime=built.runtime)
    evaluation = evaluate_partition(config, today).evaluation
    return evaluation, built


def _status(evaluation, rule_id: str) -> str:
    results = evaluation.rule_results
    return results.loc[results["rule_id"] == rule_id, "status"].item()


def test_a_covered_day_is_judged_and_a_service_user_console_login_fails(tmp_path: Path, account) -> None:
    s3, account_id = account
    _deliver(s3, account_id, range(24))
    evaluation, built = _results(_config(tmp_path))
    assert _status(evaluation, "NHI-RT-002") == "FAIL"
    assert evaluation.findings.loc[evaluation.findings["rule_id"] == "NHI-RT-002", "resource_arn"].tolist() == [
        f"arn:aws:iam::{account_id}:user/svc-deploy"
    ]
    assert built.inventory.activity["event_count"].sum() == 25


def test_an_hour_without_logs_makes_the_runtime_rules_incomplete(tmp_path: Path, account) -> None:
    s3, account_id = account
    _deliver(s3, account_id, [h for h in range(24) if h != 7])
    evaluation, _ = _results(_config(tmp_path))
    assert _status(evaluation, "NHI-RT-002") == "INCOMPLETE"
    assert evaluation.findings["rule_id"].eq("NHI-RT-002").sum() == 1  # what the logs show is still reported


def test_the_day_is_kept_as_activity_history(tmp_path: Path, account) -> None:
    s3, account_id = account
    _deliver(s3, account_id, range(24))
    config = _config(tmp_path)
    _results(config)
    today = datetime.now(UTC).date().isoformat()
    assert storage_for(config.storage_root).exists(f"activity/{today}/activity.parquet")


def test_access_advisor_makes_unused_services_judgeable_before_the_window_is_stored() -> None:
    short = RuntimeEvidence(empty_activity_table(), frozenset({"111111111111"}), covered_days={"111111111111": 3})
    advised = RuntimeEvidence(
        short.activity, short.accounts, covered_days=short.covered_days, advisor_accounts=frozenset({"111111111111"})
    )
    assert (activity_history_complete(short), activity_history_complete(advised)) == (False, True)


def _with_file(snapshot: Snapshot, file: ManifestFile, content: bytes, status: CollectionStatus | None) -> Snapshot:
    """The snapshot with `file` replaced or added, holding `content` (and `status` added, if given)."""
    files = [f for f in snapshot.manifest.files if f.path != file.path] + [file]
    statuses = [*snapshot.manifest.collection_status, *([status] if status else [])]
    manifest = replace(snapshot.manifest, files=files, collection_status=statuses)
    return replace(snapshot, manifest=manifest, contents={**snapshot.contents, file.path: content})


def _collected(tmp_path: Path, s3, account_id: str) -> tuple[AssuranceConfig, Snapshot]:
    config, today = _config(tmp_path), datetime.now(UTC).date()
    _deliver(s3, account_id, range(24))
    collect_snapshot(config, today)
    return config, load_partition_snapshot(config, today)


def test_a_corrupt_kms_keys_file_is_a_warning_of_the_run(tmp_path: Path, account) -> None:
    config, snapshot = _collected(tmp_path, *account)
    keys = next(f for f in snapshot.manifest.files if f.source == "kms_keys")
    built = build_partition_inventory(config, _with_file(snapshot, keys, b"{not json", None))
    assert f"{keys.path}: unreadable snapshot file (JSONDecodeError)" in built.inventory.parse_warnings


def test_a_corrupt_access_advisor_file_is_a_warning_of_the_run(tmp_path: Path, account) -> None:
    config, snapshot = _collected(tmp_path, *account)
    account_id = account[1]
    path = f"{account_id}/iam_service_last_accessed.json"
    entry = registry.source("iam_service_last_accessed")
    advisor = ManifestFile(path, account_id, entry.name, None, "0" * 64, 9)
    status = CollectionStatus(account_id, entry.name, entry.api, None, "ok")
    built = build_partition_inventory(config, _with_file(snapshot, advisor, b"{not json", status))
    assert f"{path}: unreadable snapshot file (JSONDecodeError)" in built.inventory.parse_warnings
