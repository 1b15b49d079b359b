"""The daily job and its schedule (on by default whenever the Dagster daemon runs)."""

import os

import dagster as dg

from assurance_jobs.config import ConfigError, ScheduleConfig, load_config
from assurance_jobs.defs.resources import CONFIG_ENV

daily_assurance_job = dg.define_asset_job(
    "daily_assurance",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("probes"),  # probes have their own job
    description="Snapshot → inventory → evaluation → reports for one day.",
)


def _schedule_settings() -> ScheduleConfig:
    """The cron and timezone come from the configuration file; a broken file must not hide the schedule."""
    try:
        return load_config(os.environ.get(CONFIG_ENV)).schedule
    except ConfigError:
        return ScheduleConfig()


_SCHEDULE = _schedule_settings()


@dg.schedule(
    job=daily_assurance_job,
    cron_schedule=_SCHEDULE.cron,
    execution_timezone=_SCHEDULE.timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Snapshot and evaluate the live estate every day.",
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    partition_key = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(run_key=f"daily-{partition_key}", partition_key=partition_key)
