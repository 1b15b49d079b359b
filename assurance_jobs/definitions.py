"""The Dagster code location: everything is defined in `defs/`, by concern; this file only gathers it."""

import dagster as dg

from assurance_jobs.defs import evaluation, inventory, report, schedules, sensors, snapshot
from assurance_jobs.defs.resources import settings_from_environment

ALL_ASSETS = dg.load_assets_from_modules([snapshot, inventory, evaluation, report])

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[schedules.daily_assurance_job, *sensors.SENSOR_JOBS],
    schedules=[schedules.daily_schedule],
    sensors=sensors.SENSORS,
    resources={"settings": settings_from_environment()},
)
