"""The Dagster wiring: a whole partition materialises from an emulated account into snapshot + inventory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import dagster as dg
import pandas as pd
import pytest
from moto import mock_aws

from assurance_jobs.app.runner import RunRequestOptions, materialize_partition
from assurance_jobs.config import ScheduleConfig
from assurance_jobs.definitions import assets_for, defs
from assurance_jobs.defs.evaluation import check_name, declared_rules
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.defs.schedules import build_daily_schedule

ALL_ASSETS = assets_for(AssuranceSettings())
daily_schedule = build_daily_schedule(ScheduleConfig())

TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def emulated_account() -> Iterator[None]:
    """One service user with a key and one role, in moto."""
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_user(UserName="svc-deploy", Tags=[{"Key": "owner", "Value": "ops@example.com"}])
        iam.create_access_key(UserName="svc-deploy")
        trust = {
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]
        }
        iam.create_role(RoleName="app-lambda", AssumeRolePolicyDocument=json.dumps(trust))
        yield


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "assurance.yaml"
    path.write_text(
        f"storage_root: {tmp_path / 'data'}\noutput_dir: {tmp_path / 'out'}\n"
        "accounts:\n  - name: test\n    regions: [us-east-1]\n"
    )
    return path


def test_code_location_loads() -> None:
    dg.Definitions.validate_loadable(defs())


def test_daily_schedule_is_on_by_default_and_targets_the_days_partition() -> None:
    assert daily_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 3, 14, 6, tzinfo=UTC), repository_def=defs().get_repository_def()
    )
    request = daily_schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-14"
    assert request.run_key == "daily-2026-03-14"


def test_partition_materialises_snapshot_and_inventory(
    emulated_account: None, config_file: Path, tmp_path: Path
) -> None:
    result = dg.materialize(
        ALL_ASSETS,
        partition_key=TODAY,
        resources={"settings": AssuranceSettings(config_path=str(config_file))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    snapshot_meta = result.asset_materializations_for_node("nhi_snapshot")[0].metadata
    assert snapshot_meta["api_errors"].value == 0
    identities = pd.read_parquet(tmp_path / "data" / "inventory" / TODAY / "identities.parquet")
    assert sorted(identities["name"]) == ["app-lambda", "svc-deploy"]
    assert next(iter((tmp_path / "data" / "snapshots" / TODAY).iterdir())).joinpath("manifest.json").exists()


def test_every_rule_reports_an_asset_check_on_findings(
    emulated_account: None, config_file: Path, tmp_path: Path
) -> None:
    result = dg.materialize(
        ALL_ASSETS,
        partition_key=TODAY,
        resources={"settings": AssuranceSettings(config_path=str(config_file))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    checks = {check.check_name: check for check in result.get_asset_check_evaluations()}
    assert set(checks) == {check_name(rule.rule_id) for rule in declared_rules(AssuranceSettings())}
    # The service user has a key and an owner with no directory feed: the owner check cannot pass.
    assert checks["nhi_off_004"].passed is False
    assert checks["nhi_off_004"].metadata["status"].value == "INCOMPLETE"
    # The role trusts Lambda only: the open-trust rule passes with its scope evaluated.
    assert checks["nhi_lp_004"].passed is True
    assert checks["nhi_lp_004"].metadata["failing"].value == 0


def test_rerun_on_the_same_day_keeps_the_earlier_snapshot(
    emulated_account: None, config_file: Path, tmp_path: Path
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    for _ in range(2):
        assert materialize_partition(RunRequestOptions(config_path=str(config_file)), instance=instance).success
    assert len(list((tmp_path / "data" / "snapshots" / TODAY).iterdir())) == 2


def test_evaluate_only_rerun_makes_no_aws_calls(config_file: Path, tmp_path: Path, emulated_account: None) -> None:
    instance = dg.DagsterInstance.ephemeral()
    assert materialize_partition(RunRequestOptions(config_path=str(config_file)), instance=instance).success
    calls: list[str] = []
    boto3.DEFAULT_SESSION = None
    original = boto3.Session.client

    def recording_client(self, service_name, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(service_name)
        return original(self, service_name, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(boto3.Session, "client", recording_client)
        outcome = materialize_partition(RunRequestOptions(config_path=str(config_file), evaluate_only=True), instance)
    assert outcome.success
    assert calls == []


def test_past_day_without_a_stored_snapshot_fails_with_a_clear_error(config_file: Path) -> None:
    outcome = materialize_partition(
        RunRequestOptions(config_path=str(config_file), partition_date=datetime(2026, 2, 1).date()),
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert not outcome.success
    assert any("a past day cannot be collected" in error for error in outcome.errors)
