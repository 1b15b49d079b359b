"""The Dagster code location: definitions built per concern from one settings object and merged.

`build_definitions(settings)` is what the command line runs (it passes the settings of its own --config);
`defs` is the workspace entry point (`dagster dev -w workspace.yaml`, `dagster job execute -m ...`), which reads
where the configuration is from the environment once, when the code location loads — never at import.
"""

import os

import dagster as dg

from assurance_jobs.config import DEFAULT_PARTITION_START
from assurance_jobs.defs import alerts, evaluation, execution, inventory, probes, report, schedules, sensors, snapshot
from assurance_jobs.defs.partitions import daily_partitions
from assurance_jobs.defs.resources import AssuranceSettings

CONFIG_ENV = "ASSURANCE_CONFIG"
EXECUTOR_ENV = "ASSURANCE_EXECUTOR"
IO_BUCKET_ENV = "ASSURANCE_IO_BUCKET"


def partitions_for(settings: AssuranceSettings) -> dg.DailyPartitionsDefinition:
    return daily_partitions(settings.load_or_defaults().partition_start or DEFAULT_PARTITION_START)


def assets_for(settings: AssuranceSettings) -> list[dg.AssetsDefinition]:
    """The daily job's assets as `settings` build them (probes have their own job): what `dg.materialize` takes."""
    partitions = partitions_for(settings)
    return [
        snapshot.snapshot_asset(partitions),
        inventory.inventory_assets(partitions),
        evaluation.evaluation_asset(evaluation.declared_rules(settings), partitions),
        report.report_asset(partitions),
    ]


def build_definitions(settings: AssuranceSettings) -> dg.Definitions:
    """Every asset, job, schedule and sensor, with partitions, cron and asset checks from `settings`' file.

    An unreadable configuration builds the definitions from the defaults, so the code location still loads and the
    run reports the configuration error where people look for it."""
    config = settings.load_or_defaults()
    partitions = partitions_for(settings)
    return dg.Definitions.merge(
        snapshot.definitions(partitions),
        inventory.definitions(partitions),
        evaluation.definitions(settings, partitions),
        report.definitions(partitions),
        probes.definitions(partitions, config.probes),
        schedules.definitions(config.schedule),
        sensors.definitions(),
        alerts.definitions(),
        execution.definitions(settings, config),
    )


def settings_from_environment() -> AssuranceSettings:
    """The code location's settings: the file named by $ASSURANCE_CONFIG and, on Kubernetes, the executor and the
    step-output bucket (deploy/k8s.yaml)."""
    return AssuranceSettings(
        config_path=os.environ.get(CONFIG_ENV),
        executor=os.environ.get(EXECUTOR_ENV) or "multiprocess",
        io_bucket=os.environ.get(IO_BUCKET_ENV),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(settings_from_environment())
