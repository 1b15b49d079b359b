"""Collection and commit of a day's snapshot: plan the accounts, collect them (threads, up to
`max_parallel_accounts` at once), commit the day's one immutable snapshot — and, for a targeted rerun, carry the
other accounts over.

There is one collection path: `collect_snapshot` is `plan_day`, `collect_tasks` and `commit_day` in one call, the
same three steps the Dagster graph runs as separate ops (there, `collect_tasks` runs once per shard of accounts).

Concurrency, and what it must not change: each account runs in its own thread with its own boto3 session and
clients (members are entered through one STS client on the management credentials, which the threads share); the
accounts of one collection share botocore's adaptive rate limiters per AWS quota (`collect.aws.Throttling`); an
account's outcome — complete, incomplete, unreachable, failed — depends only on its own calls, so a throttled
account reads INCOMPLETE alone however many others run beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from assurance_jobs.collect.aws import Throttling
from assurance_jobs.collect.organization import DISCOVERY_SOURCE
from assurance_jobs.collect.plan import (
    AccountResult,
    AccountTask,
    CollectionPlan,
    collect_task,
    excluded_record,
    failed_result,
    management_sts,
    plan_collection,
)
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, Snapshot, SourceBlob
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.snapshot.store import latest_snapshot, list_snapshots, read_manifest, read_snapshot, write_snapshot
from assurance_jobs.source import AwsSource
from assurance_jobs.sources import registry
from assurance_jobs.steps.clusters import collect_cluster_evidence
from assurance_jobs.steps.layout import snapshot_prefix
from assurance_jobs.steps.signing import configured_signer

Kept = TypeVar("Kept")

ACCOUNT_ATTEMPTS = 3
RETRY_DELAYS = (5.0, 10.0)
"""An account whose collection crashes (a bug, not AWS trouble: that is a status row) is tried twice more, after
5 then 10 seconds, in its own thread; then it is recorded as `failed` and the others carry on."""


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
    plan = plan_collection(config, [source for source in registry.aws_sources() if source.scope == "organization"])
    return DayPlan(partition_date, taken_at, plan, carry_over(storage, partition_date, plan, only_account))


def commit_day(config: AssuranceConfig, day: DayPlan, results: list[AccountResult]) -> SnapshotOutcome:
    """The one commit of a collected day (the plan must not be a reuse)."""
    if day.plan is None:
        raise ValueError("a reused day has nothing to commit")
    storage = storage_for(config.storage_root)
    manifest = commit_collection(config, storage, day, results)
    location = storage.location(snapshot_prefix(day.partition_date, manifest.snapshot_id))
    return SnapshotOutcome(manifest, location, reused=False)


@dataclass(frozen=True)
class AccountProgress:
    """News of one account, sent from its thread as it happens: started (neither field set), a source collected
    (`status`), crashed and about to be tried again (`retrying`), or done (`record`, with its `collection`)."""

    key: str
    account: str  # the account id when known, else the configured account's name
    status: CollectionStatus | None = None
    retrying: str | None = None
    record: dict[str, Any] | None = None


Progress = Callable[[AccountProgress], None]
"""Hears every account's news; called from the collecting threads, so it must be thread-safe."""


@dataclass(frozen=True)
class Shard:
    """Accounts one Dagster step collects, in threads: the cost of a step's process is paid once per shard, not
    once per account. The key names the shard's first account, so it means the same accounts while the set of
    accounts does not change."""

    key: str
    tasks: tuple[AccountTask, ...]


def shards(tasks: Sequence[AccountTask], accounts_per_step: int | None) -> list[Shard]:
    """`tasks` in order, cut into as few shards of at most `accounts_per_step` as possible, of even sizes (201
    accounts by 50 are 41+40+40+40+40, not 50+50+50+50+1: a step's last accounts are its slowest round). None: one
    shard of every account."""
    if not tasks:
        return []
    if accounts_per_step is None:
        return [Shard("all_accounts", tuple(tasks))]
    count = -(-len(tasks) // accounts_per_step)
    size, extra = divmod(len(tasks), count)
    parts, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        parts.append(tuple(tasks[start:end]))
        start = end
    return [Shard(f"{part[0].key}_n{len(part)}", part) for part in parts]


def collect_snapshot(
    config: AssuranceConfig,
    partition_date: date,
    on_progress: Progress | None = None,
    *,
    only_account: str | None = None,
) -> Manifest:
    """Collect every configured and discovered account (up to `max_parallel_accounts` at once) into one snapshot:
    `plan_day`, `collect_tasks` and `commit_day` in one call (the Dagster graph runs them as separate ops).

    With `only_account` (a change in one account), only that account is collected again; the others are carried
    over from the day's latest stored snapshot, and the manifest says from which one.
    """
    day = plan_day(config, partition_date, only_account=only_account)
    if day.reused is not None:
        return day.reused.manifest
    return commit_day(config, day, collect_tasks(config, list(day.pending), partition_date, on_progress)).manifest


def collect_tasks(
    config: AssuranceConfig,
    tasks: Sequence[AccountTask],
    partition_date: date,
    on_progress: Progress | None = None,
    keep: Callable[[AccountResult], Kept] | None = None,
) -> list[Kept]:
    """Each account in its own thread (they wait on AWS, not on the CPU), up to `max_parallel_accounts` at once.

    `keep` turns a finished account's result into what is returned for it, in its thread, as soon as it is done
    (a Dagster step stages the files there and keeps only their key, so memory holds only the accounts in
    flight); by default the result itself. Returned in task order."""
    throttling = Throttling()
    management = management_sts(config, throttling) if any(task.member is not None for task in tasks) else None
    sources = registry.aws_sources()
    finish: Callable[[AccountResult], Any] = keep or (lambda result: result)

    def run(task: AccountTask) -> Kept:
        result = collect_with_retries(config, task, partition_date, sources, management, throttling, on_progress)
        return finish(result)

    workers = min(config.max_parallel_accounts, len(tasks))
    if workers <= 1:
        return [run(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="account") as pool:
        return list(pool.map(run, tasks))


def collect_with_retries(
    config: AssuranceConfig,
    task: AccountTask,
    partition_date: date,
    sources: Sequence[AwsSource],
    management: Any | None,
    throttling: Throttling,
    on_progress: Progress | None = None,
) -> AccountResult:
    """One account, told as it goes: a crash is retried (`RETRY_DELAYS`), then recorded as `failed`."""
    name = task.member.account_id if task.member else task.account.name
    tell: Progress = on_progress or (lambda news: None)
    tell(AccountProgress(task.key, name))

    def heard(status: CollectionStatus) -> None:
        tell(AccountProgress(task.key, status.account_id, status=status))

    for attempt in range(ACCOUNT_ATTEMPTS):
        try:
            result = collect_task(config, task, partition_date, sources, management, heard, throttling)
            break
        except Exception as error:  # a bug in one account's collection must not lose the others
            if attempt + 1 == ACCOUNT_ATTEMPTS:
                result = failed_result(task, error)
                break
            tell(AccountProgress(task.key, name, retrying=f"{type(error).__name__}: {error}"[:300]))
            time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
    tell(AccountProgress(task.key, result.account_id, record=result.record))
    return result


def commit_collection(
    config: AssuranceConfig, storage: Storage, day: DayPlan, results: list[AccountResult]
) -> Manifest:
    """The day's one commit: every account's files and statuses, the discovery record, the configured files,
    one manifest."""
    assert day.plan is not None
    everything = [*results, *day.carried.load(storage, day.partition_date)]
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
    if day.plan.discovery is not None:
        blobs.append(day.plan.discovery.blob())
        records.extend(excluded_record(member) for member in day.plan.discovery.excluded)
        members = {member.account_id for member in day.plan.discovery.members}
        if day.plan.organization is not None:  # SCPs and RCPs: their status where they bound verdicts
            blobs.extend(day.plan.organization.blobs)
            statuses.extend(day.plan.organization.statuses_for(a for a in accounts if a in members))
    duration = (datetime.now(UTC) - day.taken_at).total_seconds()
    for source in registry.file_sources():
        if source.configured(config):
            file_blobs, file_statuses = source.collect(config, accounts)
            blobs.extend(file_blobs)
            statuses.extend(file_statuses)
    cluster_blobs, cluster_statuses = collect_cluster_evidence(config)  # once per run, scope k8s:<cluster>
    blobs.extend(cluster_blobs)
    statuses.extend(cluster_statuses)
    return write_snapshot(
        storage,
        day.partition_date,
        day.taken_at,
        blobs,
        statuses,
        accounts,
        duration_seconds=duration,
        account_status=records,
        signer=configured_signer(config),
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


_PER_RUN_SOURCES = (
    *(source.name for source in registry.file_sources()),
    DISCOVERY_SOURCE,
    *(source.name for source in registry.aws_sources() if source.scope == "organization"),
)
"""Collected once per run, not per account: a carried-over account never brings its old copy along."""


def _carried_result(snapshot: Snapshot, key: str, record: dict) -> AccountResult:
    account_id = str(record["account_id"])
    files = [f for f in snapshot.manifest.files if f.account_id == account_id and f.source not in _PER_RUN_SOURCES]
    blobs = [
        SourceBlob(f.account_id, f.source, snapshot.contents[f.path], f.region, f.path.rsplit(".", 1)[-1])
        for f in files
    ]
    statuses = [
        s
        for s in snapshot.manifest.collection_status
        if s.account_id == account_id and s.source not in _PER_RUN_SOURCES
    ]
    origin = record.get("carried_over_from") or snapshot.manifest.snapshot_id
    return AccountResult(key, account_id, blobs, statuses, {**record, "carried_over_from": origin})


def load_partition_snapshot(config: AssuranceConfig, partition_date: date, snapshot_id: str | None = None) -> Snapshot:
    """The named snapshot (the one this run took), else the day's latest committed one."""
    storage = storage_for(config.storage_root)
    if snapshot_id is not None:
        return read_snapshot(storage, partition_date, snapshot_id)
    snapshot = latest_snapshot(storage, partition_date)
    if snapshot is None:
        raise MissingSnapshotError(f"no snapshot is stored for {partition_date.isoformat()}")
    return snapshot
