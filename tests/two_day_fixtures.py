"""Two days of an emulated estate, run through the pipeline's plain functions (no Dagster), for drift tests.

Day 1 is collected with the approved baseline in force and a just-in-time grant whose window is open; overnight
the estate drifts the way demo/history.py plants it (policy attached, trust widened, agent scope added) and the
JIT window closes; day 2 is collected and judged against day 1. Every step reads what the previous one stored,
so the tests see exactly what the daily job would leave behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from fake_aws import use_fake_aws
from freezegun import freeze_time
from moto import mock_aws

from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.demo import history
from assurance_jobs.evaluate.engine import Evaluation
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import build_partition_inventory, store_drift, store_inventory
from assurance_jobs.steps.tables import read_table

DAY1 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
SETTLEMENT = f"arn:aws:iam::{history.ACCOUNT}:role/payments-settlement"
SUPPORT_BOT = f"arn:aws:iam::{history.ACCOUNT}:role/agent-support-bot"
RELEASE = f"arn:aws:iam::{history.ACCOUNT}:role/release-automation"
AGENT_ID = "support-bot"
PARTNER_ROOT = f"arn:aws:iam::{history.UNKNOWN_PARTNER_ACCOUNT}:root"


@dataclass(frozen=True)
class TwoDays:
    """What two daily runs left behind: each day's judgement, and the folder everything was stored in."""

    config: AssuranceConfig
    day1: Evaluation
    day2: Evaluation

    def drift_table(self, table: str) -> pd.DataFrame:
        """A drift table as stored for day 2 (`permission_changes`, `trust_changes`, ...)."""
        return read_table(storage_for(self.config.storage_root), DAY2.date(), f"drift_{table}")


def two_day_config(root: Path) -> AssuranceConfig:
    """One account, one region; storage, reports, baseline and registry all under `root`."""
    return parse_config(
        {
            "storage_root": str(root / "data"),
            "output_dir": str(root / "reports"),
            "accounts": [{"name": "emulated", "regions": ["us-east-1"]}],
            "owner_tag_keys": ["owner"],
            "baseline_dir": str(root / "baseline"),
            "agent_registry": str(root / "agent-registry.yaml"),
        },
        "two-day test configuration",
    )


@contextmanager
def fake_aws_environment(aws_config: Path) -> Iterator[None]:
    """conftest's fake environment, for module-scoped fixtures (its autouse fixture is function-scoped)."""
    with pytest.MonkeyPatch.context() as patch:
        use_fake_aws(patch, aws_config)
        yield


def run_day(config: AssuranceConfig, when: datetime) -> Evaluation:
    """The daily job's steps in order: collect with the clock at `when`, then inventory + drift, store, evaluate.

    Only collection runs under the frozen clock: the later steps take their time from the snapshot manifest
    (taken_at), so running them on the real clock also checks that nothing after collection reads the clock.
    (It also keeps Great Expectations, imported lazily on first evaluation, from being imported while freezegun
    has replaced `datetime.date`, which breaks its pydantic.v1 import.)
    """
    with freeze_time(when):
        collect_snapshot(config, when.date())
    return judge_stored_snapshot(config, when.date())


def judge_stored_snapshot(config: AssuranceConfig, partition_date: date) -> Evaluation:
    """Inventory, drift and evaluation from the stored snapshot only (what an evaluation-only rerun does)."""
    snapshot = load_partition_snapshot(config, partition_date)
    built = build_partition_inventory(config, snapshot)
    store_inventory(config, partition_date, built.inventory, snapshot.manifest, built.previous_date)
    store_drift(config, partition_date, built.drift)
    return evaluate_partition(config, partition_date).evaluation


def run_two_days(root: Path) -> TwoDays:
    """Seed, run day 1, drift overnight (policy, trust, agent scope; the JIT window closes), run day 2."""
    config = two_day_config(root)
    registry = Path(str(config.agent_registry))
    with fake_aws_environment(root / "no-aws-config"), mock_aws():
        history.seed_baselined_roles(None, DAY2)  # type: ignore[arg-type]  # None: moto's in-process mock
        history.write_baseline(Path(str(config.baseline_dir)), DAY2)  # JIT window: DAY1 - 6 h .. DAY1 + 6 h
        history.write_registry(registry, granted_extra=False)
        day1 = run_day(config, DAY1)
        with freeze_time(DAY1 + timedelta(hours=12)):
            history.drift_overnight(None)  # type: ignore[arg-type]
        history.write_registry(registry, granted_extra=True)
        day2 = run_day(config, DAY2)
    return TwoDays(config, day1, day2)


def rejudged_without_baseline(two_days: TwoDays, root: Path) -> Evaluation:
    """Day 2 re-judged from a copy of the stored history with no baseline_dir configured (no AWS calls)."""
    shutil.copytree(two_days.config.storage_root, root / "data")
    moved = {"storage_root": str(root / "data"), "output_dir": str(root / "reports"), "baseline_dir": None}
    config = two_days.config.model_copy(update=moved)
    return judge_stored_snapshot(config, DAY2.date())
