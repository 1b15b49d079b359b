"""The daily schedule's partition key is the UTC day of the tick, whatever `schedule.timezone` says."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from assurance_jobs.config import ScheduleConfig
from assurance_jobs.definitions import assets_for
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.defs.schedules import build_daily_schedule, daily_assurance_job, utc_partition_key

ALL_ASSETS = assets_for(AssuranceSettings())


def _partition_key(schedule: dg.ScheduleDefinition, at: datetime) -> str:
    definitions = dg.Definitions(
        assets=ALL_ASSETS, jobs=[daily_assurance_job], schedules=[schedule], resources={"settings": AssuranceSettings()}
    )
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=definitions.get_repository_def())
    return schedule.evaluate_tick(context).run_requests[0].partition_key


def test_a_tokyo_morning_tick_runs_the_previous_utc_day() -> None:
    schedule = build_daily_schedule(ScheduleConfig(cron="0 6 * * *", timezone="Asia/Tokyo"))
    tick = datetime(2026, 3, 15, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 2026-03-14 21:00 UTC
    assert schedule.execution_timezone == "Asia/Tokyo"
    assert _partition_key(schedule, tick) == "2026-03-14"


def test_a_los_angeles_evening_tick_runs_the_next_utc_day() -> None:
    schedule = build_daily_schedule(ScheduleConfig(cron="30 23 * * *", timezone="America/Los_Angeles"))
    tick = datetime(2026, 3, 14, 23, 30, tzinfo=ZoneInfo("America/Los_Angeles"))  # 2026-03-15 06:30 UTC
    assert _partition_key(schedule, tick) == "2026-03-15"


def test_a_utc_tick_runs_its_own_day_and_a_naive_time_is_taken_as_utc() -> None:
    assert utc_partition_key(datetime(2026, 3, 14, 6, tzinfo=UTC)) == "2026-03-14"
    assert utc_partition_key(datetime(2026, 3, 14, 23, 59)) == "2026-03-14"
