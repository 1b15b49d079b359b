"""Probe runs as immutable evidence, with the snapshot store's own machinery (temp then rename, sha256 manifest).

Layout: `<storage_root>/probes/<date>/<probe_run_id>/manifest.json` and `<target>/token_probes.json` per
target. The manifest's `collection_status` has one row per target (`account_id` = `probe:<target>`): `ok`
when the probe ran to the end, `error` with the reason otherwise — the same completeness record the daily
snapshot keeps, so an auditor reads both the same way.
"""

from __future__ import annotations

from datetime import date, datetime

from assurance_jobs.probes.record import ProbeRecord
from assurance_jobs.probes.runner import ProbeRun
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, Snapshot, SourceBlob
from assurance_jobs.snapshot.signing import Signer
from assurance_jobs.snapshot.storage import Storage
from assurance_jobs.snapshot.store import latest_snapshot, list_snapshots, snapshot_prefix, write_snapshot

PROBES_PREFIX = "probes"
PROBE_SOURCE = "token_probes"  # the source name (assurance_jobs/sources/token_probes.py declares it)
PROBE_API = "probe:token_replay"


def scope_of(target: str) -> str:
    """The scope key of a probe target in collection status, rule results and findings."""
    return f"probe:{target}"


def _status(record: ProbeRecord) -> CollectionStatus:
    api = "probe:oauth2_client_credentials" if record.kind == "oauth2" else "probe:sts_assume_role"
    return CollectionStatus(
        account_id=scope_of(record.target),
        source=PROBE_SOURCE,
        api=api,
        region=None,
        status=record.status,
        error_code=record.error_code,
        message=record.message,
        pages=len(record.events),
    )


def write_probe_run(
    storage: Storage,
    partition_date: date,
    started_at: datetime,
    run: ProbeRun,
    duration_seconds: float,
    signer: Signer | None = None,
) -> Manifest:
    """Store one probe run (chained, and signed with `signer` like a snapshot); refuses (before anything is
    written) if a token or secret would be stored."""
    blobs = [SourceBlob(record.target, PROBE_SOURCE, record.to_json()) for record in run.records]
    statuses = [_status(record) for record in run.records]
    manifest_preview = b"".join(blob.content for blob in blobs) + b"".join(
        str(status.to_dict()).encode() for status in statuses
    )
    run.redactor.check(manifest_preview)
    return write_snapshot(
        storage,
        partition_date,
        started_at,
        blobs,
        statuses,
        [record.target for record in run.records],
        duration_seconds,
        root=PROBES_PREFIX,
        signer=signer,
    )


def latest_probe_run(storage: Storage, partition_date: date) -> Snapshot | None:
    """The day's newest committed probe run, every file verified against its sha256."""
    return latest_snapshot(storage, partition_date, root=PROBES_PREFIX)


def probe_run_ids(storage: Storage, partition_date: date) -> list[str]:
    return list_snapshots(storage, partition_date, root=PROBES_PREFIX)


def probe_run_location(storage: Storage, partition_date: date, run_id: str) -> str:
    return storage.location(snapshot_prefix(partition_date, run_id, PROBES_PREFIX))


def stored_records(run: Snapshot) -> list[tuple[ProbeRecord, str, str]]:
    """Each record with its file path (relative to the run) and sha256, in target order."""
    return [
        (ProbeRecord.from_json(run.contents[entry.path]), entry.path, entry.sha256)
        for entry in sorted(run.manifest.files, key=lambda entry: entry.path)
        if entry.source == PROBE_SOURCE
    ]
