"""The daily snapshot asset: one step plans the day, one step per shard of accounts collects, one step commits.

`nhi_snapshot` is a graph-backed asset over the daily partitions (docs/organizations.md says why this and not an
account partition dimension): `plan_accounts` discovers the accounts and fans out one dynamic output per shard
(`accounts_per_step` accounts; one shard of every account when the command line runs the job in its own process),
`collect_accounts` collects a shard's accounts in threads (up to `max_parallel_accounts` at once) inside the
`aws_account_collection` pool and stages each account's files as soon as it is done, and `commit_snapshot`
publishes the day's one immutable snapshot from every staged result. A step's process costs the same whatever it
collects, so it is paid per shard, not per account.

The collecting threads never call Dagster: they post their news on a queue, and the step's own thread turns it into
a few log lines (at most one of each kind per `PROGRESS_INTERVAL`) — the run's event log is a database, and one
line per source per account would cost more than the collection.
"""

import queue
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import dagster as dg

from assurance_jobs.collect.aws import planned_source_count
from assurance_jobs.collect.plan import AccountResult
from assurance_jobs.collect.staging import load_staged, stage_result
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.snapshot.model import CollectionStatus
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.sources import registry
from assurance_jobs.steps.collect import AccountProgress, DayPlan, Shard, collect_tasks, commit_day, plan_day, shards
from assurance_jobs.steps.layout import staging_prefix

SOURCE_PROGRESS = re.compile(r"^collected (\d+)/(\d+): (.+)$")
"""The per-source log line's shape; the terminal's progress display reads it back (assurance_jobs.app.progress)."""
ACCOUNT_PROGRESS = re.compile(r"^accounts (\d+)/(\d+) collected, (\d+) in flight(?:: (.+))?$")
"""The per-account log line: done/total in the step, how many are being collected, and the accounts finished since
the last line as `<account> <collection state>` joined by '; ' (the progress display reads it back too)."""
PROGRESS_INTERVAL = 0.5

ACCOUNT_POOL = "aws_account_collection"
ACCOUNT_TAG = "assurance/account"  # set by iam_change_sensor: collect only this account, carry the others over
STEP_RETRIES = 2


def source_progress_message(status: CollectionStatus, done: int, planned: int) -> str:
    """Sources collected in the step so far, and the latest, as an info line in the run's log (and in the UI)."""
    pages = f"{status.pages} page{'s' * (status.pages != 1)}"
    where = f"{status.region or 'global'}, account {status.account_id}"
    return f"collected {done}/{planned}: {status.source} ({where}) {status.status}, {pages}"


def account_progress_message(done: int, total: int, in_flight: int, finished: list[tuple[str, str]]) -> str:
    line = f"accounts {done}/{total} collected, {in_flight} in flight"
    return line + (": " + "; ".join(f"{account} {state}" for account, state in finished) if finished else "")


class StepProgress:
    """The news of one step's accounts, coalesced into log lines the step's thread writes."""

    def __init__(self, total: int, planned_sources: int) -> None:
        self.total, self.planned = total, planned_sources
        self.sources: list[CollectionStatus] = []
        self.running: set[str] = set()
        self.done = 0
        self.finished: list[tuple[str, str]] = []  # since the last account line
        self.warnings: list[str] = []
        self.sources_told = 0
        self.last_told = 0.0

    def hear(self, news: AccountProgress) -> None:
        if news.record is not None:
            self.running.discard(news.key)
            self.done += 1
            state = str(news.record.get("collection"))
            self.finished.append((news.account, state))
            if state != "complete":
                self.warnings.append(f"{news.key} ({news.account}): {state}")
        elif news.retrying is not None:
            self.warnings.append(f"{news.key} ({news.account}): collection crashed, trying again: {news.retrying}")
        elif news.status is not None:
            self.sources.append(news.status)
        else:
            self.running.add(news.key)

    def lines(self, final: bool = False) -> list[tuple[str, str]]:
        """(level, message) pairs due now: warnings at once, progress at most every PROGRESS_INTERVAL."""
        due, self.warnings = [("warning", text) for text in self.warnings], []
        now = time.monotonic()
        if not final and now - self.last_told < PROGRESS_INTERVAL:
            return due
        if len(self.sources) > self.sources_told:
            self.sources_told = len(self.sources)  # CloudTrail adds statuses not planned ahead
            done = len(self.sources)
            due.append(("info", source_progress_message(self.sources[-1], done, max(self.planned, done))))
        if self.finished or final:
            due.append(("info", account_progress_message(self.done, self.total, len(self.running), self.finished)))
            self.finished = []
        self.last_told = now
        return due


@dg.op(
    out={"day": dg.Out(description="The day's plan (no credentials)."), "shards": dg.DynamicOut()},
    description="Discover the accounts to collect today (configured and organization members) and cut them into "
    "shards, or reuse the stored snapshot of a past day.",
)
def plan_accounts(context: dg.OpExecutionContext, settings: AssuranceSettings):
    only_account = context.run.tags.get(ACCOUNT_TAG)
    config = settings.load()
    day = plan_day(config, date.fromisoformat(context.partition_key), only_account=only_account)
    carried = len(day.carried.records)
    parts = shards(day.pending, None if settings.collect_in_one_step else config.accounts_per_step)
    if day.reused is None:
        context.log.info(f"{len(day.pending)} account(s) to collect in {len(parts)} step(s), {carried} carried over")
    yield dg.Output(day, "day", metadata={"accounts_to_collect": len(day.pending), "carried_over": carried})
    for shard in parts:
        yield dg.DynamicOutput(shard, mapping_key=shard.key, output_name="shards")


@dg.op(
    pool=ACCOUNT_POOL,
    retry_policy=dg.RetryPolicy(max_retries=STEP_RETRIES, delay=5, backoff=dg.Backoff.EXPONENTIAL),
    description="Enter each account of a shard through its read-only role and collect it (threads, up to "
    "max_parallel_accounts at once); stage each account's files for the day's commit as soon as it is done.",
)
def collect_accounts(context: dg.OpExecutionContext, settings: AssuranceSettings, shard: Shard) -> list[str]:
    config = settings.load()
    keys = collect_reporting(context, config, shard, date.fromisoformat(context.partition_key))
    context.add_output_metadata({"accounts": len(keys), "shard": shard.key})
    return keys


def collect_reporting(context: dg.OpExecutionContext, config: AssuranceConfig, shard: Shard, day: date) -> list[str]:
    """Collect the shard in worker threads while this (the step's) thread writes their news to the run's log.

    A crashing account is retried in its thread and then recorded as `failed` (steps.collect), so the day is
    still committed; the step itself fails (and Dagster retries it) only if its storage cannot be written."""
    storage = storage_for(config.storage_root)
    news: queue.SimpleQueue[AccountProgress] = queue.SimpleQueue()
    planned = sum(planned_source_count(task.account, registry.aws_sources()) for task in shard.tasks)
    progress = StepProgress(len(shard.tasks), planned)

    def stage(result: AccountResult) -> str:
        return stage_result(storage, staging_prefix(context.partition_key, context.run_id, result.key), result)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="collection") as runner:
        work = runner.submit(collect_tasks, config, shard.tasks, day, news.put, stage)
        while True:
            finished = work.done()  # read before draining: no news can follow once the work is done
            _drain(news, progress, wait=0.0 if finished else PROGRESS_INTERVAL / 5)
            for level, line in progress.lines(final=finished):
                getattr(context.log, level)(line)
            if finished:
                return work.result()


def _drain(news: "queue.SimpleQueue[AccountProgress]", progress: StepProgress, wait: float) -> None:
    """Hear everything queued, waiting up to `wait` seconds for the first item."""
    try:
        item = news.get(timeout=wait) if wait else news.get_nowait()
        while True:
            progress.hear(item)
            item = news.get_nowait()
    except queue.Empty:
        return


@dg.op(
    out=dg.Out(dg.Nothing),
    description="Publish the day's one immutable snapshot from every account's staged result.",
)
def commit_snapshot(context: dg.OpExecutionContext, settings: AssuranceSettings, day: DayPlan, staged: list[list[str]]):
    config = settings.load()
    if day.reused is not None:
        outcome = day.reused
    else:
        storage = storage_for(config.storage_root)
        prefixes = sorted(prefix for shard in staged for prefix in shard)
        outcome = commit_day(config, day, [load_staged(storage, prefix) for prefix in prefixes])
    manifest = outcome.manifest
    failures = [status for status in manifest.collection_status if status.status != "ok"]
    for status in failures:
        context.log.warning(
            f"not collected: {status.api} account={status.account_id} region={status.region or 'global'} "
            f"({status.status}: {status.error_code})"
        )
    context.add_output_metadata(
        {
            "snapshot_id": manifest.snapshot_id,
            "location": dg.MetadataValue.path(outcome.location),
            "taken_at": manifest.taken_at.isoformat(),
            "reused_stored_snapshot": outcome.reused,
            "accounts": ", ".join(manifest.accounts) or "(none)",
            "files": len(manifest.files),
            "api_errors": len(failures),
            "api_errors_detail": dg.MetadataValue.md(_status_table(failures)),
            "account_status": dg.MetadataValue.md(_account_table(manifest.account_status)),
            "duration_seconds": manifest.duration_seconds,
        }
    )


def snapshot_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The graph-backed `nhi_snapshot` asset over the day partitions."""

    @dg.graph_asset(
        name="nhi_snapshot",
        partitions_def=partitions,
        group_name="collect",
        kinds={"aws", "json"},
        description="Raw IAM, STS, Organizations and Secrets Manager metadata for every configured or discovered "
        "account, stored per date/account/source with a sha256 manifest. Never contains secret values.",
    )
    def nhi_snapshot():
        day, parts = plan_accounts()
        return commit_snapshot(day, parts.map(collect_accounts).collect())

    return nhi_snapshot


def definitions(partitions: dg.PartitionsDefinition) -> dg.Definitions:
    return dg.Definitions(assets=[snapshot_asset(partitions)])


def _status_table(failures: list) -> str:
    if not failures:
        return "Every API call completed."
    rows = [
        f"| {s.account_id} | {s.api} | {s.region or 'global'} | {s.status} | {s.error_code or ''} |" for s in failures
    ]
    return "\n".join(["| account | API | region | status | error |", "|---|---|---|---|---|", *rows])


def _account_table(records: list[dict]) -> str:
    if not records:
        return "No account records (snapshot written before per-account status)."
    rows = [
        f"| {r.get('account_id')} | {r.get('name')} | {r.get('ou_path') or ''} | {r.get('collection')} | "
        f"{r.get('carried_over_from') or ''} |"
        for r in records
    ]
    return "\n".join(["| account | name | OU | collection | carried over from |", "|---|---|---|---|---|", *rows])
