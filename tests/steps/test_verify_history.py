"""`verify` and what no report vouches for: the stored activity history and the newest manifest of a chain.

The activity history: each day's inventory note cites the earlier days' history it was
judged with. An edit to that history fails; a re-run of an earlier day, which rewrites its history on purpose and
says so in its own note, is reported as such, not as tampering."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.snapshot.model import SourceBlob
from assurance_jobs.snapshot.signing import Signer
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import write_snapshot
from assurance_jobs.steps.layout import activity_key, source_snapshot_key
from assurance_jobs.steps.tables import store_source_note
from assurance_jobs.steps.verify import verify_store

EARLIER, LATER = date(2026, 12, 4), date(2026, 12, 5)
PROFILE = activity_key(EARLIER, "profile.parquet")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def config(tmp_path: Path) -> AssuranceConfig:
    """A store where the later day was judged with the earlier day's profile as it was then (b'original')."""
    settings = AssuranceConfig(storage_root=str(tmp_path / "data"), output_dir=str(tmp_path / "out"))
    storage = storage_for(settings.storage_root)
    storage.write_bytes(PROFILE, b"original")
    written = [{"path": PROFILE, "sha256": _sha(b"original")}]
    store_source_note(storage, EARLIER, {"inputs": {}, "activity_history_written": written})
    cited = [{"path": PROFILE, "sha256": _sha(b"original")}]
    store_source_note(storage, LATER, {"inputs": {"activity_history": cited}})
    return settings


def test_history_as_it_was_judged_verifies(config: AssuranceConfig) -> None:
    assert verify_store(config).ok


def test_an_edit_to_an_earlier_days_history_fails_naming_the_file(config: AssuranceConfig) -> None:
    storage_for(config.storage_root).write_bytes(PROFILE, b"a network slipped in")
    result = verify_store(config)
    assert [m.where for m in result.mismatches] == [storage_for(config.storage_root).location(PROFILE)]


def test_a_rerun_of_the_earlier_day_is_reported_as_a_rewrite_not_as_tampering(config: AssuranceConfig) -> None:
    storage = storage_for(config.storage_root)
    storage.write_bytes(PROFILE, b"re-collected")
    written = [{"path": PROFILE, "sha256": _sha(b"re-collected")}]
    store_source_note(storage, EARLIER, {"inputs": {}, "activity_history_written": written})
    result = verify_store(config)
    assert result.ok
    assert any(f"rewritten when {EARLIER} was re-run after {LATER}" in note for note in result.notes)


def test_an_unreadable_inventory_note_is_a_mismatch_not_a_crash(config: AssuranceConfig) -> None:
    storage = storage_for(config.storage_root)
    storage.write_bytes(source_snapshot_key(LATER), b"{not json")
    result = verify_store(config)
    assert [m.problem.split(" (")[0] for m in result.mismatches] == ["not readable"]


def test_a_signature_stripped_from_the_newest_manifest_of_a_signed_chain_fails_verify(tmp_path: Path) -> None:
    """No later manifest and no report vouch for the newest snapshot: the chain itself must, by staying signed."""
    settings = AssuranceConfig(storage_root=str(tmp_path / "data"), output_dir=str(tmp_path / "out"))
    storage = storage_for(settings.storage_root)
    signer = Signer(Ed25519PrivateKey.generate())
    for day in (EARLIER, LATER):
        taken = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
        blob = SourceBlob("123456789012", "iam_users", b"[]")
        write_snapshot(storage, day, taken, [blob], [], ["123456789012"], 1.0, signer=signer)
    newest = next((tmp_path / "data" / "snapshots" / LATER.isoformat()).rglob("manifest.json"))
    body = json.loads(newest.read_text())
    body["signing_key"] = None
    newest.chmod(0o644)
    newest.write_text(json.dumps(body))
    (newest.parent / "manifest.json.sig").unlink()
    result = verify_store(settings, public_key=signer.public_key)
    assert [(m.where, m.problem.split(":")[0]) for m in result.mismatches] == [
        (str(newest), "not signed, but the manifest before it in the chain is")
    ]
