"""Materialise one partition through Dagster from the command line, with a persistent instance."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from assurance_jobs.app.exit_codes import EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK
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

    def settings(self) -> AssuranceSettings:
        """The settings the run's definitions are built from (and the run config a UI re-execution reads).

        The command line executes the job in its own process, so every account is collected by one step's
        threads (shards there would run one after another)."""
        return AssuranceSettings(
            config_path=self.config_path,
            storage_root=self.storage_root,
            output_dir=self.output_dir,
            collect_in_one_step=True,
        )


def definitions_for(options: RunRequestOptions) -> dg.Definitions:
    """The code location as this request's settings build it: once per command, shared by its runs."""
    from assurance_jobs.definitions import build_definitions

    return build_definitions(options.settings())


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


LOCK_FILE = "assurance-run.lock"


class RunInProgressError(RuntimeError):
    """Another command-line run holds the embedded Dagster instance."""


@contextmanager
def instance_lock(instance: dg.DagsterInstance, partition_key: str) -> Iterator[None]:
    """One run at a time on an embedded (SQLite) instance: two would both die with "database is locked" and,
    worse, interleave their snapshot, inventory and report steps (findings from one snapshot, provenance from
    another). The second run is refused at once with a line naming the first. A server-backed instance
    (Postgres) handles concurrency itself and is not locked here.
    """
    import fcntl
    import json

    if "sqlite" not in type(instance.run_storage).__name__.lower() or instance.root_directory is None:
        yield
        return
    path = Path(instance.root_directory) / LOCK_FILE
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunInProgressError(
                f"another run is using the Dagster instance {instance.root_directory} ({holder}); "
                "wait for it to finish, or use another DAGSTER_HOME"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(json.dumps({"pid": os.getpid(), "partition": partition_key, "started": started}))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


DAILY_JOB, EVALUATE_ONLY_JOB, PROBE_JOB = "daily_assurance", "evaluate_only", "runtime_probes"
QUIET_LOGGERS = {"console": {"config": {"log_level": "ERROR"}}}
"""Dagster's console logger prints every event at DEBUG; the operator sees the progress display instead."""


def job_name(options: RunRequestOptions) -> str:
    """The named job a request runs, so the run appears under that job in the UI and can be re-executed there."""
    return EVALUATE_ONLY_JOB if options.evaluate_only else DAILY_JOB


def run_config(options: RunRequestOptions, verbose: bool = False) -> dict:
    """Settings as run config (stored with the run, so a re-execution from the UI reads the same files)."""
    settings = {
        key: value
        for key, value in (
            ("config_path", options.config_path),
            ("storage_root", options.storage_root),
            ("output_dir", options.output_dir),
        )
        if value
    }
    config: dict = {"resources": {"settings": {"config": {**settings, "collect_in_one_step": True}}}}
    if not verbose:
        config["loggers"] = QUIET_LOGGERS
    return config


def materialize_partition(
    options: RunRequestOptions,
    instance: dg.DagsterInstance | None = None,
    *,
    verbose: bool = False,
    listener: Callable[[dg.EventLogEntry], None] | None = None,
    definitions: dg.Definitions | None = None,
) -> PartitionRun:
    """Run the daily job (or evaluate-only, which skips the AWS snapshot) for one partition.

    `listener` receives every event of the run as it is stored (the progress display); `verbose` keeps
    Dagster's own console log."""
    from dagster._core.utils import make_new_run_id

    from assurance_jobs.steps.collect import utc_today

    settings = options.settings()
    definitions = definitions or definitions_for(options)
    partition_key = (options.partition_date or utc_today()).isoformat()
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    run_id = make_new_run_id()
    if listener is not None:
        instance.add_event_listener(run_id, listener)
    result = definitions.resolve_job_def(job_name(options)).execute_in_process(
        run_config=run_config(options, verbose),
        instance=instance,
        partition_key=partition_key,
        run_id=run_id,
        raise_on_error=False,
        tags={"assurance/trigger": "evaluate-only" if options.evaluate_only else "cli"},
    )
    errors = [_root_cause(event.event_specific_data.error) for event in result.get_step_failure_events()]
    return PartitionRun(result.success, result.run_id, partition_key, settings, errors)


def job_steps(options: RunRequestOptions) -> list[str]:
    """The step keys the request's job runs, in order (the progress display's rows)."""
    from assurance_jobs.app.progress import STEP_LABELS

    steps = list(STEP_LABELS)
    return steps[1:] if options.evaluate_only else steps


def _root_cause(error: object) -> str:
    """The user's own exception message, not Dagster's 'error occurred while executing' wrapper."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    return str(getattr(error, "message", error)).strip()


def run_with_progress(
    options: RunRequestOptions,
    instance: dg.DagsterInstance | None = None,
    *,
    verbose: bool = False,
    definitions: dg.Definitions | None = None,
) -> PartitionRun:
    """Run one partition showing a step-by-step progress display on stderr, or Dagster's own log if verbose."""
    if verbose:
        return materialize_partition(options, instance, verbose=True, definitions=definitions)
    from assurance_jobs.app.progress import RunProgress

    with RunProgress(job_steps(options)) as progress:
        return materialize_partition(options, instance, listener=progress, definitions=definitions)


def run_partition(options: RunRequestOptions, *, verbose: bool = False, as_json: bool = False) -> int:
    """CLI entry: run, then print where everything is and a one-screen summary (or the summary as JSON); the
    exit code says how it went (app/exit_codes.py). A failed run prints its errors only: a summary would show whatever
    older results are stored for the day, and list exports this run did not write."""
    import json

    from assurance_jobs.app.summary import evidence_incomplete, print_json_summary, print_summary
    from assurance_jobs.steps.collect import utc_today

    ensure_dagster_home()
    instance = dg.DagsterInstance.get()
    try:
        with instance_lock(instance, (options.partition_date or utc_today()).isoformat()):
            outcome = run_with_progress(options, instance, verbose=verbose)
    except RunInProgressError as error:
        print(f"assurance-jobs: {error}", file=sys.stderr)
        return EXIT_FAILED
    config, day = outcome.settings.load(), date.fromisoformat(outcome.partition_key)
    if not outcome.success:
        if as_json:
            document = {"partition_date": day.isoformat(), "dagster_run_id": outcome.run_id, "success": False}
            print(json.dumps({**document, "errors": outcome.errors}, indent=2, sort_keys=True), file=sys.stdout)
        for error in outcome.errors:
            print(f"assurance-jobs: {error}", file=sys.stderr)
        print(f"assurance-jobs: run {outcome.run_id} failed; `dagster dev` shows its step logs", file=sys.stderr)
        return EXIT_FAILED
    if as_json:
        print_json_summary(config, day, outcome.run_id, sys.stdout, success=True, errors=[])
    else:
        print_summary(config, day, outcome.run_id, sys.stdout)
    return EXIT_INCOMPLETE if evidence_incomplete(config, day) else EXIT_OK


def materialize_probes(
    options: RunRequestOptions,
    instance: dg.DagsterInstance | None = None,
    *,
    verbose: bool = False,
    definitions: dg.Definitions | None = None,
) -> PartitionRun:
    """Run the probe job's assets for today (or `options.partition_date`, which the demo pins so a run that crosses
    midnight UTC stores its probes in the day it evaluates): the probes, then re-evaluation and the report if that
    day was evaluated."""
    from assurance_jobs.defs.probes import probe_selection
    from assurance_jobs.steps.collect import utc_today

    settings = options.settings()
    definitions = definitions or definitions_for(options)
    day = options.partition_date or utc_today()
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    selection = [dg.AssetKey(key) for key in probe_selection(settings.load(), day)]
    result = definitions.resolve_job_def(PROBE_JOB).execute_in_process(
        run_config=run_config(options, verbose),
        instance=instance,
        partition_key=day.isoformat(),
        asset_selection=selection,
        raise_on_error=False,
        tags={"assurance/trigger": "cli-probe"},
    )
    errors = [_root_cause(event.event_specific_data.error) for event in result.get_step_failure_events()]
    return PartitionRun(result.success, result.run_id, day.isoformat(), settings, errors)
