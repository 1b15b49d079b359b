"""The inventory step: the day's snapshot becomes tables with every fact the rules test — scan facts, baseline and
agent facts, drift against the previous stored day, runtime facts over the activity history — stored per day.

Reads only stored evidence and the configured baseline (a reviewed change must take effect on re-evaluation);
never calls AWS.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from assurance_jobs.baseline.drift import DriftReport
from assurance_jobs.baseline.inventory_join import inventory_with_baseline_facts, inventory_with_runtime_facts
from assurance_jobs.baseline.model import Baseline, baseline_files
from assurance_jobs.baseline.registry import RegistrySource
from assurance_jobs.collect.plan import organization_members
from assurance_jobs.config import AssuranceConfig, DirectoryFeedConfig, HumanMarker
from assurance_jobs.parquet import read_parquet, to_parquet
from assurance_jobs.scan.inventory import Inventory, build_inventory
from assurance_jobs.scan.ownership import DirectoryFeed, parse_directory_feed_bytes
from assurance_jobs.scan.policy_join import inventory_with_policy_facts
from assurance_jobs.scan.runtime import (
    RuntimeEvidence,
    services_called,
    snapshot_activity,
    snapshot_service_last_accessed,
)
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import AGENT_REGISTRY, DIRECTORY_FEED, Manifest, Snapshot
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.sources import agent_registry, registry
from assurance_jobs.steps import inputs
from assurance_jobs.steps.layout import activity_key, baseline_copy_key, snapshot_file_key
from assurance_jobs.steps.tables import (
    DRIFT_TABLES,
    INVENTORY_TABLES,
    OPTIONAL_TABLES,
    days_with_table,
    load_inventory,
    store_source_note,
    store_table,
)


def read_directory_feed(config: AssuranceConfig) -> DirectoryFeed | None:
    """The HR/IdP export, if configured. An unreadable file is an error, not an empty feed (owners would pass)."""
    if config.directory_feed is None:
        return None
    return inputs.read_directory_feed(config.directory_feed)


@dataclass(frozen=True)
class PartitionInventory:
    inventory: Inventory
    drift: DriftReport | None
    previous_date: date | None
    runtime: RuntimeEvidence | None = None


def build_partition_inventory(config: AssuranceConfig, snapshot: Snapshot) -> PartitionInventory:
    """The day's tables with every fact the rules need, including baseline and drift against the previous day."""
    partition_date = snapshot.manifest.partition_date
    directory = snapshot_directory_feed(config, snapshot)
    inventory = build_inventory(
        snapshot,
        registry.parsers("inventory"),
        owner_tag_keys=config.owner_tag_keys,
        human_marker=config.human_marker,
        directory=directory,
    )
    if directory is not None and directory.parse_warnings:  # shown in the run's output and the report
        inventory = replace(inventory, parse_warnings=[*directory.parse_warnings, *inventory.parse_warnings])
    inventory = inventory_with_policy_facts(
        inventory, known_accounts(config, snapshot.manifest), snapshot.manifest.taken_at
    )
    previous_date = previous_inventory_date(config, partition_date)
    previous = load_inventory(config, previous_date) if previous_date else None
    baseline, agents, taken_at = load_configured_baseline(config), _registry(snapshot), snapshot.manifest.taken_at
    inventory, drift = inventory_with_baseline_facts(inventory, baseline, agents, taken_at, previous)
    runtime_warnings: list[str] = []  # a corrupt kms_keys or advisor file: shown like the inventory's own
    evidence = runtime_evidence(config, snapshot, runtime_warnings)
    inventory = inventory_with_runtime_facts(inventory, evidence, baseline, agents, taken_at)
    if runtime_warnings:
        inventory = replace(inventory, parse_warnings=[*inventory.parse_warnings, *runtime_warnings])
    return PartitionInventory(inventory, drift, previous_date, evidence)


def known_accounts(config: AssuranceConfig, manifest: Manifest) -> list[str]:
    """`known_accounts`, plus every account of the organization the snapshot's discovery listed (unless
    `organization.members_are_known_accounts` is off): members trusting each other are not third parties."""
    known = list(config.known_accounts)
    if config.organization is not None and config.organization.members_are_known_accounts:
        known += organization_members(manifest.account_status)
    return sorted(set(known))


# ------------------------------------------------------------------------------------------ runtime history


def runtime_evidence(
    config: AssuranceConfig, snapshot: Snapshot, warnings: list[str] | None = None
) -> RuntimeEvidence | None:
    """The snapshot's activity plus the look-back history stored under `activity/<day>/` (None: no trail read).
    Parser warnings (an unreadable kms_keys or Access Advisor file, an unreadable timestamp) go to `warnings`.

    History is kept per partition (written by `store_activity_history`), so NHI-RT-005 can ask which services
    an identity called over the last `activity_lookback_days` days without re-reading any log object."""
    today = snapshot_activity(snapshot, warnings)
    if not today.accounts:
        return None
    storage = storage_for(config.storage_root)
    called = {arn: set(services) for arn, services in services_called(today.activity).items()}
    covered = dict.fromkeys(today.fully_covered, 1)
    day = snapshot.manifest.partition_date
    lookback = config.activity_lookback_days
    advisor = snapshot_service_last_accessed(snapshot, warnings)
    for offset in range(1, lookback):
        earlier = day - timedelta(days=offset)
        if not storage.exists(activity_key(earlier, "coverage.json")):
            continue
        coverage = json.loads(storage.read_bytes(activity_key(earlier, "coverage.json")))
        for account in coverage.get("fully_covered", []):
            covered[account] = covered.get(account, 0) + 1
        activity = read_parquet(storage.read_bytes(activity_key(earlier, "activity.parquet")))
        for arn, services in services_called(activity).items():
            called.setdefault(arn, set()).update(services)
    return RuntimeEvidence(
        activity=today.activity,
        accounts=today.accounts,
        services_called={arn: frozenset(services) for arn, services in called.items()},
        covered_days=covered,
        lookback_days=lookback,
        listings=today.listings,
        kms_key_tags=today.kms_key_tags,
        service_last_accessed=advisor.services,
        advisor_accounts=advisor.accounts,
        advisor_files=advisor.files,
        as_of=snapshot.manifest.taken_at,
    )


def store_activity_history(
    config: AssuranceConfig, partition_date: date, activity: pd.DataFrame, accounts: list[str], fully_covered: list[str]
) -> None:
    """One day of activity history: the reduced table and which accounts it fully covers."""
    storage = storage_for(config.storage_root)
    storage.write_bytes(activity_key(partition_date, "activity.parquet"), to_parquet(activity))
    coverage = {"accounts": sorted(accounts), "fully_covered": sorted(fully_covered)}
    storage.write_bytes(activity_key(partition_date, "coverage.json"), json.dumps(coverage, sort_keys=True).encode())


def activity_history_complete(evidence: RuntimeEvidence | None) -> bool:
    """Every account with a trail has the look-back window's fully covered days stored, or collects Access Advisor
    (whose principals without data are INCOMPLETE one by one): NHI-RT-005 can be judged."""
    if evidence is None:
        return False
    return all(
        evidence.covered_days.get(account, 0) >= evidence.lookback_days or account in evidence.advisor_accounts
        for account in evidence.accounts
    )


def snapshot_directory_feed(config: AssuranceConfig, snapshot: Snapshot) -> DirectoryFeed | None:
    """The feed kept in the snapshot; None when it was configured but could not be read (OFF-004 then reads
    INCOMPLETE through its status). A snapshot taken before feeds were snapshotted falls back to the file."""
    entry = next((f for f in snapshot.manifest.files if f.source == DIRECTORY_FEED), None)
    if entry is not None:
        feed = config.directory_feed or DirectoryFeedConfig(path=entry.path)
        parsed = parse_directory_feed_bytes(snapshot.contents[entry.path], feed, entry.path)
        return replace(parsed, parse_warnings=[f"{entry.path}: {warning}" for warning in parsed.parse_warnings])
    if any(status.source == DIRECTORY_FEED for status in snapshot.manifest.collection_status):
        return None
    return read_directory_feed(config)


def load_configured_baseline(config: AssuranceConfig) -> Baseline | None:
    """None when no baseline is configured: then nothing is judged against one (the rules read INCOMPLETE)."""
    return inputs.read_baseline_dir(config.baseline_dir) if config.baseline_dir else None


def _registry(snapshot: Snapshot) -> RegistrySource | None:
    """The registry file the snapshot keeps (under the run's first account). A stored file that no longer parses
    stops the step: its status says `ok`, so an empty agent table would read as a pass."""
    entry = next((f for f in snapshot.manifest.files if f.source == AGENT_REGISTRY), None)
    if entry is None:
        return None
    ctx = Context(snapshot.manifest.taken_at, [], HumanMarker(), None)
    parsed = agent_registry.SOURCE.parse(snapshot, entry.account_id, ctx) if agent_registry.SOURCE.parse else None
    if parsed is None:
        raise ValueError("; ".join(ctx.warnings) or f"{entry.path}: the agent registry could not be read")
    return parsed


def previous_inventory_date(config: AssuranceConfig, partition_date: date) -> date | None:
    """The latest earlier day whose inventory is stored: drift compares with it (gaps in history are allowed)."""
    days = days_with_table(storage_for(config.storage_root), "identities", before=partition_date)
    return days[-1] if days else None


def store_inventory(
    config: AssuranceConfig,
    partition_date: date,
    inventory: Inventory,
    manifest: Manifest,
    previous_date: date | None = None,
    runtime: RuntimeEvidence | None = None,
) -> dict[str, str]:
    """Write the tables, then a note of the snapshot they came from (so findings can name it)."""
    storage = storage_for(config.storage_root)
    locations = {
        table: store_table(storage, partition_date, table, getattr(inventory, table))
        for table in INVENTORY_TABLES
        if table not in OPTIONAL_TABLES or len(getattr(inventory, table).columns)
    }
    if runtime is not None:
        covered = [a for a in runtime.accounts if a in _fully_covered_today(inventory.collection_status)]
        store_activity_history(config, partition_date, runtime.activity, sorted(runtime.accounts), covered)
    source = {
        "snapshot_id": manifest.snapshot_id,
        "taken_at": manifest.taken_at.isoformat(),
        "previous_partition": previous_date.isoformat() if previous_date else None,
        "activity_history_complete": activity_history_complete(runtime),
        "inputs": _input_citations(config, storage, partition_date, manifest),
        "warnings": list(inventory.parse_warnings),
    }
    store_source_note(storage, partition_date, source)
    return locations


def _fully_covered_today(statuses: pd.DataFrame) -> set[str]:
    trail = statuses[statuses["source"].isin(("cloudtrail_objects", "cloudtrail_activity"))]
    return {str(a) for a, rows in trail.groupby("account_id") if (rows["status"] == "ok").all()}


def _input_citations(
    config: AssuranceConfig, storage: Storage, partition_date: date, manifest: Manifest
) -> dict[str, list[dict[str, str]]]:
    """The configured inputs this inventory was judged with, each as (stored path, sha256), for the findings.

    The directory feed is already in the snapshot. The baseline files are copied into the inventory partition:
    they are policy-as-data, re-read on every re-evaluation (a reviewed change must take effect), so the copy
    records exactly which approved model a day's findings were judged against.
    """
    cited: dict[str, list[dict[str, str]]] = {}
    feed = [entry for entry in manifest.files if entry.source == DIRECTORY_FEED]
    if feed:
        cited[DIRECTORY_FEED] = [
            {
                "path": storage.location(snapshot_file_key(manifest.partition_date, manifest.snapshot_id, f.path)),
                "sha256": f.sha256,
            }
            for f in feed
        ]
    if config.baseline_dir:
        copies = []
        for path in baseline_files(config.baseline_dir):
            content = path.read_bytes()
            key = baseline_copy_key(partition_date, path.name)
            storage.write_bytes(key, content)
            copies.append({"path": storage.location(key), "sha256": hashlib.sha256(content).hexdigest()})
        cited["baseline"] = copies
    return cited


def input_citations(source: dict) -> dict[str, str]:
    """Per input, the text a finding cites: 'path sha256:…' joined by '; '."""
    return {
        name: "; ".join(f"{item['path']} sha256:{item['sha256']}" for item in items)
        for name, items in (source.get("inputs") or {}).items()
    }


def store_drift(config: AssuranceConfig, partition_date: date, drift: DriftReport | None) -> dict[str, int]:
    """Drift tables as `drift_<table>`; on the first stored day there is nothing to compare, so nothing is written."""
    if drift is None:
        return {}
    storage = storage_for(config.storage_root)
    for table in DRIFT_TABLES:
        store_table(storage, partition_date, f"drift_{table}", getattr(drift, table))
    return {table: len(getattr(drift, table)) for table in DRIFT_TABLES}
