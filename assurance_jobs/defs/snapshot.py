"""The daily snapshot asset: one step plans the day, one step per account collects, one step commits.

`nhi_snapshot` is a graph-backed asset over the daily partitions (docs/organizations.md says why this and not an
account partition dimension): `plan_accounts` discovers the accounts and fans out one dynamic output per
account, `collect_account` runs once per account in the `aws_account_collection` pool (parallel under the
multiprocess or Kubernetes executor, capped by the pool's limit and the executor's `max_concurrent`) and stages
its files, and `commit_snapshot` publishes the day's one immutable snapshot from every staged result.
"""

import re
from datetime import date

import dagster as dg

from assurance_jobs.collect.aws import planned_source_count
from assurance_jobs.collect.plan import AccountTask, base_sessions, collect_task, failed_result
from assurance_jobs.collect.staging import load_staged, stage_result
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.snapshot.model import CollectionStatus
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.sources import registry
from assurance_jobs.steps.collect import DayPlan, commit_day, plan_day
from assurance_jobs.steps.layout import staging_prefix

SOURCE_PROGRESS = re.compile(r"^collected (\d+)/(\d+): (.+)$")
"""The per-source log line's shape; the terminal's progress display reads it back (assurance_jobs.app.progress)."""

ACCOUNT_POOL = "aws_account_collection"
ACCOUNT_TAG = "assurance/account"  # set by iam_change_sensor: collect only this account, carry the others over
ACCOUNT_RETRIES = 2


def source_progress_message(status: CollectionStatus, done: int, planned: int) -> str:
    """One source collected, as an info line in the run's log (and in the UI)."""
    pages = f"{status.pages} page{'s' * (status.pages != 1)}"
    where = f"{status.region or 'global'}, account {status.account_id}"
    return f"collected {done}/{planned}: {status.source} ({where}) {status.status}, {pages}"


@dg.op(
    out={"day": dg.Out(description="The day's plan (no credentials)."), "accounts": dg.DynamicOut()},
    description="Discover the accounts to collect today (configured and organization members), or reuse the "
    "stored snapshot of a past day.",
)
def plan_accounts(context: dg.OpExecutionContext, settings: AssuranceSettings):
    only_account = context.run.tags.get(ACCOUNT_TAG)
    day = plan_day(settings.load(), date.fromisoformat(context.partition_key), only_account=only_account)
    carried = len(day.carried.records)
    if day.reused is None:
        context.log.info(f"{len(day.pending)} account(s) to collect, {carried} carried over")
    yield dg.Output(day, "day", metadata={"accounts_to_collect": len(day.pending), "carried_over": carried})
    for task in day.pending:
        yield dg.DynamicOutput(task, mapping_key=task.key, output_name="accounts")


@dg.op(
    pool=ACCOUNT_POOL,
    retry_policy=dg.RetryPolicy(max_retries=ACCOUNT_RETRIES, delay=5, backoff=dg.Backoff.EXPONENTIAL),
    description="Enter one account's read-only role and collect it; stage the files for the day's commit.",
)
def collect_account(context: dg.OpExecutionContext, settings: AssuranceSettings, account: AccountTask) -> str:
    config = settings.load()
    try:
        day = date.fromisoformat(context.partition_key)
        sources = registry.aws_sources()
        planned, done = planned_source_count(account.account, sources), []

        def collected(status: CollectionStatus) -> None:
            done.append(status)  # this account's sources; CloudTrail adds statuses not planned ahead
            context.log.info(source_progress_message(status, len(done), max(planned, len(done))))

        base = base_sessions(config) if account.member else None
        result = collect_task(config, account, day, sources, base, collected)
    except Exception as error:
        if context.retry_number < ACCOUNT_RETRIES:
            raise  # Dagster retries the step; the other accounts are not affected
        context.log.error(f"{account.key}: collection crashed after retries, recorded as failed: {error!r}")
        result = failed_result(account, error)
    storage = storage_for(config.storage_root)
    prefix = stage_result(storage, staging_prefix(context.partition_key, context.run_id, account.key), result)
    state = result.record["collection"]
    if state != "complete":
        context.log.warning(f"{account.key} ({result.account_id}): {state}")
    context.add_output_metadata({"account_id": result.account_id, "collection": state, "files": len(result.blobs)})
    return prefix


@dg.op(
    out=dg.Out(dg.Nothing),
    description="Publish the day's one immutable snapshot from every account's staged result.",
)
def commit_snapshot(context: dg.OpExecutionContext, settings: AssuranceSettings, day: DayPlan, staged: list[str]):
    config = settings.load()
    if day.reused is not None:
        outcome = day.reused
    else:
        storage = storage_for(config.storage_root)
        outcome = commit_day(config, day, [load_staged(storage, prefix) for prefix in sorted(staged)])
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
        day, accounts = plan_accounts()
        return commit_snapshot(day, accounts.map(collect_account).collect())

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
