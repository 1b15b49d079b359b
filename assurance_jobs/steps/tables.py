"""A day's stored tables: the inventory, drift, findings and rule results, written and read as Parquet.

Derived tables are reproducible from the snapshot, so a rerun replaces them; the evidence itself (snapshots, probe
runs) is never rewritten. Keys come from `layout`, bytes go through the one Parquet helper.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.parquet import read_parquet, to_parquet
from assurance_jobs.scan.inventory import Inventory
from assurance_jobs.schema import AGENT_COLUMNS, CREDENTIAL_COLUMNS, Columns
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.steps.layout import INVENTORY_PREFIX, source_snapshot_key, table_key

OPTIONAL_TABLES = (
    "agents",
    "activity",
    "principal_links",
    "linked_reach",
    "kubernetes_subjects",
    "kubernetes_tokens",
    "agent_tools",
)
"""Tables a day may lack: no agent registry configured, no trail read, no linked nodes (older days stored none)."""
INVENTORY_TABLES = ("identities", "credentials", "policies", "collection_status", *OPTIONAL_TABLES)
INCOMPLETE_RESOURCES = "incomplete_resources"
DRIFT_TABLES = (
    "identity_changes",
    "credential_changes",
    "permission_changes",
    "trust_changes",
    "owner_changes",
    "privilege_creep",
)


def store_table(storage: Storage, partition_date: date, table: str, frame: pd.DataFrame) -> str:
    """Store one derived table; returns where it is (for the asset's metadata)."""
    key = table_key(partition_date, table)
    storage.write_bytes(key, to_parquet(frame))
    return storage.location(key)


def read_table(storage: Storage, partition_date: date, table: str) -> pd.DataFrame:
    return read_parquet(storage.read_bytes(table_key(partition_date, table)))


def has_table(storage: Storage, partition_date: date, table: str) -> bool:
    return storage.exists(table_key(partition_date, table))


def days_with_table(storage: Storage, table: str, before: date | None = None) -> list[date]:
    """The stored days (oldest first) that hold `table`, all of them or only those before `before`."""
    days = []
    for name in storage.children(INVENTORY_PREFIX):
        try:
            day = date.fromisoformat(name)
        except ValueError:
            continue
        if (before is None or day < before) and has_table(storage, day, table):
            days.append(day)
    return sorted(days)


def read_incomplete_resources(storage: Storage, partition_date: date) -> pd.DataFrame:
    """The day's resources with unknown verdicts; days evaluated before this table existed have none stored."""
    from assurance_jobs.evaluate.engine import empty_incomplete_resources

    if not has_table(storage, partition_date, INCOMPLETE_RESOURCES):
        return empty_incomplete_resources()
    frame = read_table(storage, partition_date, INCOMPLETE_RESOURCES).astype(object)
    return frame.where(frame.notna(), None)


def load_inventory(config: AssuranceConfig, partition_date: date) -> Inventory:
    storage = storage_for(config.storage_root)
    tables = {
        table: _with_new_columns(table, read_table(storage, partition_date, table))
        for table in INVENTORY_TABLES
        if table not in OPTIONAL_TABLES or has_table(storage, partition_date, table)
    }
    return Inventory(**tables)


_ADDED_COLUMNS: dict[str, tuple[Columns, dict[str, Any]]] = {
    "agents": (AGENT_COLUMNS, {"kind": "registered_agent"}),  # before agent discovery: registry rows only
    "credentials": (CREDENTIAL_COLUMNS, {}),
}
"""Tables that gained columns (issue 20): a day stored before gets them, NA (or the value every row then had), so it
can still be re-evaluated with today's suites."""


def _with_new_columns(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table not in _ADDED_COLUMNS or not len(frame.columns):
        return frame
    columns, defaults = _ADDED_COLUMNS[table]
    missing = [name for name in columns if name not in frame.columns]
    if not missing:
        return frame
    added = {
        name: pd.Series([defaults.get(name)] * len(frame), index=frame.index, dtype=columns[name]) for name in missing
    }
    return frame.assign(**added)


def store_source_note(storage: Storage, partition_date: date, note: dict[str, Any]) -> None:
    storage.write_bytes(source_snapshot_key(partition_date), json.dumps(note, sort_keys=True).encode())


def inventory_source(config: AssuranceConfig, partition_date: date) -> dict[str, Any]:
    """The snapshot the stored inventory was built from, the earlier day its drift was measured against, the
    inputs it was judged with and its warnings (`source_snapshot.json`)."""
    return source_note(storage_for(config.storage_root), partition_date)


def source_note(storage: Storage, partition_date: date) -> dict[str, Any]:
    """A stored day's `source_snapshot.json` (FileNotFoundError when the day has no inventory)."""
    return json.loads(storage.read_bytes(source_snapshot_key(partition_date)))


def stored_warnings(storage: Storage, partition_date: date) -> list[str]:
    """Warnings about the day's inputs (duplicate feed rows, unreadable dates), as stored with the inventory."""
    key = source_snapshot_key(partition_date)
    if not storage.exists(key):
        return []
    return [str(warning) for warning in json.loads(storage.read_bytes(key)).get("warnings") or []]
