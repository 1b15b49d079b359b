"""The local snapshot store: atomic, immutable, verified on read (layout from docs/design.md)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assurance_jobs.snapshot import storage as storage_module
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob
from assurance_jobs.snapshot.store import (
    LocalStorage,
    S3Storage,
    SnapshotIntegrityError,
    latest_snapshot,
    list_partition_dates,
    list_snapshots,
    read_snapshot,
    storage_for,
    write_snapshot,
)

ACCOUNT = "123456789012"
DAY = date(2026, 11, 25)
MORNING = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
BLOBS = [
    SourceBlob(ACCOUNT, "iam_roles", b'{"pages":[{"Roles":[]}]}'),
    SourceBlob(ACCOUNT, "iam_credential_report", b"user,arn\n", extension="csv"),
    SourceBlob(ACCOUNT, "secretsmanager_secrets", b'{"pages":[{"SecretList":[]}]}', region="eu-west-1"),
]
STATUSES = [
    CollectionStatus(ACCOUNT, "iam_roles", "iam:ListRoles", None, "ok", pages=1),
    CollectionStatus(
        ACCOUNT, "iam_server_certificates", "iam:ListServerCertificates", None, "error", "AccessDenied", "no"
    ),
]


def write(storage: LocalStorage, taken_at: datetime = MORNING, day: date = DAY) -> str:
    return write_snapshot(storage, day, taken_at, BLOBS, STATUSES, [ACCOUNT], 1.5).snapshot_id


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "root")


def test_snapshot_files_follow_the_design_layout(storage: LocalStorage, tmp_path: Path) -> None:
    snapshot_id = write(storage)
    folder = tmp_path / "root" / "snapshots" / "2026-11-25" / snapshot_id
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        f"{ACCOUNT}/iam_credential_report.csv",
        f"{ACCOUNT}/iam_roles.json",
        f"{ACCOUNT}/secretsmanager_secrets.eu-west-1.json",
        "manifest.json",
    ]


def test_manifest_records_sha256_and_size_of_every_file(storage: LocalStorage, tmp_path: Path) -> None:
    snapshot_id = write(storage)
    folder = tmp_path / "root" / "snapshots" / "2026-11-25" / snapshot_id
    manifest = json.loads((folder / "manifest.json").read_bytes())
    for entry in manifest["files"]:
        data = (folder / entry["path"]).read_bytes()
        assert (entry["sha256"], entry["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert [status["status"] for status in manifest["collection_status"]] == ["ok", "error"]
    assert (manifest["taken_at"], manifest["accounts"]) == ("2026-11-25T06:00:00+00:00", [ACCOUNT])


def test_read_snapshot_returns_manifest_and_contents(storage: LocalStorage) -> None:
    snapshot = read_snapshot(storage, DAY, write(storage))
    assert snapshot.read(ACCOUNT, "iam_credential_report") == b"user,arn\n"
    assert snapshot.pages(ACCOUNT, "secretsmanager_secrets", "eu-west-1") == [{"SecretList": []}]
    assert snapshot.manifest.collection_status == STATUSES


def test_crash_between_files_leaves_no_visible_snapshot(
    storage: LocalStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = storage_module._write_durably
    written: list[Path] = []

    def crash_on_second_file(path: Path, data: bytes) -> None:
        if written:
            raise OSError("disk gone")
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(storage_module, "_write_durably", crash_on_second_file)
    with pytest.raises(OSError, match="disk gone"):
        write(storage)
    assert list_snapshots(storage, DAY) == []
    assert latest_snapshot(storage, DAY) is None
    assert list((tmp_path / "root" / "snapshots" / "2026-11-25").iterdir()) == []


def test_leftover_temp_directory_is_ignored_by_readers(storage: LocalStorage, tmp_path: Path) -> None:
    leftover = tmp_path / "root" / "snapshots" / "2026-11-25" / ".20261125T070000Z-deadbeef.tmp"
    leftover.mkdir(parents=True)
    (leftover / "manifest.json").write_text("{}")
    assert list_snapshots(storage, DAY) == []
    assert list_partition_dates(storage) == []


def test_directory_without_manifest_is_not_a_snapshot(storage: LocalStorage, tmp_path: Path) -> None:
    (tmp_path / "root" / "snapshots" / "2026-11-25" / "20261125T070000Z-deadbeef").mkdir(parents=True)
    assert list_snapshots(storage, DAY) == []


def test_writer_removes_temp_directories_older_than_an_hour(storage: LocalStorage, tmp_path: Path) -> None:
    day_folder = tmp_path / "root" / "snapshots" / "2026-11-25"
    stale, fresh = day_folder / ".20261125T010000Z-00000001.tmp", day_folder / ".20261125T055900Z-00000002.tmp"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    write(storage)
    assert (stale.exists(), fresh.exists()) == (False, True)


def test_tampered_file_fails_verification(storage: LocalStorage, tmp_path: Path) -> None:
    snapshot_id = write(storage)
    target = tmp_path / "root" / "snapshots" / "2026-11-25" / snapshot_id / ACCOUNT / "iam_roles.json"
    target.write_bytes(b'{"pages":[{"Roles":[{"RoleName":"planted"}]}]}')
    with pytest.raises(SnapshotIntegrityError, match=r"iam_roles\.json.*does not match"):
        read_snapshot(storage, DAY, snapshot_id)


def test_missing_file_fails_verification(storage: LocalStorage, tmp_path: Path) -> None:
    snapshot_id = write(storage)
    (tmp_path / "root" / "snapshots" / "2026-11-25" / snapshot_id / ACCOUNT / "iam_credential_report.csv").unlink()
    with pytest.raises(SnapshotIntegrityError, match="missing"):
        read_snapshot(storage, DAY, snapshot_id)


def test_rerun_on_the_same_day_keeps_both_and_latest_is_the_newest(storage: LocalStorage) -> None:
    first = write(storage, MORNING)
    second = write(storage, MORNING + timedelta(hours=3))
    assert list_snapshots(storage, DAY) == [first, second]
    latest = latest_snapshot(storage, DAY)
    assert latest is not None and latest.manifest.snapshot_id == second


def test_snapshot_ids_sort_by_utc_taken_at_time(storage: LocalStorage) -> None:
    snapshot_id = write(storage, datetime(2026, 11, 25, 9, 30, 5, tzinfo=timezone(timedelta(hours=2))))
    assert snapshot_id.startswith("20261125T073005Z-") and len(snapshot_id) == len("20261125T073005Z-") + 8


def test_of_two_runs_started_in_the_same_second_the_later_one_is_latest(storage: LocalStorage) -> None:
    taken = [MORNING + timedelta(microseconds=micro) for micro in (900_000, 1_000, 999_999, 0)]
    ids = {micro: write(storage, at) for micro, at in zip((900_000, 1_000, 999_999, 0), taken, strict=True)}
    assert list_snapshots(storage, DAY) == [ids[0], ids[1_000], ids[900_000], ids[999_999]]


def test_partition_dates_are_days_with_committed_snapshots(storage: LocalStorage) -> None:
    write(storage, MORNING, DAY)
    write(storage, MORNING - timedelta(days=1), date(2026, 11, 24))
    assert list_partition_dates(storage) == [date(2026, 11, 24), DAY]


def test_naive_taken_at_is_refused(storage: LocalStorage) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        write(storage, datetime(2026, 11, 25, 6, 0))


def test_two_blobs_for_the_same_path_are_refused(storage: LocalStorage) -> None:
    with pytest.raises(ValueError, match="same snapshot path"):
        write_snapshot(storage, DAY, MORNING, [BLOBS[0], BLOBS[0]], [], [ACCOUNT], 0)


def test_write_bytes_replaces_whole_files_and_lists_them(storage: LocalStorage) -> None:
    storage.write_bytes("inventory/2026-11-25/identities.parquet", b"v1")
    storage.write_bytes("inventory/2026-11-25/identities.parquet", b"v2")
    assert storage.read_bytes("inventory/2026-11-25/identities.parquet") == b"v2"
    assert storage.list("inventory") == ["inventory/2026-11-25/identities.parquet"]
    assert storage.exists("inventory/2026-11-25/identities.parquet")
    assert not storage.exists("inventory/2026-11-26/identities.parquet")


@pytest.mark.parametrize("key", ["../escape", "/abs/path", "a/../../b", ""])
def test_keys_cannot_escape_the_root(storage: LocalStorage, key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.write_bytes(key, b"x")


def test_storage_for_picks_s3_for_s3_urls_and_local_otherwise(tmp_path: Path) -> None:
    remote = storage_for("s3://evidence-bucket/assurance")
    assert isinstance(remote, S3Storage) and (remote.bucket, remote.prefix) == ("evidence-bucket", "assurance")
    assert isinstance(storage_for(str(tmp_path)), LocalStorage)
