"""The daily snapshot asset: collect the live estate once per day into immutable, checksummed files."""

import re
from datetime import date

import dagster as dg

from assurance_jobs.defs.partitions import daily_partitions
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.pipeline import snapshot_partition
from assurance_jobs.snapshot.model import CollectionStatus

SOURCE_PROGRESS = re.compile(r"^collected (\d+)/(\d+): (.+)$")
"""The per-source log line's shape; the terminal's progress display reads it back (assurance_jobs.progress)."""


def source_progress_message(status: CollectionStatus, done: int, planned: int) -> str:
    """One source collected, as an info line in the run's log (and in the UI)."""
    pages = f"{status.pages} page{'s' * (status.pages != 1)}"
    where = f"{status.region or 'global'}, account {status.account_id}"
    return f"collected {done}/{planned}: {status.source} ({where}) {status.status}, {pages}"


@dg.asset(
    partitions_def=daily_partitions,
    group_name="collect",
    kinds={"aws", "json"},
    description="Raw IAM, STS, Organizations and Secrets Manager metadata for every configured account, "
    "stored per date/account/source with a sha256 manifest. Never contains secret values.",
)
def nhi_snapshot(context: dg.AssetExecutionContext, settings: AssuranceSettings) -> dg.MaterializeResult:
    partition_date = date.fromisoformat(context.partition_key)

    def collected(status: CollectionStatus, done: int, planned: int) -> None:
        context.log.info(source_progress_message(status, done, planned))

    outcome = snapshot_partition(settings.load(), partition_date, on_status=collected)
    manifest = outcome.manifest
    failures = [status for status in manifest.collection_status if status.status != "ok"]
    for status in failures:
        context.log.warning(
            f"not collected: {status.api} account={status.account_id} region={status.region or 'global'} "
            f"({status.status}: {status.error_code})"
        )
    return dg.MaterializeResult(
        metadata={
            "snapshot_id": manifest.snapshot_id,
            "location": dg.MetadataValue.path(outcome.location),
            "taken_at": manifest.taken_at.isoformat(),
            "reused_stored_snapshot": outcome.reused,
            "accounts": ", ".join(manifest.accounts) or "(none)",
            "files": len(manifest.files),
            "api_errors": len(failures),
            "api_errors_detail": dg.MetadataValue.md(_status_table(failures)),
            "duration_seconds": manifest.duration_seconds,
        }
    )


def _status_table(failures: list) -> str:
    if not failures:
        return "Every API call completed."
    rows = [
        f"| {s.account_id} | {s.api} | {s.region or 'global'} | {s.status} | {s.error_code or ''} |" for s in failures
    ]
    return "\n".join(["| account | API | region | status | error |", "|---|---|---|---|---|", *rows])
