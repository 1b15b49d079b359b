"""`findings_alert_sensor`: after the `findings` asset is materialized, send the day's newly opened findings.

Thin wiring over `assurance_jobs.steps.alerts.deliver_new_findings`: the sensor watches the latest materialization of
`findings`, delivers for its partition, and keeps retrying that partition's failed deliveries on later ticks (the
delivery ledger makes every tick idempotent). It never launches a run; it reports what it sent as its skip reason.
"""

from __future__ import annotations

import json
from datetime import date

import dagster as dg

from assurance_jobs.config import ConfigError
from assurance_jobs.defs.resources import AssuranceSettings

FINDINGS_ASSET = dg.AssetKey("findings")


def _latest_partition(context: dg.SensorEvaluationContext) -> tuple[float, str] | None:
    event = context.instance.get_latest_materialization_event(FINDINGS_ASSET)
    if event is None or event.dagster_event is None or event.dagster_event.partition is None:
        return None
    return float(event.timestamp), event.dagster_event.partition


def partition_day(partition_key: str) -> date | None:
    """The day of a daily partition key, also inside a multi-partition key such as '2026-12-01|123456789012'."""
    for part in partition_key.split("|"):
        try:
            return date.fromisoformat(part)
        except ValueError:
            continue
    return None


@dg.sensor(
    name="findings_alert_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends findings opened today (not open the previous day) at or above the configured severity "
    "to Slack / SNS / webhooks; idempotent per finding, failed deliveries retried on later ticks.",
)
def findings_alert_sensor(context: dg.SensorEvaluationContext, settings: AssuranceSettings) -> dg.SkipReason:
    try:
        config = settings.load()
    except ConfigError as error:
        return dg.SkipReason(f"configuration error: {error}")
    if config.alerts is None:
        return dg.SkipReason("no alerts configured")
    latest = _latest_partition(context)
    if latest is None:
        return dg.SkipReason("findings have not been materialized yet")
    materialized_at, partition = latest
    day = partition_day(partition)
    if day is None:
        return dg.SkipReason(f"findings partition {partition!r} names no day")
    from assurance_jobs.steps.alerts import deliver_new_findings  # a sensor tick needs it, a run never does

    report = deliver_new_findings(config, day)
    context.update_cursor(json.dumps({"materialized_at": materialized_at, "partition": partition}))
    if report.failed or report.given_up:
        context.log.warning(f"{partition}: {report.failed} deliveries failed (will retry), {report.given_up} given up")
    return dg.SkipReason(
        f"{partition}: delivered {report.delivered}, retrying {report.failed}, gave up {report.given_up}, "
        f"already sent {report.already_sent}"
    )


def definitions() -> dg.Definitions:
    return dg.Definitions(sensors=[findings_alert_sensor])
