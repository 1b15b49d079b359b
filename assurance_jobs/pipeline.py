"""The daily run's steps as plain functions: Dagster assets and the CLI call these and stay thin.

Each step reads what the previous one stored and writes its own output under the storage root, so any step
can be rerun from stored evidence alone (evaluation and reports never call AWS).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.aws import collect_account, session_for
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.evaluate.engine import Evaluation, evaluate
from assurance_jobs.evaluate.export import write_findings_exports
from assurance_jobs.evaluate.suites import load_suites
from assurance_jobs.scan.facts import inventory_with_policy_facts
from assurance_jobs.scan.inventory import Inventory, build_inventory
from assurance_jobs.scan.ownership import DirectoryFeed, parse_directory_feed
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, Snapshot, SourceBlob
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.snapshot.store import latest_snapshot, write_snapshot

ASSUME_ROLE_SOURCE = "sts_assume_role"
INVENTORY_PREFIX = "inventory"


class MissingSnapshotError(RuntimeError):
    """A past partition has no stored snapshot: the live estate cannot be observed retroactively."""


@dataclass(frozen=True)
class SnapshotOutcome:
    manifest: Manifest
    location: str
    reused: bool


def utc_today() -> date:
    return datetime.now(UTC).date()


def snapshot_partition(config: AssuranceConfig, partition_date: date) -> SnapshotOutcome:
    """Collect today's partition afresh; for a past day, reuse the stored snapshot (history is evidence)."""
    storage = storage_for(config.storage_root)
    if partition_date != utc_today():
        stored = latest_snapshot(storage, partition_date)
        if stored is None:
            raise MissingSnapshotError(
                f"no snapshot is stored for {partition_date.isoformat()} under {storage.location()}; "
                "a past day cannot be collected from the live estate"
            )
        return SnapshotOutcome(stored.manifest, stored.location, reused=True)
    manifest = collect_snapshot(config, storage, partition_date)
    return SnapshotOutcome(manifest, storage.location(f"snapshots/{partition_date}/{manifest.snapshot_id}"), False)


def collect_snapshot(config: AssuranceConfig, storage: Storage, partition_date: date) -> Manifest:
    """Collect every configured account and write one immutable snapshot."""
    started = time.monotonic()
    taken_at = datetime.now(UTC)
    blobs: list[SourceBlob] = []
    statuses: list[CollectionStatus] = []
    accounts: list[str] = []
    for account in config.accounts:
        try:
            session = session_for(account)
        except (ClientError, BotoCoreError) as error:
            statuses.append(_unreachable_account(account.name, error))
            continue
        account_blobs, account_statuses, account_id = collect_account(
            session, account, max_attempts=config.max_attempts
        )
        blobs.extend(account_blobs)
        statuses.extend(account_statuses)
        accounts.append(account_id)
    return write_snapshot(
        storage, partition_date, taken_at, blobs, statuses, accounts, duration_seconds=time.monotonic() - started
    )


def _unreachable_account(name: str, error: ClientError | BotoCoreError) -> CollectionStatus:
    """An account whose role could not be assumed: every rule for it must read INCOMPLETE."""
    code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else type(error).__name__
    return CollectionStatus(
        account_id=f"unreachable:{name}",
        source=ASSUME_ROLE_SOURCE,
        api="sts:AssumeRole",
        region=None,
        status="error",
        error_code=code,
        message=str(error),
    )


def load_partition_snapshot(config: AssuranceConfig, partition_date: date) -> Snapshot:
    snapshot = latest_snapshot(storage_for(config.storage_root), partition_date)
    if snapshot is None:
        raise MissingSnapshotError(f"no snapshot is stored for {partition_date.isoformat()}")
    return snapshot


def table_key(partition_date: date, table: str) -> str:
    return f"{INVENTORY_PREFIX}/{partition_date.isoformat()}/{table}.parquet"


def store_table(storage: Storage, partition_date: date, table: str, frame: pd.DataFrame) -> str:
    """Store one derived table as Parquet; derived tables are reproducible, so a rerun replaces them."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    key = table_key(partition_date, table)
    storage.write_bytes(key, buffer.getvalue())
    return storage.location(key)


def read_table(storage: Storage, partition_date: date, table: str) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(storage.read_bytes(table_key(partition_date, table))))


INVENTORY_TABLES = ("identities", "credentials", "policies", "collection_status")


def read_directory_feed(config: AssuranceConfig) -> DirectoryFeed | None:
    """The HR/IdP export, if configured. An unreadable file is an error, not an empty feed (owners would pass)."""
    if config.directory_feed is None:
        return None
    text = Path(config.directory_feed.path).read_text(encoding="utf-8")
    return parse_directory_feed(text, config.directory_feed)


def build_partition_inventory(config: AssuranceConfig, snapshot: Snapshot) -> Inventory:
    inventory = build_inventory(
        snapshot,
        owner_tag_keys=config.owner_tag_keys,
        human_marker=config.human_marker,
        directory=read_directory_feed(config),
    )
    return inventory_with_policy_facts(inventory, config.known_accounts)


def store_inventory(
    config: AssuranceConfig, partition_date: date, inventory: Inventory, manifest: Manifest
) -> dict[str, str]:
    """Write the tables, then a note of the snapshot they came from (so findings can name it)."""
    storage = storage_for(config.storage_root)
    locations = {
        table: store_table(storage, partition_date, table, getattr(inventory, table)) for table in INVENTORY_TABLES
    }
    source = {"snapshot_id": manifest.snapshot_id, "taken_at": manifest.taken_at.isoformat()}
    storage.write_bytes(_source_key(partition_date), json.dumps(source, sort_keys=True).encode())
    return locations


def _source_key(partition_date: date) -> str:
    return f"{INVENTORY_PREFIX}/{partition_date.isoformat()}/source_snapshot.json"


def inventory_source(config: AssuranceConfig, partition_date: date) -> dict[str, str]:
    """{'snapshot_id', 'taken_at'} of the snapshot the stored inventory was built from."""
    return json.loads(storage_for(config.storage_root).read_bytes(_source_key(partition_date)))


def load_inventory(config: AssuranceConfig, partition_date: date) -> Inventory:
    storage = storage_for(config.storage_root)
    tables = {table: read_table(storage, partition_date, table) for table in INVENTORY_TABLES}
    return Inventory(**tables)


@dataclass(frozen=True)
class EvaluationOutcome:
    evaluation: Evaluation
    snapshot_id: str
    findings_location: str
    exports: list[str]


def evaluate_partition(config: AssuranceConfig, partition_date: date) -> EvaluationOutcome:
    """Judge the stored inventory with the rule suites; store findings and write the exports. No AWS calls."""
    inventory = load_inventory(config, partition_date)
    snapshot_id = inventory_source(config, partition_date)["snapshot_id"]
    evaluation = evaluate(
        inventory.identities,
        inventory.credentials,
        inventory.collection_status,
        load_suites(config.expectations_dir),
        snapshot_id=snapshot_id,
        partition_date=partition_date,
        directory_feed_present=config.directory_feed is not None,
    )
    storage = storage_for(config.storage_root)
    location = store_table(storage, partition_date, "findings", evaluation.findings)
    store_table(storage, partition_date, "rule_results", evaluation.rule_results)
    exports = write_findings_exports(evaluation, partition_output_dir(config, partition_date))
    return EvaluationOutcome(evaluation, snapshot_id, location, [str(path) for path in exports])


def partition_output_dir(config: AssuranceConfig, partition_date: date) -> Path:
    return Path(config.output_dir) / partition_date.isoformat()
