"""Runtime token probes: their own asset, job and schedule, so the wait for a token's expiry (15 minutes for an
STS session) never delays the daily snapshot. The probe run lands in the day's partition; when that day has
already been evaluated, the job re-evaluates and republishes it so the report carries the new results."""

from datetime import UTC, date, datetime

import dagster as dg

from assurance_jobs.config import AssuranceConfig, ConfigError, ProbesConfig, ScheduleConfig
from assurance_jobs.defs.resources import AssuranceSettings

PROBE_ASSET = "probe_results"
PROBES_GROUP = "probes"
REEVALUATED_ASSETS = ("findings", "rule_results", "compliance_report")
PROBE_SELECTION = dg.AssetSelection.groups(PROBES_GROUP)


def probe_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """Today's probe run as evidence of the day's partition."""

    @dg.asset(
        name=PROBE_ASSET,
        partitions_def=partitions,
        group_name=PROBES_GROUP,
        kinds={"http", "json"},
        description="Short-lived tokens obtained, replayed after expiry and recorded (status, timing, clock skew, "
        "fingerprints — never tokens) under probes/<date>/<probe_run_id>/ with a sha256 manifest.",
    )
    def probe_results(context: dg.AssetExecutionContext, settings: AssuranceSettings) -> dg.MaterializeResult:
        partition_date = date.fromisoformat(context.partition_key)
        today = datetime.now(UTC).date()
        config = settings.load()
        not_probed = _why_not_probed(config, partition_date, today)
        if not_probed is not None:  # nothing to try now: the day's evaluation judges whatever probe run is stored
            context.log.info(f"no probe run: {not_probed}")
            return dg.MaterializeResult(metadata={"probed": False, "reason": not_probed, "targets": 0})
        from assurance_jobs.steps.probes import probe_partition  # only a probe run needs the probes

        outcome = probe_partition(config, partition_date)
        statuses = outcome.manifest.collection_status
        for status in statuses:
            if status.status != "ok":
                context.log.warning(
                    f"probe {status.account_id} could not finish: {status.error_code}: {status.message}"
                )
        return dg.MaterializeResult(
            metadata={
                "probed": True,
                "probe_run_id": outcome.manifest.snapshot_id,
                "location": dg.MetadataValue.path(outcome.location),
                "targets": len(statuses),
                "incomplete": sum(status.status != "ok" for status in statuses),
                "duration_seconds": outcome.manifest.duration_seconds,
            }
        )

    return probe_results


def _why_not_probed(config: AssuranceConfig, partition_date: date, today: date) -> str | None:
    """Why no probe can run for this partition (None: it can). Selecting every asset (`--select '*'`) includes
    this one: it must then record that it did nothing rather than fail the day's evaluation and report."""
    if config.probes is None or not config.probes.targets:
        return "no probe targets are configured (docs/probes.md)"
    if partition_date != today:
        return f"a probe observes the relying services now; {partition_date} is not today ({today})"
    return None


def probe_selection(config: AssuranceConfig, day: date) -> list[str]:
    """The probes, plus re-evaluation and the report when the day's inventory is stored (else the day's
    daily run will evaluate them)."""
    from assurance_jobs.snapshot.storage import storage_for
    from assurance_jobs.steps.tables import has_table

    if has_table(storage_for(config.storage_root), day, "identities"):
        return [PROBE_ASSET, *REEVALUATED_ASSETS]
    return [PROBE_ASSET]


runtime_probes_job = dg.define_asset_job(
    "runtime_probes",
    selection=PROBE_SELECTION | dg.AssetSelection.assets(*REEVALUATED_ASSETS),
    description="Token probes for today, then re-evaluation and the report if the day was already evaluated.",
)


DEFAULT_PROBE_SCHEDULE = ScheduleConfig(cron="30 6 * * *")


def build_probe_schedule(probes: ProbesConfig | None) -> dg.ScheduleDefinition:
    """Running by default only when probe targets are configured; at the probes' own cron (default 06:30 UTC)."""
    schedule = probes.schedule if probes else DEFAULT_PROBE_SCHEDULE
    configured = bool(probes and probes.targets)

    @dg.schedule(
        job=runtime_probes_job,
        cron_schedule=schedule.cron,
        execution_timezone=schedule.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING if configured else dg.DefaultScheduleStatus.STOPPED,
        description="Replay expired tokens against the relying services every day (probes: in the configuration).",
    )
    def probe_schedule(context: dg.ScheduleEvaluationContext, settings: AssuranceSettings):
        try:
            config = settings.load()
        except ConfigError as error:
            return dg.SkipReason(f"configuration error: {error}")
        if config.probes is None or not config.probes.targets:
            return dg.SkipReason("no probe targets are configured (docs/probes.md)")
        day = context.scheduled_execution_time.astimezone(UTC).date()
        return dg.RunRequest(
            run_key=f"probes-{day.isoformat()}",
            partition_key=day.isoformat(),
            asset_selection=[dg.AssetKey(name) for name in probe_selection(config, day)],
            tags={"assurance/trigger": "probe-schedule"},
        )

    return probe_schedule


def definitions(partitions: dg.PartitionsDefinition, probes: ProbesConfig | None) -> dg.Definitions:
    return dg.Definitions(
        assets=[probe_asset(partitions)], jobs=[runtime_probes_job], schedules=[build_probe_schedule(probes)]
    )
