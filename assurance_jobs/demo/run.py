"""`assurance-jobs demo`: the daily job, end to end, on an emulated AWS account seeded with realistic NHIs.

The demo takes the same code path as a real run — the collector reaches moto's server through
AWS_ENDPOINT_URL exactly as it would reach AWS — so what the demo shows is what production does.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from freezegun import freeze_time

from assurance_jobs.config import load_config
from assurance_jobs.demo.estate import DemoEstate, seed_demo_estate
from assurance_jobs.demo.history import drift_overnight, seed_baselined_roles, write_baseline, write_registry
from assurance_jobs.demo.server import emulated_aws
from assurance_jobs.pipeline import collect_snapshot
from assurance_jobs.runner import RunRequestOptions, materialize_partition
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.summary import print_summary

DEMO_REGIONS = ["us-east-1", "eu-west-1"]
DEMO_OWNER_TAG_KEYS = ["owner", "Owner"]


def demo_config(out: Path, estate: DemoEstate, baseline_dir: Path, registry: Path) -> dict:
    """The configuration a team would write for this account, pointing every output under `out`."""
    return {
        "storage_root": str(out / "data"),
        "output_dir": str(out / "reports"),
        "accounts": [{"name": "demo", "regions": DEMO_REGIONS}],
        "owner_tag_keys": DEMO_OWNER_TAG_KEYS,
        "directory_feed": {"path": str(estate.directory_feed_path)},
        "baseline_dir": str(baseline_dir),
        "agent_registry": str(registry),
    }


def run_demo(out: Path, *, size: int = 300) -> int:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    print(f"assurance-jobs demo: seeding an emulated AWS account with ~{size} NHIs …", flush=True)
    with emulated_aws() as endpoint:
        estate = seed_demo_estate(endpoint, now=now, size=size, feed_dir=out)
        seed_baselined_roles(endpoint, now)
        print(f"  seeded {_describe_counts(estate)} in {estate.seed_seconds:.1f} s at {endpoint}", flush=True)
        baseline_dir, registry = out / "baseline", out / "agent-registry.yaml"
        write_baseline(baseline_dir, now)
        write_registry(registry, granted_extra=False)
        config_path = out / "assurance.yaml"
        config_path.write_text(yaml.safe_dump(demo_config(out, estate, baseline_dir, registry), sort_keys=False))
        config = load_config(config_path)
        print(f"  day 1 ({yesterday.date()}): snapshot with the clock set back a day, then evaluate", flush=True)
        with freeze_time(yesterday, tick=True):
            collect_snapshot(config, storage_for(config.storage_root), yesterday.date())
        first = materialize_partition(
            RunRequestOptions(config_path=str(config_path), partition_date=yesterday.date(), evaluate_only=True)
        )
        drift_overnight(endpoint)
        write_registry(registry, granted_extra=True)
        print(f"  day 2 ({now.date()}): the estate drifted overnight; the daily job runs", flush=True)
        outcome = materialize_partition(RunRequestOptions(config_path=str(config_path), partition_date=now.date()))
    print_summary(config, now.date(), outcome.run_id, sys.stdout)
    print(f"  config       {config_path}", file=sys.stdout)
    print(f"  planted      {len(estate.defects)} defects across {len(estate.rule_ids())} rules", file=sys.stdout)
    failures = [run for run in (first, outcome) if not run.success]
    for run in failures:
        for error in run.errors:
            print(f"assurance-jobs: {error}", file=sys.stderr)
    return 1 if failures else 0


def _describe_counts(estate: DemoEstate) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(estate.counts.items()) if count)
