"""The Dagster code location: everything is defined in `defs/`, by concern; this file only gathers it."""

import dagster as dg

from assurance_jobs.defs import alerts, evaluation, inventory, probes, report, schedules, sensors, snapshot
from assurance_jobs.defs.execution import io_manager_resources, run_executor
from assurance_jobs.defs.resources import AssuranceSettings, settings_from_environment

ALL_ASSETS = dg.load_assets_from_modules([snapshot, inventory, evaluation, report])


def assets_for(settings: AssuranceSettings) -> list:
    """The assets with the asset checks declared from `settings`' own `expectations_dir` (the CLI's --config)."""
    own = evaluation.evaluation_asset(evaluation.declared_rules(settings))
    return [
        own if getattr(asset, "node_def", None) is not None and asset.node_def.name == own.node_def.name else asset
        for asset in ALL_ASSETS
    ]


def named_job(name: str, settings: AssuranceSettings) -> dg.JobDefinition:
    """A job of the code location by name, resolved over `assets_for(settings)`: a CLI run is a run of that job
    (listed under it in the UI, re-executable there) with the asset checks of the CLI's own configuration."""
    jobs = [schedules.daily_assurance_job, *sensors.SENSOR_JOBS, probes.runtime_probes_job]
    return dg.Definitions(
        assets=[*assets_for(settings), *probes.PROBE_ASSETS],
        jobs=jobs,
        resources={"settings": settings_from_environment()},
    ).resolve_job_def(name)


defs = dg.Definitions(
    assets=[*ALL_ASSETS, *probes.PROBE_ASSETS],  # probes stay out of ALL_ASSETS: `run` never waits for them
    jobs=[schedules.daily_assurance_job, *sensors.SENSOR_JOBS, probes.runtime_probes_job],
    schedules=[schedules.daily_schedule, probes.probe_schedule],
    sensors=[*sensors.SENSORS, alerts.findings_alert_sensor],
    resources={"settings": settings_from_environment(), **io_manager_resources()},
    executor=run_executor(),
)
