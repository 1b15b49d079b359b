"""`assurance-jobs demo`: the daily job, end to end, on an emulated AWS account seeded with realistic NHIs.

The demo takes the same code path as a real run — the collector reaches moto's server through
AWS_ENDPOINT_URL exactly as it would reach AWS — so what the demo shows is what production does.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from assurance_jobs.demo.estate import DemoEstate, seed_demo_estate
from assurance_jobs.demo.server import emulated_aws
from assurance_jobs.runner import RunRequestOptions, materialize_partition
from assurance_jobs.summary import print_summary

DEMO_REGIONS = ["us-east-1", "eu-west-1"]
DEMO_OWNER_TAG_KEYS = ["owner", "Owner"]


def demo_config(out: Path, estate: DemoEstate) -> dict:
    """The configuration a team would write for this account, pointing every output under `out`."""
    return {
        "storage_root": str(out / "data"),
        "output_dir": str(out / "reports"),
        "accounts": [{"name": "demo", "regions": DEMO_REGIONS}],
        "owner_tag_keys": DEMO_OWNER_TAG_KEYS,
        "directory_feed": {"path": str(estate.directory_feed_path)},
    }


def run_demo(out: Path, *, size: int = 300) -> int:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    print(f"assurance-jobs demo: seeding an emulated AWS account with ~{size} NHIs …", flush=True)
    with emulated_aws() as endpoint:
        estate = seed_demo_estate(endpoint, now=now, size=size, feed_dir=out)
        print(f"  seeded {_describe_counts(estate)} in {estate.seed_seconds:.1f} s at {endpoint}", flush=True)
        config_path = out / "assurance.yaml"
        config_path.write_text(yaml.safe_dump(demo_config(out, estate), sort_keys=False))
        outcome = materialize_partition(RunRequestOptions(config_path=str(config_path), partition_date=now.date()))
    from assurance_jobs.config import load_config

    print_summary(load_config(config_path), now.date(), outcome.run_id, sys.stdout)
    print(f"  config       {config_path}", file=sys.stdout)
    print(f"  planted      {len(estate.defects)} defects across {len(estate.rule_ids())} rules", file=sys.stdout)
    if not outcome.success:
        for error in outcome.errors:
            print(f"assurance-jobs: {error}", file=sys.stderr)
        return 1
    return 0


def _describe_counts(estate: DemoEstate) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(estate.counts.items()) if count)
