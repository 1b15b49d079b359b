"""Materialising every asset of the code location (`dagster asset materialize --select '*'`) works for today
without probes configured and for a past day with probes configured: the probe asset records that it probed
nothing, and the day is evaluated and reported from what is stored."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import dagster as dg
import pytest
from moto import mock_aws

from assurance_jobs.definitions import build_definitions
from assurance_jobs.defs.resources import AssuranceSettings

TODAY = datetime.now(UTC).date()
PAST = "2026-12-01"
PROBES = {"sts": [{"name": "deploy-role", "role_arn": "arn:aws:iam::123456789012:role/deploy"}]}


@pytest.fixture
def account() -> Iterator[None]:
    with mock_aws():
        boto3.client("iam").create_user(UserName="svc-deploy")
        yield


def write_config(folder: Path, **extra: object) -> Path:
    path = folder / "assurance.yaml"
    body = {"storage_root": str(folder / "data"), "output_dir": str(folder / "out"), **extra}
    path.write_text(json.dumps({**body, "accounts": [{"name": "test", "regions": ["us-east-1"]}]}))
    return path


def materialise_everything(config: Path, day: str) -> dg.ExecuteInProcessResult:
    definitions = build_definitions(AssuranceSettings(config_path=str(config)))
    job = definitions.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(partition_key=day, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def probe_metadata(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    (materialization,) = result.asset_materializations_for_node("probe_results")
    return {key: value.value for key, value in materialization.metadata.items()}


def test_every_asset_materialises_today_without_probes(account: None, tmp_path: Path) -> None:
    result = materialise_everything(write_config(tmp_path), TODAY.isoformat())
    assert result.success
    assert probe_metadata(result)["probed"] is False
    assert (tmp_path / "out" / TODAY.isoformat() / "index.html").exists()


def test_every_asset_materialises_for_a_past_day_with_probes_configured(account: None, tmp_path: Path) -> None:
    assert materialise_everything(write_config(tmp_path), TODAY.isoformat()).success
    days = tmp_path / "data" / "snapshots"
    shutil.copytree(days / TODAY.isoformat(), days / PAST)
    result = materialise_everything(write_config(tmp_path, probes=PROBES), PAST)
    assert result.success
    metadata = probe_metadata(result)
    assert metadata["probed"] is False and "is not today" in str(metadata["reason"])
    assert (tmp_path / "out" / PAST / "index.html").exists()
