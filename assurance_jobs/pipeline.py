"""The daily run's steps as plain functions: Dagster assets and the CLI call these and stay thin.

Each step reads what the previous one stored and writes its own output under the storage root, so any step
can be rerun from stored evidence alone (evaluation and reports never call AWS).
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from assurance_jobs import inputs, sources
from assurance_jobs.baseline.drift import DriftReport
from assurance_jobs.baseline.model import Baseline, baseline_files
from assurance_jobs.baseline.registry import AGENT_REGISTRY, RegistryError, parse_registry, registry_blob
from assurance_jobs.collect.aws import planned_source_count
from assurance_jobs.collect.organization import DISCOVERY_SOURCE
from assurance_jobs.collect.plan import (
    AccountResult,
    AccountTask,
    CollectionPlan,
    base_sessions,
    collect_task,
    excluded_record,
    failed_result,
    plan_collection,
)
from assurance_jobs.config import AssuranceConfig, DirectoryFeedConfig
from assurance_jobs.evaluate.engine import Evaluation, evaluate
from assurance_jobs.evaluate.probes import merge_evaluations
from assurance_jobs.evaluate.suites import load_suites
from assurance_jobs.facts import RegistrySource, inventory_with_baseline_facts, inventory_with_runtime_facts
from assurance_jobs.probe_pipeline import evaluate_stored_probes
from assurance_jobs.scan.facts import inventory_with_policy_facts
from assurance_jobs.scan.inventory import Inventory, build_inventory
from assurance_jobs.scan.ownership import DirectoryFeed
from assurance_jobs.scan.runtime import (
    RuntimeEvidence,
    services_called,
    snapshot_activity,
    snapshot_service_last_accessed,
)
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, Snapshot, SourceBlob
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.snapshot.store import latest_snapshot, list_snapshots, read_manifest, read_snapshot, write_snapshot

DIRECTORY_FEED = "directory_feed"
BASELINE_COPY_PREFIX = "inputs/baseline"
INCOMPLETE_RESOURCES = "incomplete_resources"
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


@dataclass(frozen=True)
class DayPlan:
    """What a day's snapshot step will do: reuse a stored snapshot (a past day), or collect `pending` accounts
    and carry the others over. Holds no credentials, so it can travel between Dagster steps."""

    partition_date: date
    taken_at: datetime
    plan: CollectionPlan | None = None
    carried: CarryOver = field(default_factory=lambda: CarryOver())
    reused: SnapshotOutcome | None = None

    @property
    def pending(self) -> tuple[AccountTask, ...]:
        if self.plan is None:
            return ()
        return tuple(task for task in self.plan.tasks if task.key not in self.carried.records)


def plan_day(config: AssuranceConfig, partition_date: date, *, only_account: str | None = None) -> DayPlan:
    storage = storage_for(config.storage_root)
    taken_at = datetime.now(UTC)
    if partition_date != utc_today():
        stored = latest_snapshot(storage, partition_date)
        if stored is None:
            raise MissingSnapshotError(
                f"no snapshot is stored for {partition_date.isoformat()} under {storage.location()}; "
                "a past day cannot be collected from the live estate"
            )
        return DayPlan(partition_date, taken_at, reused=SnapshotOutcome(stored.manifest, stored.location, True))
    plan = plan_collection(config)
    return DayPlan(partition_date, taken_at, plan, carry_over(storage, partition_date, plan, only_account))


def commit_day(config: AssuranceConfig, day: DayPlan, results: list[AccountResult]) -> SnapshotOutcome:
    """The one commit of a collected day (the plan must not be a reuse)."""
    if day.plan is None:
        raise ValueError("a reused day has nothing to commit")
    storage = storage_for(config.storage_root)
    manifest = commit_collection(config, storage, day.partition_date, day.taken_at, day.plan, results, day.carried)
    location = storage.location(f"snapshots/{day.partition_date}/{manifest.snapshot_id}")
    return SnapshotOutcome(manifest, location, reused=False)


SourceProgress = Callable[[CollectionStatus, int, int], None]
"""Hears (status, sources done, sources planned) as each source is collected."""


def collect_snapshot(
    config: AssuranceConfig,
    storage: Storage,
    partition_date: date,
    on_status: SourceProgress | None = None,
    *,
    only_account: str | None = None,
) -> Manifest:
    """Collect every configured and discovered account (up to `max_parallel_accounts` at once) into one snapshot.

    With `only_account` (a change in one account), only that account is collected again; the others are carried
    over from the day's latest stored snapshot, and the manifest says from which one.
    """
    started = time.monotonic()
    taken_at = datetime.now(UTC)
    plan = plan_collection(config)
    carried = carry_over(storage, partition_date, plan, only_account)
    pending = [task for task in plan.tasks if task.key not in carried.records]
    planned = sum(planned_source_count(task.account) for task in pending)
    done: list[CollectionStatus] = []
    lock = threading.Lock()

    def heard(status: CollectionStatus) -> None:
        with lock:  # accounts report from their own threads
            done.append(status)
            if on_status is not None:
                on_status(status, len(done), max(planned, len(done)))  # CloudTrail adds statuses not planned ahead

    results = collect_tasks(config, pending, partition_date, heard)
    return commit_collection(config, storage, partition_date, taken_at, plan, results, carried, started)


def collect_tasks(
    config: AssuranceConfig,
    tasks: list[AccountTask],
    partition_date: date,
    on_status: Callable[[CollectionStatus], None] | None = None,
) -> list[AccountResult]:
    """Each account in its own thread (they wait on AWS, not on the CPU); results come back in task order."""
    base = base_sessions(config) if any(task.member is not None for task in tasks) else None

    def run(task: AccountTask) -> AccountResult:
        try:
            return collect_task(config, task, partition_date, base, on_status)
        except Exception as error:  # a bug in one account's collection must not lose the others
            return failed_result(task, error)

    if config.max_parallel_accounts == 1 or len(tasks) <= 1:
        return [run(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=config.max_parallel_accounts, thread_name_prefix="account") as pool:
        return list(pool.map(run, tasks))


def commit_collection(
    config: AssuranceConfig,
    storage: Storage,
    partition_date: date,
    taken_at: datetime,
    plan: CollectionPlan,
    results: list[AccountResult],
    carried: CarryOver,
    started: float | None = None,
) -> Manifest:
    """The day's one commit: every account's files and statuses, the discovery record, one manifest."""
    everything = [*results, *carried.load(storage, partition_date)]
    blobs: list[SourceBlob] = []
    statuses: list[CollectionStatus] = []
    accounts: list[str] = []
    records: list[dict] = []
    seen: set[str] = set()
    for result in sorted(everything, key=lambda r: r.key):
        if result.account_id in seen:  # a configured account that is also an organization member
            continue
        seen.add(result.account_id)
        blobs.extend(result.blobs)
        statuses.extend(result.statuses)
        records.append(result.record)
        if result.record["collection"] in ("complete", "incomplete"):
            accounts.append(result.account_id)
    if plan.discovery is not None:
        blobs.append(plan.discovery.blob())
        records.extend(excluded_record(member) for member in plan.discovery.excluded)
    if config.agent_registry:
        registry_blobs, registry_statuses = agent_registry_source(config.agent_registry, accounts)
        blobs.extend(registry_blobs)
        statuses.extend(registry_statuses)
    duration = time.monotonic() - started if started is not None else (datetime.now(UTC) - taken_at).total_seconds()
    if config.directory_feed is not None:
        feed_blobs, feed_statuses = _directory_feed_source(config, accounts)
        blobs.extend(feed_blobs)
        statuses.extend(feed_statuses)
    return write_snapshot(
        storage, partition_date, taken_at, blobs, statuses, accounts, duration_seconds=duration, account_status=records
    )


@dataclass(frozen=True)
class CarryOver:
    """Accounts taken unchanged from an earlier snapshot of the same day (a targeted rerun)."""

    snapshot_id: str | None = None
    records: dict[str, dict] = field(default_factory=dict)  # task key → that account's record there

    def load(self, storage: Storage, partition_date: date) -> list[AccountResult]:
        """The carried accounts' files, re-verified against their manifest, and their status rows."""
        if self.snapshot_id is None or not self.records:
            return []
        snapshot = read_snapshot(storage, partition_date, self.snapshot_id)
        return [_carried_result(snapshot, key, record) for key, record in sorted(self.records.items())]


def carry_over(storage: Storage, partition_date: date, plan: CollectionPlan, only_account: str | None) -> CarryOver:
    """Which accounts a rerun for `only_account` takes from the day's latest snapshot: all planned accounts that
    it holds except that one. Without a stored snapshot, or if it does not know the account, collect everything."""
    if only_account is None:
        return CarryOver()
    snapshot_ids = list_snapshots(storage, partition_date)
    if not snapshot_ids:
        return CarryOver()
    previous = read_manifest(storage, partition_date, snapshot_ids[-1])
    stored = {record.get("key"): record for record in previous.account_status if record.get("key")}
    if not any(record.get("account_id") == only_account for record in stored.values()):
        return CarryOver()
    planned = {task.key for task in plan.tasks}
    keep = {
        key: record for key, record in stored.items() if key in planned and record.get("account_id") != only_account
    }
    return CarryOver(previous.snapshot_id, keep)


_PER_RUN_SOURCES = (AGENT_REGISTRY, DISCOVERY_SOURCE)


def _carried_result(snapshot: Snapshot, key: str, record: dict) -> AccountResult:
    account_id = str(record["account_id"])
    files = [f for f in snapshot.manifest.files if f.account_id == account_id and f.source not in _PER_RUN_SOURCES]
    blobs = [
        SourceBlob(f.account_id, f.source, snapshot.contents[f.path], f.region, f.path.rsplit(".", 1)[-1])
        for f in files
    ]
    statuses = [
        s for s in snapshot.manifest.collection_status if s.account_id == account_id and s.source != AGENT_REGISTRY
    ]
    origin = record.get("carried_over_from") or snapshot.manifest.snapshot_id
    return AccountResult(key, account_id, blobs, statuses, {**record, "carried_over_from": origin})


def agent_registry_source(path: str, accounts: list[str]) -> tuple[list[SourceBlob], list[CollectionStatus]]:
    """The agent registry export, snapshotted like any other source; its status is recorded for every account
    so that an unreadable registry makes the agent rules INCOMPLETE everywhere, never silently empty."""
    home = accounts[0] if accounts else "unknown"
    try:
        blob = registry_blob(home, Path(path).read_bytes())
        state, code, message, found = "ok", None, None, [blob]
    except OSError as error:
        state, code, message, found = "error", "RegistryUnreadable", f"{path}: {error.strerror}", []
    except (RegistryError, ValueError) as error:  # ValueError: not UTF-8
        state, code, message, found = "error", "RegistryMalformed", str(error), []
    registry_api = sources.source(AGENT_REGISTRY).api
    statuses = [
        CollectionStatus(account_id, AGENT_REGISTRY, registry_api, None, state, code, message, len(found))
        for account_id in accounts or [home]
    ]
    return found, statuses


def _directory_feed_source(
    config: AssuranceConfig, accounts: list[str]
) -> tuple[list[SourceBlob], list[CollectionStatus]]:
    """The HR/IdP export, snapshotted byte for byte: owner departures are judged on the feed as it was when the
    estate was observed, and every NHI-OFF-004 finding cites this file's sha256. Its status is recorded for every
    account, so a feed that vanished between the pre-run check and collection makes OFF-004 INCOMPLETE."""
    feed = config.directory_feed
    assert feed is not None
    home = accounts[0] if accounts else "unknown"
    try:
        raw = Path(feed.path).read_bytes()
        inputs.parse_directory_feed_bytes(raw, feed, feed.path)
        blob = SourceBlob(home, DIRECTORY_FEED, raw, extension="csv")
        state, code, message, found = "ok", None, None, [blob]
    except OSError as error:
        state, code, message, found = "error", "DirectoryFeedUnreadable", f"{feed.path}: {error.strerror}", []
    except inputs.InputError as error:
        state, code, message, found = "error", "DirectoryFeedMalformed", str(error), []
    statuses = [
        CollectionStatus(account_id, DIRECTORY_FEED, "file:directory_feed", None, state, code, message, len(found))
        for account_id in accounts or [home]
    ]
    return found, statuses


def load_partition_snapshot(config: AssuranceConfig, partition_date: date, snapshot_id: str | None = None) -> Snapshot:
    """The named snapshot (the one this run took), else the day's latest committed one."""
    storage = storage_for(config.storage_root)
    if snapshot_id is not None:
        return read_snapshot(storage, partition_date, snapshot_id)
    snapshot = latest_snapshot(storage, partition_date)
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


def read_incomplete_resources(storage: Storage, partition_date: date) -> pd.DataFrame:
    """The day's resources with unknown verdicts; days evaluated before this table existed have none stored."""
    from assurance_jobs.evaluate.engine import empty_incomplete_resources

    if not storage.exists(table_key(partition_date, INCOMPLETE_RESOURCES)):
        return empty_incomplete_resources()
    frame = read_table(storage, partition_date, INCOMPLETE_RESOURCES).astype(object)
    return frame.where(frame.notna(), None)


INVENTORY_TABLES = ("identities", "credentials", "policies", "collection_status", "agents", "activity")
OPTIONAL_TABLES = ("agents", "activity")
ACTIVITY_PREFIX = "activity"
DRIFT_TABLES = (
    "identity_changes",
    "credential_changes",
    "permission_changes",
    "trust_changes",
    "owner_changes",
    "privilege_creep",
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
        owner_tag_keys=config.owner_tag_keys,
        human_marker=config.human_marker,
        directory=directory,
    )
    if directory is not None and directory.parse_warnings:  # shown in the run's output and the report
        inventory = replace(inventory, parse_warnings=[*directory.parse_warnings, *inventory.parse_warnings])
    inventory = inventory_with_policy_facts(inventory, config.known_accounts, snapshot.manifest.taken_at)
    previous_date = previous_inventory_date(config, partition_date)
    previous = load_inventory(config, previous_date) if previous_date else None
    baseline, registry, taken_at = load_configured_baseline(config), _registry(snapshot), snapshot.manifest.taken_at
    inventory, drift = inventory_with_baseline_facts(inventory, baseline, registry, taken_at, previous)
    runtime_warnings: list[str] = []  # a corrupt kms_keys or advisor file: shown like the inventory's own
    evidence = runtime_evidence(config, snapshot, runtime_warnings)
    inventory = inventory_with_runtime_facts(inventory, evidence, baseline, registry, taken_at)
    if runtime_warnings:
        inventory = replace(inventory, parse_warnings=[*inventory.parse_warnings, *runtime_warnings])
    return PartitionInventory(inventory, drift, previous_date, evidence)


# ------------------------------------------------------------------------------------------ runtime history


def _history_key(day: date, name: str) -> str:
    return f"{ACTIVITY_PREFIX}/{day.isoformat()}/{name}"


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
        if not storage.exists(_history_key(earlier, "coverage.json")):
            continue
        coverage = json.loads(storage.read_bytes(_history_key(earlier, "coverage.json")))
        for account in coverage.get("fully_covered", []):
            covered[account] = covered.get(account, 0) + 1
        activity = pd.read_parquet(io.BytesIO(storage.read_bytes(_history_key(earlier, "activity.parquet"))))
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
    buffer = io.BytesIO()
    activity.to_parquet(buffer, index=False)
    storage.write_bytes(_history_key(partition_date, "activity.parquet"), buffer.getvalue())
    coverage = {"accounts": sorted(accounts), "fully_covered": sorted(fully_covered)}
    storage.write_bytes(_history_key(partition_date, "coverage.json"), json.dumps(coverage, sort_keys=True).encode())


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
        parsed = inputs.parse_directory_feed_bytes(snapshot.contents[entry.path], feed, entry.path)
        return replace(parsed, parse_warnings=[f"{entry.path}: {warning}" for warning in parsed.parse_warnings])
    if any(status.source == DIRECTORY_FEED for status in snapshot.manifest.collection_status):
        return None
    return read_directory_feed(config)


def load_configured_baseline(config: AssuranceConfig) -> Baseline | None:
    """None when no baseline is configured: then nothing is judged against one (the rules read INCOMPLETE)."""
    return inputs.read_baseline_dir(config.baseline_dir) if config.baseline_dir else None


def _registry(snapshot: Snapshot) -> RegistrySource | None:
    entry = next((f for f in snapshot.manifest.files if f.source == AGENT_REGISTRY), None)
    if entry is None:
        return None
    agents = parse_registry(snapshot.contents[entry.path], entry.path)
    return RegistrySource(agents, entry.path, entry.sha256)


def previous_inventory_date(config: AssuranceConfig, partition_date: date) -> date | None:
    """The latest earlier day whose inventory is stored: drift compares with it (gaps in history are allowed)."""
    storage = storage_for(config.storage_root)
    days = [date.fromisoformat(name) for name in storage.children(INVENTORY_PREFIX) if _is_iso_date(name)]
    earlier = [day for day in days if day < partition_date and storage.exists(table_key(day, "identities"))]
    return max(earlier) if earlier else None


def _is_iso_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return True


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
    storage.write_bytes(_source_key(partition_date), json.dumps(source, sort_keys=True).encode())
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
        prefix = f"snapshots/{manifest.partition_date.isoformat()}/{manifest.snapshot_id}"
        cited[DIRECTORY_FEED] = [{"path": storage.location(f"{prefix}/{f.path}"), "sha256": f.sha256} for f in feed]
    if config.baseline_dir:
        copies = []
        for path in baseline_files(config.baseline_dir):
            content = path.read_bytes()
            key = f"{INVENTORY_PREFIX}/{partition_date.isoformat()}/{BASELINE_COPY_PREFIX}/{path.name}"
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


def _source_key(partition_date: date) -> str:
    return f"{INVENTORY_PREFIX}/{partition_date.isoformat()}/source_snapshot.json"


def inventory_source(config: AssuranceConfig, partition_date: date) -> dict[str, str | None]:
    """The snapshot the stored inventory was built from, and the earlier day its drift was measured against."""
    return json.loads(storage_for(config.storage_root).read_bytes(_source_key(partition_date)))


def load_inventory(config: AssuranceConfig, partition_date: date) -> Inventory:
    storage = storage_for(config.storage_root)
    tables = {
        table: read_table(storage, partition_date, table)
        for table in INVENTORY_TABLES
        if table not in OPTIONAL_TABLES or storage.exists(table_key(partition_date, table))
    }
    return Inventory(**tables)


def store_drift(config: AssuranceConfig, partition_date: date, drift: DriftReport | None) -> dict[str, int]:
    """Drift tables as `drift_<table>`; on the first stored day there is nothing to compare, so nothing is written."""
    if drift is None:
        return {}
    storage = storage_for(config.storage_root)
    for table in DRIFT_TABLES:
        store_table(storage, partition_date, f"drift_{table}", getattr(drift, table))
    return {table: len(getattr(drift, table)) for table in DRIFT_TABLES}


@dataclass(frozen=True)
class EvaluationOutcome:
    evaluation: Evaluation
    snapshot_id: str
    findings_location: str


def evaluate_partition(config: AssuranceConfig, partition_date: date) -> EvaluationOutcome:
    """Judge the stored inventory with the rule suites and store findings and results. No AWS calls.

    The exports (findings.json/csv, OCSF, OSCAL) are written when the report is published, after waivers."""
    inventory = load_inventory(config, partition_date)
    source = inventory_source(config, partition_date)
    snapshot_id = str(source["snapshot_id"])
    suites = load_suites(config.expectations_dir, config.disabled_rule_ids)
    evaluation = evaluate(
        inventory.identities,
        inventory.credentials,
        inventory.collection_status,
        suites,
        snapshot_id=snapshot_id,
        partition_date=partition_date,
        directory_feed_present=config.directory_feed is not None,
        agents=inventory.agents,
        baseline_present=_baseline_present(config, source),
        previous_partition_present=source.get("previous_partition") is not None,
        activity_history_present=bool(source.get("activity_history_complete")),
        input_files=input_citations(source),
    )
    storage = storage_for(config.storage_root)
    probes, probe_evaluation = evaluate_stored_probes(config, storage, partition_date, suites)
    store_table(storage, partition_date, "probes", probes)
    evaluation = merge_evaluations(evaluation, probe_evaluation)
    location = store_table(storage, partition_date, "findings", evaluation.findings)
    store_table(storage, partition_date, "rule_results", evaluation.rule_results)
    store_table(storage, partition_date, INCOMPLETE_RESOURCES, evaluation.incomplete_resources)
    return EvaluationOutcome(evaluation, snapshot_id, location)


def _baseline_present(config: AssuranceConfig, source: dict) -> bool:
    """Judged by what the inventory was built with; inventories stored before inputs were cited: the config."""
    if "inputs" in source:
        return "baseline" in source["inputs"]
    return config.baseline_dir is not None


def partition_output_dir(config: AssuranceConfig, partition_date: date) -> Path:
    return Path(config.output_dir) / partition_date.isoformat()
