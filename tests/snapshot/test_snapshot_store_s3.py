"""The same store on S3 (moto): data objects first, manifest last, verified on read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob
from assurance_jobs.snapshot.store import (
    S3Storage,
    SnapshotIntegrityError,
    latest_snapshot,
    list_partition_dates,
    list_snapshots,
    read_snapshot,
    write_snapshot,
)

BUCKET = "evidence"
ACCOUNT = "123456789012"
DAY = date(2026, 11, 25)
MORNING = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
BLOBS = [
    SourceBlob(ACCOUNT, "iam_roles", b'{"pages":[{"Roles":[]}]}'),
    SourceBlob(ACCOUNT, "secretsmanager_secrets", b'{"pages":[{"SecretList":[]}]}', region="eu-west-1"),
]
STATUSES = [CollectionStatus(ACCOUNT, "iam_roles", "iam:ListRoles", None, "ok", pages=1)]


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """One moto bucket for the module (client start-up is the slow part); each test gets its own prefix."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    return f"assurance-{request.node.name.replace('_', '-')}"


@pytest.fixture
def storage(s3: Any, prefix: str) -> S3Storage:
    return S3Storage(f"s3://{BUCKET}/{prefix}", client=s3)


def write(storage: S3Storage, taken_at: datetime = MORNING) -> str:
    return write_snapshot(storage, DAY, taken_at, BLOBS, STATUSES, [ACCOUNT], 2.0).snapshot_id


def test_s3_snapshot_round_trips_under_the_prefix(storage: S3Storage, s3: Any, prefix: str) -> None:
    snapshot_id = write(storage)
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/")["Contents"])
    folder = f"{prefix}/snapshots/2026-11-25/{snapshot_id}"
    assert keys == [
        f"{folder}/{ACCOUNT}/iam_roles.json",
        f"{folder}/{ACCOUNT}/secretsmanager_secrets.eu-west-1.json",
        f"{folder}/manifest.json",
    ]
    snapshot = read_snapshot(storage, DAY, snapshot_id)
    assert snapshot.pages(ACCOUNT, "iam_roles") == [{"Roles": []}]
    assert snapshot.location == f"s3://{BUCKET}/{folder}"
    assert list_partition_dates(storage) == [DAY]


def test_s3_manifest_is_the_last_object_written(storage: S3Storage) -> None:
    written: list[str] = []
    storage.client.meta.events.register(
        "before-parameter-build.s3.PutObject", lambda params, **_: written.append(params["Key"])
    )
    write(storage)
    assert written[-1].endswith("/manifest.json") and len(written) == 3


def test_s3_objects_without_a_manifest_are_not_a_snapshot(storage: S3Storage, s3: Any, prefix: str) -> None:
    s3.put_object(
        Bucket=BUCKET, Key=f"{prefix}/snapshots/2026-11-25/20261125T060000Z-0badf00d/{ACCOUNT}/iam_roles.json"
    )
    assert list_snapshots(storage, DAY) == []
    assert latest_snapshot(storage, DAY) is None


def test_s3_tampered_object_fails_verification(storage: S3Storage, s3: Any, prefix: str) -> None:
    snapshot_id = write(storage)
    key = f"{prefix}/snapshots/2026-11-25/{snapshot_id}/{ACCOUNT}/iam_roles.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b'{"pages":[]}')
    with pytest.raises(SnapshotIntegrityError, match="does not match"):
        read_snapshot(storage, DAY, snapshot_id)


def test_s3_rerun_keeps_both_and_latest_is_the_newest(storage: S3Storage) -> None:
    first, second = write(storage), write(storage, MORNING + timedelta(hours=1))
    assert list_snapshots(storage, DAY) == [first, second]
    latest = latest_snapshot(storage, DAY)
    assert latest is not None and latest.manifest.snapshot_id == second


def test_s3_generic_bytes_round_trip_and_missing_key_is_file_not_found(storage: S3Storage) -> None:
    storage.write_bytes("reports/2026-11-25/report.html", b"<html></html>")
    assert storage.read_bytes("reports/2026-11-25/report.html") == b"<html></html>"
    assert storage.list("reports") == ["reports/2026-11-25/report.html"]
    assert storage.children("reports") == ["2026-11-25"]
    assert not storage.exists("reports/2026-11-26/report.html")
    with pytest.raises(FileNotFoundError):
        storage.read_bytes("reports/2026-11-26/report.html")
