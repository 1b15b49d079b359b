"""Immutable, verifiable snapshots: write once, read back only if every byte matches its manifest hash.

Why: a snapshot is the evidence behind every finding. It must never be half-written (a crash leaves nothing
visible), never overwritten (a rerun adds a new snapshot_id beside the old one), and never silently altered
(every file's sha256 is in the manifest and checked on read). Layout: docs/design.md, "Snapshot layout".
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime

from assurance_jobs import __version__
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, ManifestFile, Snapshot, SourceBlob
from assurance_jobs.snapshot.signing import SIGNATURE_SUFFIX, Signer
from assurance_jobs.snapshot.storage import LocalStorage, S3Storage, Storage, storage_for

__all__ = [
    "MANIFEST_NAME",
    "SIGNATURE_NAME",
    "SNAPSHOTS_PREFIX",
    "LocalStorage",
    "S3Storage",
    "SnapshotIntegrityError",
    "Storage",
    "latest_snapshot",
    "list_partition_dates",
    "list_snapshots",
    "manifest_link",
    "new_snapshot_id",
    "previous_snapshot",
    "read_manifest",
    "read_snapshot",
    "snapshot_prefix",
    "storage_for",
    "write_snapshot",
]

SNAPSHOTS_PREFIX = "snapshots"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = MANIFEST_NAME + SIGNATURE_SUFFIX
SNAPSHOT_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


class SnapshotIntegrityError(Exception):
    """A committed snapshot's file is missing or does not match the sha256/size recorded in its manifest."""


def new_snapshot_id(taken_at: datetime) -> str:
    """`YYYYMMDDTHHMMSSZ-<8 hex>`: sorts by time. The suffix is the microsecond (5 hex) then 3 random hex, so
    two runs started in the same second still sort in the order they started ("the day's latest snapshot" is
    the last one taken, not a coin toss), and runs started in the same microsecond stay apart."""
    stamp = _utc(taken_at)
    return f"{stamp:%Y%m%dT%H%M%SZ}-{stamp.microsecond:05x}{secrets.token_hex(2)[:3]}"


def snapshot_prefix(partition_date: date, snapshot_id: str, root: str = SNAPSHOTS_PREFIX) -> str:
    """`root` names the evidence collection: `snapshots` for the daily estate, `probes` for runtime probes."""
    return f"{root}/{partition_date.isoformat()}/{snapshot_id}"


def write_snapshot(
    storage: Storage,
    partition_date: date,
    taken_at: datetime,
    blobs: Iterable[SourceBlob],
    statuses: Iterable[CollectionStatus],
    accounts: Iterable[str],
    duration_seconds: float,
    root: str = SNAPSHOTS_PREFIX,
    account_status: Iterable[dict] = (),
    signer: Signer | None = None,
) -> Manifest:
    """Write all blobs plus manifest.json as one new snapshot; it becomes visible only once complete.

    The manifest names the snapshot committed before it (`previous_manifest`, the hash chain) and, with a
    `signer`, is signed: `manifest.json.sig` is written with the files, before the manifest commits them."""
    contents = _contents_by_path(blobs)
    snapshot_id = new_snapshot_id(taken_at)
    manifest = Manifest(
        snapshot_id=snapshot_id,
        partition_date=partition_date,
        taken_at=_utc(taken_at),
        tool_version=__version__,
        duration_seconds=float(duration_seconds),
        accounts=list(dict.fromkeys(accounts)),
        files=[_manifest_file(blob, data) for blob, data in contents.values()],
        collection_status=list(statuses),
        account_status=sorted(account_status, key=lambda entry: str(entry.get("account_id"))),
        previous_manifest=previous_snapshot(storage, partition_date, snapshot_id, root),
        signing_key=signer.fingerprint if signer is not None else None,
    )
    files = {path: data for path, (_, data) in contents.items()}
    files[MANIFEST_NAME] = manifest.to_json()
    if signer is not None:
        files[SIGNATURE_NAME] = signer.sign(files[MANIFEST_NAME])
    storage.publish(snapshot_prefix(partition_date, snapshot_id, root), files, MANIFEST_NAME)
    return manifest


def manifest_link(storage: Storage, partition_date: date, snapshot_id: str, root: str = SNAPSHOTS_PREFIX) -> dict:
    """A link of the hash chain: which snapshot, and the sha256 of its manifest.json's bytes."""
    raw = storage.read_bytes(f"{snapshot_prefix(partition_date, snapshot_id, root)}/{MANIFEST_NAME}")
    return {
        "partition_date": partition_date.isoformat(),
        "snapshot_id": snapshot_id,
        "sha256": hashlib.sha256(raw).hexdigest(),
    }


def previous_snapshot(
    storage: Storage, partition_date: date, snapshot_id: str, root: str = SNAPSHOTS_PREFIX
) -> dict | None:
    """The chain link to the snapshot committed last before `snapshot_id`: an earlier one of the same day (a
    rerun), else the newest of the latest earlier stored day. None when there is none (the first snapshot)."""
    same_day = [sid for sid in list_snapshots(storage, partition_date, root) if sid < snapshot_id]
    if same_day:
        return manifest_link(storage, partition_date, same_day[-1], root)
    for day in reversed(_stored_days(storage, root)):
        if day >= partition_date:
            continue
        earlier = list_snapshots(storage, day, root)
        if earlier:
            return manifest_link(storage, day, earlier[-1], root)
    return None


def _stored_days(storage: Storage, root: str) -> list[date]:
    days = []
    for name in storage.children(root):
        try:
            days.append(date.fromisoformat(name))
        except ValueError:
            continue
    return sorted(days)


def list_snapshots(storage: Storage, partition_date: date, root: str = SNAPSHOTS_PREFIX) -> list[str]:
    """Committed snapshot ids for the day (those with a manifest), oldest first."""
    folder = f"{root}/{partition_date.isoformat()}"
    candidates = [name for name in storage.children(folder) if SNAPSHOT_ID.match(name)]
    return sorted(name for name in candidates if storage.exists(f"{folder}/{name}/{MANIFEST_NAME}"))


def list_partition_dates(storage: Storage) -> list[date]:
    """Days that hold at least one committed snapshot, oldest first."""
    days: list[date] = []
    for name in storage.children(SNAPSHOTS_PREFIX):
        try:
            day = date.fromisoformat(name)
        except ValueError:
            continue
        if list_snapshots(storage, day):
            days.append(day)
    return sorted(days)


def latest_snapshot(storage: Storage, partition_date: date, root: str = SNAPSHOTS_PREFIX) -> Snapshot | None:
    """The newest committed snapshot of the day (greatest snapshot_id), verified; None if there is none."""
    snapshot_ids = list_snapshots(storage, partition_date, root)
    return read_snapshot(storage, partition_date, snapshot_ids[-1], root) if snapshot_ids else None


def read_manifest(storage: Storage, partition_date: date, snapshot_id: str, root: str = SNAPSHOTS_PREFIX) -> Manifest:
    prefix = snapshot_prefix(partition_date, snapshot_id, root)
    try:
        return Manifest.from_json(storage.read_bytes(f"{prefix}/{MANIFEST_NAME}"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no committed snapshot at {storage.location(prefix)}") from None


def read_snapshot(storage: Storage, partition_date: date, snapshot_id: str, root: str = SNAPSHOTS_PREFIX) -> Snapshot:
    """Read a committed snapshot; raise SnapshotIntegrityError if any file differs from its manifest."""
    prefix = snapshot_prefix(partition_date, snapshot_id, root)
    manifest = read_manifest(storage, partition_date, snapshot_id, root)
    contents = {entry.path: _verified(storage, prefix, entry) for entry in manifest.files}
    return Snapshot(manifest=manifest, location=storage.location(prefix), contents=contents)


def _verified(storage: Storage, prefix: str, entry: ManifestFile) -> bytes:
    where = storage.location(f"{prefix}/{entry.path}")
    try:
        data = storage.read_bytes(f"{prefix}/{entry.path}")
    except FileNotFoundError:
        raise SnapshotIntegrityError(f"{where}: listed in the manifest but missing") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256 or len(data) != entry.bytes:
        raise SnapshotIntegrityError(
            f"{where}: sha256 {digest} ({len(data)} bytes) does not match the manifest's "
            f"{entry.sha256} ({entry.bytes} bytes); the snapshot was altered after it was written"
        )
    return data


def _contents_by_path(blobs: Iterable[SourceBlob]) -> dict[str, tuple[SourceBlob, bytes]]:
    contents: dict[str, tuple[SourceBlob, bytes]] = {}
    for blob in blobs:
        path = blob.relative_path
        if path in contents or path == MANIFEST_NAME:
            raise ValueError(f"two blobs would be written to the same snapshot path: {path}")
        contents[path] = (blob, blob.content)
    return dict(sorted(contents.items()))


def _manifest_file(blob: SourceBlob, data: bytes) -> ManifestFile:
    return ManifestFile(
        path=blob.relative_path,
        account_id=blob.account_id,
        source=blob.source,
        region=blob.region,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
    )


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("taken_at must be timezone-aware (UTC); a naive time would be misread")
    return moment.astimezone(UTC)
