"""The daily job and its schedule (on by default whenever the Dagster daemon runs)."""

from datetime import UTC, datetime

import dagster as dg

from assurance_jobs.config import ScheduleConfig

daily_assurance_job = dg.define_asset_job(
    "daily_assurance",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("probes"),  # probes have their own job
    description="Snapshot → inventory → evaluation → reports for one day.",
)


def utc_partition_key(moment: datetime) -> str:
    """The UTC day of `moment`: partitions are UTC days whatever zone the schedule's cron is read in (06:00 in
    Tokyo is 21:00 UTC the day before; naive times are taken as UTC)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(UTC).date().isoformat()


def build_daily_schedule(settings: ScheduleConfig) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="daily_schedule",
        job=daily_assurance_job,
        cron_schedule=settings.cron,
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Snapshot and evaluate the live estate every day.",
    )
    def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        partition_key = utc_partition_key(context.scheduled_execution_time)
        return dg.RunRequest(run_key=f"daily-{partition_key}", partition_key=partition_key)

    return daily_schedule


def definitions(schedule: ScheduleConfig) -> dg.Definitions:
    """The daily job and its schedule, at the configuration's cron and time zone."""
    return dg.Definitions(jobs=[daily_assurance_job], schedules=[build_daily_schedule(schedule)])
