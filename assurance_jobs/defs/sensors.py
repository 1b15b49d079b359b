"""Sensors that re-check a day within minutes of a change, instead of at the next daily run.

* `iam_change_sensor` polls the SQS queue an EventBridge rule fills with IAM/STS/Secrets Manager changes
  (docs/change-events.md), debounces bursts per account and reruns today's partition for that account: its
  run tag `assurance/account` makes the snapshot re-collect only it and carry the other accounts over.
* `policy_change_sensor` hashes the policy-as-data files (suites, waivers, baseline) and, when they change,
  re-evaluates today's stored snapshot: the estate did not change, so no AWS call is made.

Both are on by default; like the schedule they tick only while the Dagster daemon runs. Reading the queue, the
debounce and the cursors live in `assurance_jobs.events`; `definitions.py` wires `SENSORS` and `SENSOR_JOBS`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.config import AssuranceConfig, ChangeEventsConfig, ConfigError
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.events import (
    Burst,
    PolicyCursor,
    QueueBatch,
    bursts_from_cursor,
    bursts_to_cursor,
    changed_files,
    debounce,
    drain_queue,
    fingerprint,
    policy_sources,
    sqs_client,
)
from assurance_jobs.events.policy_files import BASELINE_FOLDER
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import list_snapshots

TAG_VALUE_LIMIT = 200
SNAPSHOT_ASSET = "nhi_snapshot"

change_rerun_job = dg.define_asset_job(
    "change_rerun",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("probes"),
    description="Today's partition after an IAM change: the changed account re-collected (others carried over), "
    "then inventory, evaluation and reports.",
)

EVALUATE_ONLY_SELECTION = (
    dg.AssetSelection.all() - dg.AssetSelection.assets(SNAPSHOT_ASSET) - dg.AssetSelection.groups("probes")
)

evaluate_only_job = dg.define_asset_job(
    "evaluate_only",
    selection=EVALUATE_ONLY_SELECTION,
    description="Everything but the snapshot: rebuild inventory and findings from the stored snapshot. "
    "No AWS calls; backfill it over past days after rules change.",
)


def clock() -> datetime:
    """The sensors' notion of now; tests replace it instead of freezing time under Dagster."""
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------- IAM change events


def _change_events_settings(settings: AssuranceSettings) -> tuple[ChangeEventsConfig | None, str | None]:
    try:
        section = settings.load().change_events
    except ConfigError as error:
        return None, f"configuration error: {error}"
    if section is None:
        return None, "change_events is not configured (see docs/change-events.md); no queue to poll"
    return section, None


@dg.sensor(
    name="iam_change_sensor",
    job=change_rerun_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reruns today's partition for an account a short quiet time after IAM, STS or Secrets Manager "
    "changes arrive on the change-events SQS queue.",
)
def iam_change_sensor(context: dg.SensorEvaluationContext, settings: AssuranceSettings) -> dg.SensorResult:
    section, why_not = _change_events_settings(settings)
    if section is None:
        return dg.SensorResult(skip_reason=why_not, cursor=context.cursor)
    pending, warning = bursts_from_cursor(context.cursor)
    if warning:
        context.log.warning(warning)
    batch = drain_queue(sqs_client(section.region), section.queue_url, section.max_messages_per_tick)
    _log_batch(context, batch)
    now = clock()
    ready, waiting = debounce(batch.events, now, section.debounce_seconds, pending)
    cursor = bursts_to_cursor(waiting)
    if not ready:
        return dg.SensorResult(skip_reason=_waiting_reason(batch, waiting), cursor=cursor)
    return dg.SensorResult(run_requests=[rerun_request(burst, now.date()) for burst in ready], cursor=cursor)


def rerun_request(burst: Burst, today: date) -> dg.RunRequest:
    """One run per account per burst; the run key makes a re-evaluated tick's duplicate harmless."""
    partition_key = today.isoformat()
    return dg.RunRequest(
        run_key=f"iam-change-{burst.account_id}-{partition_key}-{burst.burst_id}",
        partition_key=partition_key,
        tags={
            "assurance/trigger": "iam-change",
            "assurance/account": burst.account_id,
            "assurance/change-events": _bounded(",".join(burst.event_names)),
            "assurance/change-event-count": str(burst.count),
            "assurance/burst": burst.burst_id,
        },
    )


def _log_batch(context: dg.SensorEvaluationContext, batch: QueueBatch) -> None:
    if batch.received:
        context.log.info(
            f"read {batch.received} message(s), deleted {batch.deleted}: {len(batch.events)} change event(s)"
        )
    if batch.rejected:
        summary = ", ".join(f"{reason}={count}" for reason, count in sorted(batch.rejected.items()))
        context.log.warning(f"dropped {sum(batch.rejected.values())} unusable message(s): {summary}")
    for error in batch.errors:
        context.log.error(error)


def _waiting_reason(batch: QueueBatch, waiting: list[Burst]) -> str:
    if waiting:
        accounts = ", ".join(burst.account_id for burst in waiting)
        return f"waiting for quiet before rerunning: {accounts}"
    return "no change events" if not batch.errors else f"queue unavailable: {'; '.join(batch.errors)}"


def _bounded(text: str) -> str:
    return text if len(text) <= TAG_VALUE_LIMIT else text[: TAG_VALUE_LIMIT - 1] + "…"


# ------------------------------------------------------------------------------------------ policy-as-data changes


@dg.sensor(
    name="policy_change_sensor",
    job=evaluate_only_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-evaluates today's stored snapshot when expectation suites, waivers or baseline files change. "
    "The first tick only records the files' digest.",
)
def policy_change_sensor(context: dg.SensorEvaluationContext, settings: AssuranceSettings) -> dg.SensorResult:
    try:
        config = settings.load()
    except ConfigError as error:
        return dg.SensorResult(skip_reason=f"configuration error: {error}", cursor=context.cursor)
    current = fingerprint(policy_files(config))
    previous = PolicyCursor.from_json(context.cursor)
    if previous is None:
        recorded = PolicyCursor(current.digest, dict(current.files))
        return dg.SensorResult(skip_reason="recorded the policy files' digest", cursor=recorded.to_json())
    if previous.digest == current.digest:
        return dg.SensorResult(skip_reason="policy files unchanged", cursor=context.cursor)
    cursor = PolicyCursor(current.digest, dict(current.files), previous.changes + 1)
    changed = changed_files(previous.files, current.files)
    context.log.info(f"policy files changed: {', '.join(changed)}")
    today = clock().date()
    if not _has_stored_snapshot(config, today):
        reason = f"no snapshot stored for {today.isoformat()} yet; its daily run will use the changed files"
        return dg.SensorResult(skip_reason=reason, cursor=cursor.to_json())
    return dg.SensorResult(run_requests=[reevaluation_request(cursor, changed, today)], cursor=cursor.to_json())


def policy_files(config: AssuranceConfig) -> list[tuple[str, Path]]:
    """Suites, waivers and baseline; without `baseline_dir`, the repository's `baseline/` (a change there is rare
    and at worst re-evaluates once). The agent registry is not here: it is estate, snapshotted with the day."""
    return policy_sources(config.expectations_dir, config.waivers_file, config.baseline_dir or BASELINE_FOLDER)


def reevaluation_request(cursor: PolicyCursor, changed: list[str], today: date) -> dg.RunRequest:
    partition_key = today.isoformat()
    return dg.RunRequest(
        run_key=f"policy-change-{partition_key}-{cursor.digest[:16]}-{cursor.changes}",
        partition_key=partition_key,
        tags={
            "assurance/trigger": "policy-change",
            "assurance/policy-digest": cursor.digest[:16],
            "assurance/changed-files": _bounded(",".join(changed)),
        },
    )


def _has_stored_snapshot(config: AssuranceConfig, day: date) -> bool:
    """An evaluate-only run of a day without a snapshot can only fail; the day's own run will evaluate it.

    If the storage cannot be listed, say yes: the run then fails with the storage's own error, where people look.
    """
    try:
        return bool(list_snapshots(storage_for(config.storage_root), day))
    except (OSError, ClientError, BotoCoreError):
        return True


SENSORS = [iam_change_sensor, policy_change_sensor]
SENSOR_JOBS = [change_rerun_job, evaluate_only_job]


def definitions() -> dg.Definitions:
    return dg.Definitions(jobs=SENSOR_JOBS, sensors=SENSORS)
