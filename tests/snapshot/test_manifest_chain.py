"""A store that proves itself: each manifest names the one committed before it by the sha256 of its bytes (a hash
chain), is signed when a key is configured, and every file of a snapshot is written read-only."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assurance_jobs.snapshot.model import Manifest, SourceBlob
from assurance_jobs.snapshot.signing import Signer, fingerprint, signature_valid
from assurance_jobs.snapshot.store import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    LocalStorage,
    read_manifest,
    snapshot_prefix,
    write_snapshot,
)

ACCOUNT = "123456789012"
MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def write(
    storage: LocalStorage, day: date, hour: int = 6, signer: Signer | None = None, root: str = "snapshots"
) -> Manifest:
    blobs = [SourceBlob(ACCOUNT, "iam_roles", f'{{"day": "{day}", "hour": {hour}}}'.encode())]
    return write_snapshot(storage, day, at(day, hour), blobs, [], [ACCOUNT], 0.1, root=root, signer=signer)


def manifest_bytes(storage: LocalStorage, day: date, snapshot_id: str, root: str = "snapshots") -> bytes:
    return storage.read_bytes(f"{snapshot_prefix(day, snapshot_id, root)}/{MANIFEST_NAME}")


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "store")


def test_the_first_manifest_of_a_store_links_to_nothing(storage: LocalStorage) -> None:
    assert write(storage, MONDAY).previous_manifest is None


def test_a_day_links_to_the_previous_days_manifest_by_the_sha256_of_its_bytes(storage: LocalStorage) -> None:
    monday = write(storage, MONDAY)
    tuesday = write(storage, TUESDAY)
    assert tuesday.previous_manifest == {
        "partition_date": "2026-11-23",
        "snapshot_id": monday.snapshot_id,
        "sha256": hashlib.sha256(manifest_bytes(storage, MONDAY, monday.snapshot_id)).hexdigest(),
    }


def test_a_rerun_the_same_day_links_to_that_days_earlier_snapshot(storage: LocalStorage) -> None:
    write(storage, MONDAY)
    morning = write(storage, TUESDAY, hour=6)
    evening = write(storage, TUESDAY, hour=18)
    assert evening.previous_manifest is not None
    assert evening.previous_manifest["snapshot_id"] == morning.snapshot_id


def test_the_link_is_recorded_in_the_stored_manifest(storage: LocalStorage) -> None:
    write(storage, MONDAY)
    tuesday = write(storage, TUESDAY)
    assert read_manifest(storage, TUESDAY, tuesday.snapshot_id).previous_manifest == tuesday.previous_manifest


def test_probe_runs_form_a_chain_of_their_own(storage: LocalStorage) -> None:
    write(storage, MONDAY)
    assert write(storage, TUESDAY, root="probes").previous_manifest is None


def test_a_signed_manifest_names_its_key_and_its_signature_verifies(storage: LocalStorage) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    manifest = write(storage, MONDAY, signer=signer)
    prefix = snapshot_prefix(MONDAY, manifest.snapshot_id)
    signature = storage.read_bytes(f"{prefix}/{SIGNATURE_NAME}")
    assert manifest.signing_key == fingerprint(signer.public_key) == signer.fingerprint
    assert signature_valid(signer.public_key, manifest_bytes(storage, MONDAY, manifest.snapshot_id), signature)
    assert not signature_valid(Ed25519PrivateKey.generate().public_key(), manifest.to_json(), signature)


def test_an_unsigned_manifest_names_no_key_and_has_no_signature(storage: LocalStorage) -> None:
    manifest = write(storage, MONDAY)
    assert manifest.signing_key is None
    assert not storage.exists(f"{snapshot_prefix(MONDAY, manifest.snapshot_id)}/{SIGNATURE_NAME}")


def test_every_file_of_a_snapshot_is_written_read_only(storage: LocalStorage, tmp_path: Path) -> None:
    manifest = write(storage, MONDAY, signer=Signer(Ed25519PrivateKey.generate()))
    folder = tmp_path / "store" / snapshot_prefix(MONDAY, manifest.snapshot_id)
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.rglob("*") if path.is_file()}
    assert set(modes) == {"iam_roles.json", MANIFEST_NAME, SIGNATURE_NAME}
    assert set(modes.values()) == {0o444}


def test_a_fingerprint_is_the_sha256_of_the_raw_public_key() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert fingerprint(key) == "sha256:" + hashlib.sha256(raw).hexdigest()
