"""The inventory step: the day's snapshot becomes tables with every fact the rules test — scan facts, baseline and
agent facts, drift against the previous stored day, runtime facts over the activity history — stored per day.

Reads only stored evidence and the configured baseline (a reviewed change must take effect on re-evaluation);
never calls AWS.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pandas as pd
import pyarrow as pa

from assurance_jobs.baseline.agents import inventory_with_agent_facts, with_agent_runtime_facts
from assurance_jobs.baseline.drift import DriftReport
from assurance_jobs.baseline.inventory_join import inventory_with_baseline_facts, inventory_with_runtime_facts
from assurance_jobs.baseline.kubernetes import inventory_with_kubernetes_baseline
from assurance_jobs.baseline.model import Baseline, baseline_files
from assurance_jobs.baseline.registry import RegistrySource
from assurance_jobs.collect.activity import from_parquet
from assurance_jobs.collect.plan import organization_members
from assurance_jobs.config import AssuranceConfig, DirectoryFeedConfig, HumanMarker
from assurance_jobs.parquet import read_parquet, read_parquet_table, to_parquet
from assurance_jobs.scan.agents import AgentTables, agent_platform_of, agent_tables, with_platform_rows
from assurance_jobs.scan.inventory import Inventory, build_inventory
from assurance_jobs.scan.kubernetes.inventory import cluster_settings, kubernetes_inventory, with_reach
from assurance_jobs.scan.ownership import DirectoryFeed, parse_directory_feed_bytes
from assurance_jobs.scan.policy_join import inventory_with_policy_facts
from assurance_jobs.scan.privesc_snapshot import CollectedInputs, collected_privesc_inputs
from assurance_jobs.scan.runtime import (
    RuntimeEvidence,
    services_called,
    snapshot_activity,
    snapshot_service_last_accessed,
)
from assurance_jobs.scan.runtime_calls import identity_index, resolve_identity, resolve_principals
from assurance_jobs.scan.runtime_learned import (
    PROFILE_COLUMNS,
    LearnedHistory,
    daily_profile,
    learned_union,
    used_calls,
)
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import AGENT_REGISTRY, DIRECTORY_FEED, Manifest, Snapshot
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.sources import agent_registry, learned_baseline, registry
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
    collected = collected_inputs(config, snapshot, inventory)
    inventory = replace(inventory, parse_warnings=[*inventory.parse_warnings, *collected.warnings])
    inventory = inventory_with_kubernetes(inventory, snapshot, config)
    discovered = discovered_agents(config, snapshot, inventory, directory)
    inventory = with_platform_rows(inventory, discovered.tables, discovered.warnings)
    inventory = inventory_with_policy_facts(
        inventory,
        known_accounts(config, snapshot.manifest),
        snapshot.manifest.taken_at,
        resources=collected.resources,
        organization=collected.organization,
    )
    inventory = replace(
        inventory, kubernetes_subjects=with_reach(inventory.kubernetes_subjects, inventory.linked_reach)
    )
    previous_date = previous_inventory_date(config, partition_date)
    previous = load_inventory(config, previous_date) if previous_date else None
    baseline, agents, taken_at = load_configured_baseline(config), _registry(snapshot), snapshot.manifest.taken_at
    inventory, drift = inventory_with_baseline_facts(inventory, baseline, agents, taken_at, previous)
    inventory = inventory_with_kubernetes_baseline(inventory, baseline, previous)
    inventory, merge_warnings = inventory_with_agent_facts(
        inventory, discovered.tables.agents, inventory.agent_tools, baseline, agents, directory, taken_at
    )
    runtime_warnings: list[str] = [*merge_warnings]  # a corrupt kms_keys or advisor file: shown like the inventory's
    evidence = runtime_evidence(config, snapshot, runtime_warnings, inventory.identities)
    learned = learned_history(config, partition_date, evidence, inventory.identities, taken_at)
    inventory = with_agent_runtime_facts(
        inventory_with_runtime_facts(inventory, evidence, baseline, agents, taken_at, learned, previous)
    )
    inventory = replace(inventory, collection_status=with_learning_statuses(inventory.collection_status, learned))
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


def collected_inputs(config: AssuranceConfig, snapshot: Snapshot, inventory: Inventory) -> CollectedInputs:
    """The escalation analysis' collected inputs (existing resources, the organization's SCPs and RCPs), from the
    registry's "privesc" parsers over the snapshot."""
    ctx = Context(snapshot.manifest.taken_at, list(config.owner_tag_keys), config.human_marker, None)
    return collected_privesc_inputs(snapshot, registry.parsers("privesc"), inventory.iam_estate, ctx)


def inventory_with_kubernetes(inventory: Inventory, snapshot: Snapshot, config: AssuranceConfig) -> Inventory:
    """The clusters' subjects and token secrets, and their edges added to `principal_links` before the graph."""
    ctx = Context(snapshot.manifest.taken_at, list(config.owner_tag_keys), config.human_marker, None)
    kube = kubernetes_inventory(
        snapshot, registry.parsers("kubernetes"), cluster_settings(config.clusters), inventory.identities, ctx
    )
    links = pd.concat([inventory.principal_links, kube.links], ignore_index=True) if len(kube.links) else None
    return replace(
        inventory,
        kubernetes_subjects=kube.subjects,
        kubernetes_tokens=kube.tokens,
        principal_links=inventory.principal_links if links is None else links,
        parse_warnings=[*inventory.parse_warnings, *ctx.warnings],
    )


@dataclass(frozen=True)
class DiscoveredAgents:
    tables: AgentTables
    warnings: list[str]


def discovered_agents(
    config: AssuranceConfig, snapshot: Snapshot, inventory: Inventory, directory: DirectoryFeed | None
) -> DiscoveredAgents:
    """The agents, gateways, tools and credential providers the agent-platform sources hold (docs/agents.md)."""
    ctx = Context(snapshot.manifest.taken_at, list(config.owner_tag_keys), config.human_marker, directory)
    platform = agent_platform_of(snapshot, registry.parsers("agent_platform"), ctx)
    tables = agent_tables(platform, inventory.policies, inventory.collection_status, ctx)
    return DiscoveredAgents(tables, ctx.warnings)


# ------------------------------------------------------------------------------------------ runtime history


def runtime_evidence(
    config: AssuranceConfig,
    snapshot: Snapshot,
    warnings: list[str] | None = None,
    identities: pd.DataFrame | None = None,
) -> RuntimeEvidence | None:
    """The snapshot's activity plus the look-back history stored under `activity/<day>/` (None: no trail read).
    Parser warnings (an unreadable kms_keys or Access Advisor file, an unreadable timestamp) go to `warnings`.
    With `identities`, every call is attributed to the identity it belongs to (a session, a path-less role ARN or a
    failed sign-in's user name resolve to the inventory's ARN).

    History is kept per partition (written by `store_activity_history`), so NHI-RT-005 can ask which services
    an identity called over the last `activity_lookback_days` days without re-reading any log object."""
    today = snapshot_activity(snapshot, warnings)
    if not today.accounts:
        return None
    activity = resolve_principals(today.activity, identities) if identities is not None else today.activity
    index = identity_index(identities) if identities is not None else {}
    storage = storage_for(config.storage_root)
    called = {arn: set(services) for arn, services in services_called(activity).items()}
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
        stored = read_parquet(storage.read_bytes(activity_key(earlier, "activity.parquet")), SERVICE_COLUMNS)
        for arn, services in services_called(stored).items():
            called.setdefault(resolve_identity(arn, index), set()).update(services)
    return RuntimeEvidence(
        activity=activity,
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
        own_accounts=frozenset(snapshot.manifest.accounts),
    )


SERVICE_COLUMNS = ["principal_arn", "event_source"]
"""What NHI-RT-005 reads of a stored day: who called which service."""


def learned_history(
    config: AssuranceConfig,
    partition_date: date,
    evidence: RuntimeEvidence | None,
    identities: pd.DataFrame,
    as_of: datetime,
) -> LearnedHistory | None:
    """The learned baseline of the day: the profiles of the `learned_baseline_days` stored days before it.

    A day stored before profiles existed has its profile derived from its activity table (attributed with today's
    identities). Missing days are simply absent: `days_stored` counts what is there, and the learned rules judge an
    account only once `learned_baseline_min_days` of them are stored."""
    if evidence is None:
        return None
    storage = storage_for(config.storage_root)
    index = identity_index(identities)
    profiles, days_stored = [], dict.fromkeys(evidence.accounts, 0)
    for offset in range(1, config.learned_baseline_days + 1):
        earlier = partition_date - timedelta(days=offset)
        if not storage.exists(activity_key(earlier, "coverage.json")):
            continue
        coverage = json.loads(storage.read_bytes(activity_key(earlier, "coverage.json")))
        for account in coverage.get("accounts", []):
            days_stored[account] = days_stored.get(account, 0) + 1
        profiles.append(stored_profile(storage, earlier, identities))
    union = _attributed(learned_union(profiles), index)
    today = daily_profile(evidence.activity)
    return LearnedHistory(
        profile=union,
        days_stored=days_stored,
        window_days=config.learned_baseline_days,
        min_days=config.learned_baseline_min_days,
        as_of=as_of,
        used_calls=used_calls(union, today),
    )


def stored_profile(storage: Storage, day: date, identities: pd.DataFrame) -> pa.Table:
    """A stored day's profile (Arrow, never Python strings), or one derived from its activity table."""
    key = activity_key(day, PROFILE_FILE)
    if storage.exists(key):
        return read_parquet_table(storage.read_bytes(key), list(PROFILE_COLUMNS), dictionary=True)
    activity = from_parquet(storage.read_bytes(activity_key(day, "activity.parquet")))
    return pa.Table.from_pandas(daily_profile(resolve_principals(activity, identities)), preserve_index=False)


def _attributed(profile: pd.DataFrame, index: dict) -> pd.DataFrame:
    """The union with every principal named as the inventory names it today (a profile stored before a role was
    recreated under a path, or an older day's path-less ARN), once per distinct principal."""
    if profile.empty:
        return profile
    names = {arn: resolve_identity(arn, index) for arn in profile["principal_arn"].unique()}
    if all(arn == name for arn, name in names.items()):
        return profile
    return profile.assign(principal_arn=profile["principal_arn"].map(names)).drop_duplicates(ignore_index=True)


PROFILE_FILE = "profile.parquet"


def with_learning_statuses(statuses: pd.DataFrame, learned: LearnedHistory | None) -> pd.DataFrame:
    """The collection statuses plus one `learned_baseline` row per account with activity evidence: `ok` once
    `learned_baseline_min_days` days are stored, else `partial` naming the days stored (the learned rules then read
    INCOMPLETE for that account, with that message as the reason)."""
    if learned is None or not learned.days_stored:
        return statuses
    rows = [
        {
            "account_id": account,
            "source": learned_baseline.SOURCE.name,
            "api": learned_baseline.SOURCE.api,
            "region": None,
            "status": "ok" if learned.ready(account) else "partial",
            "error_code": None if learned.ready(account) else "LearningWindow",
            "message": f"{learned.days_stored[account]} of {learned.window_days} days stored"
            + ("" if learned.ready(account) else f", {learned.min_days} needed before the learned rules judge"),
            "pages": learned.days_stored[account],
        }
        for account in sorted(learned.days_stored)
    ]
    added = pd.DataFrame(rows, columns=list(statuses.columns)).astype(statuses.dtypes.to_dict())
    return pd.concat([statuses, added], ignore_index=True)


def store_activity_history(
    config: AssuranceConfig, partition_date: date, activity: pd.DataFrame, accounts: list[str], fully_covered: list[str]
) -> None:
    """One day of activity history: the reduced table (calls attributed to identities), its compact profile (what
    the learned baseline remembers) and which accounts it covers."""
    storage = storage_for(config.storage_root)
    storage.write_bytes(activity_key(partition_date, "activity.parquet"), to_parquet(activity))
    storage.write_bytes(activity_key(partition_date, PROFILE_FILE), to_parquet(daily_profile(activity)))
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
        "activity_history_written": history_written(storage, partition_date) if runtime is not None else [],
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
    """The configured inputs this inventory was judged with, each as (storage key, sha256), for the findings: keys
    are relative to the storage root, so a finding cites the same path wherever the store is mounted.

    The directory feed is already in the snapshot. The baseline files are copied into the inventory partition:
    they are policy-as-data, re-read on every re-evaluation (a reviewed change must take effect), so the copy
    records exactly which approved model a day's findings were judged against.
    """
    cited: dict[str, list[dict[str, str]]] = {}
    feed = [entry for entry in manifest.files if entry.source == DIRECTORY_FEED]
    if feed:
        cited[DIRECTORY_FEED] = [
            {
                "path": snapshot_file_key(manifest.partition_date, manifest.snapshot_id, f.path),
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
            copies.append({"path": key, "sha256": hashlib.sha256(content).hexdigest()})
        cited["baseline"] = copies
    history = history_citations(config, storage, partition_date)
    if history:
        cited[ACTIVITY_HISTORY_INPUT] = history
    return cited


ACTIVITY_HISTORY_INPUT = "activity_history"
"""The stored activity history of earlier days the runtime rules read (NHI-RT-005's look-back, the learned
baseline): cited by the day's source note, so `verify` proves it, but not by each finding."""
HISTORY_FILES = ("coverage.json", "activity.parquet", PROFILE_FILE)


def history_citations(config: AssuranceConfig, storage: Storage, partition_date: date) -> list[dict[str, str]]:
    """The stored history files of earlier days that the runtime rules read, hashed: NHI-RT-005's look-back reads
    each day's coverage and activity table, the learned baseline each day's coverage and profile (the activity
    table where a day has no profile). An edit to them — a network or action slipped into what counts as usual —
    breaks `verify`."""
    wanted: set[tuple[int, str]] = set()
    for offset in range(1, config.activity_lookback_days):
        wanted |= {(offset, "coverage.json"), (offset, "activity.parquet")}
    for offset in range(1, config.learned_baseline_days + 1):
        profile = activity_key(partition_date - timedelta(days=offset), PROFILE_FILE)
        wanted |= {(offset, "coverage.json"), (offset, PROFILE_FILE if storage.exists(profile) else "activity.parquet")}
    return [
        citation
        for offset, name in sorted(wanted)
        if (citation := _cited(storage, activity_key(partition_date - timedelta(days=offset), name)))
    ]


def history_written(storage: Storage, partition_date: date) -> list[dict[str, str]]:
    """The day's own history files as this inventory wrote them: a later day's citation of them that no longer
    matches is then known to be a re-run of this day (rewritten on purpose), not an edit (`verify` tells them apart)."""
    return [c for name in HISTORY_FILES if (c := _cited(storage, activity_key(partition_date, name)))]


def _cited(storage: Storage, key: str) -> dict[str, str] | None:
    if not storage.exists(key):
        return None
    return {"path": key, "sha256": hashlib.sha256(storage.read_bytes(key)).hexdigest()}


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
