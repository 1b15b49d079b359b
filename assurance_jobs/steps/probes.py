"""The probe job's steps as plain functions (the Dagster asset and the CLI call these and stay thin).

`probe_partition` runs the configured probes now and stores the run as evidence of today's partition;
`evaluate_stored_probes` builds the day's `probes` table from the newest stored run and judges it. The daily
evaluation calls the latter, so whichever of the two jobs runs last, the day's report carries the newest
probe results — and a day with probes configured but none run reads INCOMPLETE for them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from assurance_jobs.config import AssuranceConfig, OAuth2ProbeTarget
from assurance_jobs.evaluate.engine import Evaluation
from assurance_jobs.evaluate.probes import evaluate_probes
from assurance_jobs.evaluate.suites import Suite
from assurance_jobs.probes.clock import Clock
from assurance_jobs.probes.evidence import latest_probe_run, probe_run_location, stored_records, write_probe_run
from assurance_jobs.probes.runner import run_probes
from assurance_jobs.probes.sts import ClientFactory, boto3_clients
from assurance_jobs.scan.probe_table import ConfiguredTarget, probe_table
from assurance_jobs.snapshot.model import Manifest
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.steps.signing import configured_signer


class ProbesNotConfigured(RuntimeError):
    """The probe job ran without a `probes:` section: there is nothing to try."""


@dataclass(frozen=True)
class ProbeOutcome:
    manifest: Manifest
    location: str


def configured_targets(config: AssuranceConfig) -> list[ConfiguredTarget]:
    if config.probes is None:
        return []
    targets = []
    for target in config.probes.targets:
        if isinstance(target, OAuth2ProbeTarget):
            targets.append(
                ConfiguredTarget(
                    target.name,
                    "oauth2",
                    target.client_id,
                    target.resource_url,
                    float(target.max_lifetime_seconds),
                    audience_check=target.second_resource_url is not None,
                    revocation=target.revocation,
                    leeway_seconds=target.leeway_seconds,
                )
            )
        else:
            targets.append(
                ConfiguredTarget(
                    target.name,
                    "sts",
                    target.role_arn,
                    "sts:GetCallerIdentity",
                    float(target.max_lifetime_seconds),
                    revocation=target.revocation_probe,
                    leeway_seconds=target.leeway_seconds,
                )
            )
    return targets


def probe_partition(
    config: AssuranceConfig,
    partition_date: date,
    clock: Clock | None = None,
    sts_clients: ClientFactory = boto3_clients,
    http=None,
) -> ProbeOutcome:
    """Run every configured probe now and store the run in `partition_date`'s evidence."""
    if config.probes is None or not config.probes.targets:
        raise ProbesNotConfigured("no probe targets are configured (add a probes: section, see docs/probes.md)")
    clock = clock or Clock()
    started_at, started = clock.now(), time.monotonic()
    run = run_probes(config.probes, clock=clock, sts_clients=sts_clients, http=http)
    storage = storage_for(config.storage_root)
    signer = configured_signer(config)
    manifest = write_probe_run(storage, partition_date, started_at, run, time.monotonic() - started, signer)
    return ProbeOutcome(manifest, probe_run_location(storage, partition_date, manifest.snapshot_id))


def partition_probe_table(config: AssuranceConfig, storage: Storage, partition_date: date) -> tuple[pd.DataFrame, str]:
    """The day's `probes` table from its newest stored run (verified), and that run's id ('' if none)."""
    run = latest_probe_run(storage, partition_date)
    run_id = run.manifest.snapshot_id if run is not None else None
    records = stored_records(run) if run is not None else []
    return probe_table(records, configured_targets(config), run_id), run_id or ""


def evaluate_stored_probes(
    config: AssuranceConfig, storage: Storage, partition_date: date, suites: Sequence[Suite]
) -> tuple[pd.DataFrame, Evaluation]:
    table, run_id = partition_probe_table(config, storage, partition_date)
    return table, evaluate_probes(table, suites, probe_run_id=run_id, partition_date=partition_date)


def utc_now() -> datetime:
    return datetime.now(UTC)
