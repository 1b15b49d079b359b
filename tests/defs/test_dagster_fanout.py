"""One Dagster step per account: parallel under the multiprocess executor within a pool limit, a crashing account
fails only itself, and the day is committed once, listing every account's status. (The same graph under the
multiprocess executor and a pool limit, on Postgres: tests/defs/test_postgres_instance.py.)"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from moto import mock_aws
from org_fixtures import Organization, build_organization, organization_config

from assurance_jobs.collect import plan as plan_module
from assurance_jobs.definitions import partitions_for
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.defs.snapshot import snapshot_asset
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import latest_snapshot

nhi_snapshot = snapshot_asset(partitions_for(AssuranceSettings()))

TODAY = datetime.now(UTC).date()


def write_config(folder: Path, **extra: object) -> Path:
    path = folder / "assurance.yaml"
    body = {**organization_config(), "storage_root": str(folder / "data"), "output_dir": str(folder / "out"), **extra}
    path.write_text(json.dumps(body))
    return path


def collect_steps(result: dg.ExecuteInProcessResult | dg.ExecutionResult) -> dict[str, str]:
    """Per collect_account step: its last event type (STEP_SUCCESS / STEP_FAILURE / …)."""
    last: dict[str, str] = {}
    for event in result.all_events:
        if event.step_key and ".collect_account[" in event.step_key and event.is_step_event:
            last[event.step_key] = event.event_type_value
    return last


def run_in_process(config: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [nhi_snapshot],
        partition_key=TODAY.isoformat(),
        resources={"settings": AssuranceSettings(config_path=str(config))},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


@pytest.fixture
def org() -> Iterator[Organization]:
    with mock_aws():
        yield build_organization()


def test_each_account_is_its_own_step(org: Organization, tmp_path: Path) -> None:
    result = run_in_process(write_config(tmp_path))
    assert result.success
    steps = collect_steps(result)
    assert set(steps) == {f"nhi_snapshot.collect_account[acct_{a}]" for a in (*org.accounts.values(), "123456789012")}
    assert set(steps.values()) == {"STEP_SUCCESS"}


def test_the_day_is_committed_once_with_every_accounts_status(org: Organization, tmp_path: Path) -> None:
    assert run_in_process(write_config(tmp_path)).success
    snapshot = latest_snapshot(storage_for(str(tmp_path / "data")), TODAY)
    assert snapshot is not None
    states = {r["account_id"]: r["collection"] for r in snapshot.manifest.account_status}
    assert states[org.accounts["suspended-app"]] == "suspended"
    assert states[org.accounts["ledger"]] == "complete"
    assert len(list((tmp_path / "data" / "snapshots" / TODAY.isoformat()).iterdir())) == 1


def test_a_crashing_account_fails_only_its_own_step_and_is_recorded_failed(
    org: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = org.accounts["ledger"]
    real = plan_module.collect_task

    def crash_in_ledger(config, task, day, sources, base=None, on_status=None):  # type: ignore[no-untyped-def]
        if task.member is not None and task.member.account_id == broken:
            raise RuntimeError("collector bug in one account")
        return real(config, task, day, sources, base, on_status)

    monkeypatch.setattr("assurance_jobs.defs.snapshot.collect_task", crash_in_ledger)
    monkeypatch.setattr("assurance_jobs.defs.snapshot.ACCOUNT_RETRIES", 0)
    result = run_in_process(write_config(tmp_path))
    assert result.success  # the day is committed: the crash is that account's status, not the run's
    snapshot = latest_snapshot(storage_for(str(tmp_path / "data")), TODAY)
    assert snapshot is not None
    states = {r["account_id"]: r["collection"] for r in snapshot.manifest.account_status}
    assert states[broken] == "failed"
    assert states[org.accounts["payments"]] == "complete"
    (status,) = [s for s in snapshot.manifest.collection_status if s.account_id == broken]
    assert (status.status, status.error_code) == ("error", "RuntimeError")


def test_a_past_day_reuses_its_stored_snapshot_without_account_steps(org: Organization, tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert run_in_process(config).success
    stored = latest_snapshot(storage_for(str(tmp_path / "data")), TODAY)
    assert stored is not None
    day = tmp_path / "data" / "snapshots"
    shutil.copytree(day / TODAY.isoformat(), day / "2026-02-01")
    result = dg.materialize(
        [nhi_snapshot],
        partition_key="2026-02-01",
        resources={"settings": AssuranceSettings(config_path=str(config))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert collect_steps(result) == {}
    (materialization,) = result.asset_materializations_for_node("nhi_snapshot")
    assert materialization.metadata["reused_stored_snapshot"].value is True
