"""Materialise one partition through Dagster from the command line, with a persistent instance."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from assurance_jobs.defs.resources import AssuranceSettings

DEFAULT_DAGSTER_HOME = ".dagster_home"
_INSTANCE_YAML = "telemetry:\n  enabled: false\n"


@dataclass(frozen=True)
class RunRequestOptions:
    config_path: str | None = None
    partition_date: date | None = None
    output_dir: str | None = None
    storage_root: str | None = None
    evaluate_only: bool = False


@dataclass(frozen=True)
class PartitionRun:
    success: bool
    run_id: str
    partition_key: str
    settings: AssuranceSettings
    errors: list[str]


def ensure_dagster_home() -> Path:
    """Use $DAGSTER_HOME, or ./.dagster_home, so CLI runs are recorded where `dagster dev` can show them."""
    home = Path(os.environ.get("DAGSTER_HOME") or Path.cwd() / DEFAULT_DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    instance_yaml = home / "dagster.yaml"
    if not instance_yaml.exists():
        instance_yaml.write_text(_INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def materialize_partition(options: RunRequestOptions, instance: dg.DagsterInstance | None = None) -> PartitionRun:
    """Run the daily job's assets for one partition; evaluate-only skips the AWS snapshot."""
    from assurance_jobs.definitions import assets_for
    from assurance_jobs.pipeline import utc_today

    settings = AssuranceSettings(
        config_path=options.config_path, storage_root=options.storage_root, output_dir=options.output_dir
    )
    partition_key = (options.partition_date or utc_today()).isoformat()
    selection = dg.AssetSelection.all()
    if options.evaluate_only:
        selection = selection - dg.AssetSelection.assets("nhi_snapshot")
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    result = dg.materialize(
        assets_for(settings),
        instance=instance,
        resources={"settings": settings},
        partition_key=partition_key,
        selection=selection,
        raise_on_error=False,
        tags={"assurance/trigger": "evaluate-only" if options.evaluate_only else "cli"},
    )
    errors = [_root_cause(event.event_specific_data.error) for event in result.get_step_failure_events()]
    return PartitionRun(result.success, result.run_id, partition_key, settings, errors)


def _root_cause(error: object) -> str:
    """The user's own exception message, not Dagster's 'error occurred while executing' wrapper."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    return str(getattr(error, "message", error)).strip()


def run_partition(options: RunRequestOptions) -> int:
    """CLI entry: run, then print where everything is and a one-screen summary."""
    from assurance_jobs.summary import print_summary

    outcome = materialize_partition(options)
    print_summary(outcome.settings.load(), date.fromisoformat(outcome.partition_key), outcome.run_id, sys.stdout)
    if not outcome.success:
        for error in outcome.errors:
            print(f"assurance-jobs: {error}", file=sys.stderr)
        print(f"assurance-jobs: run {outcome.run_id} failed; `dagster dev` shows its step logs", file=sys.stderr)
        return 1
    return 0


def materialize_probes(options: RunRequestOptions, instance: dg.DagsterInstance | None = None) -> PartitionRun:
    """Run the probe job's assets for today: the probes, then re-evaluation and the report if today was evaluated."""
    from assurance_jobs.definitions import assets_for
    from assurance_jobs.defs.probes import PROBE_ASSETS, probe_selection
    from assurance_jobs.pipeline import utc_today

    settings = AssuranceSettings(
        config_path=options.config_path, storage_root=options.storage_root, output_dir=options.output_dir
    )
    day = utc_today()
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    result = dg.materialize(
        [*assets_for(settings), *PROBE_ASSETS],
        instance=instance,
        resources={"settings": settings},
        partition_key=day.isoformat(),
        selection=probe_selection(settings.load(), day),
        raise_on_error=False,
        tags={"assurance/trigger": "cli-probe"},
    )
    errors = [_root_cause(event.event_specific_data.error) for event in result.get_step_failure_events()]
    return PartitionRun(result.success, result.run_id, day.isoformat(), settings, errors)
